from budget.importing.dpa import import_dpa
from budget.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import DPA budget lines (pagu and quarterly or monthly cash plan). All or nothing; "
        "the first import into an empty database creates the region."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--region-nama", help="name of the region, when it is created")
        parser.add_argument(
            "--tahap",
            choices=["murni", "perubahan"],
            help=(
                "murni: the file is the original DPA (sets every line's murni pagu); "
                "perubahan: a DPPA (lines new in it get a murni pagu of 0)"
            ),
        )

    def run_import(self, table, options, progress):
        return import_dpa(
            table=table,
            region_kode=options["region_kode"],
            region_nama=options["region_nama"],
            dry_run=options["dry_run"],
            progress=progress,
            tahap=options["tahap"],
        )
