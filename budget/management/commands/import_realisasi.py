from budget.importing.realisasi import import_realisasi
from budget.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "Import quarterly realisasi (the amount realised within each quarter). All or nothing."

    def run_import(self, table, options, progress):
        return import_realisasi(
            table=table,
            region_kode=options["region_kode"],
            dry_run=options["dry_run"],
            progress=progress,
        )
