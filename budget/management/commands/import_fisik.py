from budget.importing.fisik import import_fisik
from budget.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import realisasi fisik: each sub kegiatan's cumulative physical progress (0-100) at "
        "the end of a quarter. All or nothing."
    )

    def run_import(self, table, options, progress):
        return import_fisik(
            table=table, region_kode=options["region_kode"], dry_run=options["dry_run"]
        )
