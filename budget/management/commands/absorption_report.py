from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from budget.models import SumberDana
from budget.reporting import render_csv, render_json, render_table
from budget.selectors import LEVELS, SelectorError, absorption, region_get


class Command(BaseCommand):
    help = (
        "Absorption (serapan) and achievement against the cash plan, "
        "at any level, through a quarter."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tahun", type=int, required=True)
        parser.add_argument("--triwulan", type=int, default=4, choices=[1, 2, 3, 4])
        parser.add_argument("--level", default="opd", choices=LEVELS)
        parser.add_argument(
            "--depth",
            type=int,
            choices=range(1, 7),
            metavar="N",
            help="with --level akun: group by the first N code segments (2 gives 5.1, 5.2, ...)",
        )
        parser.add_argument("--opd", help="only this OPD (its code)")
        parser.add_argument(
            "--sumber-dana",
            dest="sumber_dana",
            choices=[*SumberDana.values, "-"],
            metavar="S",
            help="only the lines of this fund source (DAK Fisik, PAD, ...; - for none)",
        )
        parser.add_argument("--region", dest="region_kode", help="code of the region (pemda)")
        parser.add_argument("--format", default="table", choices=["json", "csv", "table"])

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        if options["depth"] is not None and options["level"] != "akun":
            raise CommandError("--depth applies only to --level akun")
        try:
            region = region_get(kode=options["region_kode"])
            rows = absorption(
                region=region,
                tahun=options["tahun"],
                triwulan=options["triwulan"],
                level=options["level"],
                depth=options["depth"],
                opd=options["opd"],
                sumber_dana=None
                if options["sumber_dana"] is None
                else ("" if options["sumber_dana"] == "-" else options["sumber_dana"]),
            )
        except SelectorError as exc:
            raise CommandError(str(exc)) from None
        if options["opd"] and not rows:
            from budget.models import Opd

            if not Opd.objects.filter(region=region, kode=options["opd"]).exists():
                raise CommandError(f"no OPD with code {options['opd']!r}")
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(
                render_json(
                    tahun=options["tahun"],
                    triwulan=options["triwulan"],
                    level=options["level"],
                    rows=rows,
                )
            )
        elif fmt == "csv":
            self.stdout.write(render_csv(rows), ending="")
        else:
            self.stdout.write(render_table(rows), ending="")
