"""Recompute the region roll-ups from the detail, or check that they equal it."""

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from budget import rollups
from budget.money import format_number
from budget.selectors import SelectorError, region_get


class Command(BaseCommand):
    help = (
        "Recompute the roll-ups (budget_rollup, budget_subkegiatanrollup) from the DPA lines "
        "and realisasi, and the DPA change sets (budget_dpachangeset) from the lines' "
        "history; with --check, only compare them and exit non-zero when they differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", dest="region_kode", help="only this region (code)")
        parser.add_argument("--check", action="store_true", help="compare, write nothing")

    def handle(self, *args, **options):
        region = None
        if options["region_kode"]:
            try:
                region = region_get(kode=options["region_kode"])
            except SelectorError as exc:
                raise CommandError(str(exc)) from None
        if options["check"]:
            found = rollups.differences(region=region)
            for line in found[:50]:
                self.stderr.write(line)
            if found:
                raise CommandError(
                    f"{format_number(Decimal(len(found)))} roll-up row(s) differ from the detail"
                )
            self.stdout.write("The roll-ups equal the detail.")
            return
        n = rollups.rebuild(region=region)
        self.stdout.write(f"{format_number(Decimal(n))} roll-up row(s) rebuilt.")
