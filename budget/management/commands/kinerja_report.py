from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from budget.kinerja import kinerja
from budget.models import Opd
from budget.reporting import render_kinerja_csv, render_kinerja_json, render_kinerja_table
from budget.selectors import SelectorError, region_get


class Command(BaseCommand):
    help = (
        "Early warning per OPD through a quarter (DESIGN §5): cash plan deviation and its "
        "score, absorption against the quarterly targets, the year-end forecast and its "
        "warning, the composite nilai kinerja."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tahun", type=int, required=True)
        parser.add_argument("--triwulan", type=int, default=4, choices=[1, 2, 3, 4])
        parser.add_argument("--opd", help="only this OPD (its code)")
        parser.add_argument("--region", dest="region_kode", help="code of the region (pemda)")
        parser.add_argument("--format", default="table", choices=["json", "csv", "table"])

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        try:
            region = region_get(kode=options["region_kode"])
        except SelectorError as exc:
            raise CommandError(str(exc)) from None
        opd = None
        if options["opd"]:
            opd = Opd.objects.filter(region=region, kode=options["opd"]).first()
            if opd is None:
                raise CommandError(f"no OPD with code {options['opd']!r}")
        report = kinerja(
            region=region, tahun=options["tahun"], triwulan=options["triwulan"], opd=opd
        )
        render = {
            "json": render_kinerja_json,
            "csv": render_kinerja_csv,
            "table": render_kinerja_table,
        }[options["format"]]
        self.stdout.write(render(report), ending="" if options["format"] != "json" else "\n")
