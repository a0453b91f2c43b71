import re
from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from budget.importing.dpa import import_dpa
from budget.management.commands._base import ImportCommand
from budget.versions import VERSI, VersionInfo, tahap_for


def _date(text: str) -> date:
    """A date as 2025-09-29 or, as Indonesian documents write it, 29-09-2025."""
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-":
            return date.fromisoformat(value)
        day, month, year = re.split(r"[-/]", value)
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CommandError(f"--tanggal {text!r}: not a date (2025-09-29 or 29-09-2025)") from None


class Command(ImportCommand):
    help = (
        "Import DPA budget lines (pagu and quarterly or monthly cash plan). All or nothing; "
        "the first import into an empty database creates the region. Each import that changes "
        "lines is kept as a DPA version (--versi, --nomor, --tanggal)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--region-nama", help="name of the region, when it is created")
        parser.add_argument(
            "--versi",
            choices=VERSI,
            help=(
                "which DPA document the file is: murni (the original DPA), perubahan (a DPPA "
                "after the APBD-P) or pergeseran; unset: murni for a year without versions, "
                "else pergeseran"
            ),
        )
        parser.add_argument("--nomor", default="", help="the document's number (legal basis)")
        parser.add_argument(
            "--tanggal",
            help=(
                "the day it takes effect (2025-09-29); default 1 January for a DPA murni, "
                "today for the others"
            ),
        )
        parser.add_argument("--keterangan", default="", help="a note kept with the version")
        parser.add_argument(
            "--tahap",
            choices=["murni", "perubahan"],
            help=(
                "older name of --versi: murni sets every line's murni pagu; perubahan (a DPPA) "
                "gives lines new in it a murni pagu of 0"
            ),
        )

    def run_import(self, table, options, progress):
        try:
            tahap = tahap_for(versi=options["versi"], tahap=options["tahap"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        versi = VersionInfo(
            jenis=options["versi"] or options["tahap"],
            nomor=options["nomor"] or "",
            tanggal=_date(options["tanggal"]) if options["tanggal"] else None,
            keterangan=options["keterangan"] or "",
            berkas=Path(str(options["file"])).name,
        )
        return import_dpa(
            table=table,
            region_kode=options["region_kode"],
            region_nama=options["region_nama"],
            dry_run=options["dry_run"],
            progress=progress,
            tahap=tahap,
            versi=versi,
        )
