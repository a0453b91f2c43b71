"""Write a synthetic region's DPA and realisasi files in the contract's format."""

from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.generator import generate_region
from budget.money import format_number


def format_count(n: int) -> str:
    return format_number(Decimal(n))


class Command(BaseCommand):
    help = (
        "Write DIR/dpa.csv, DIR/realisasi.csv and DIR/fisik.csv for a synthetic but "
        "realistic region (Permendagri 90 codes, skewed pagu, late-year spending, laggards, "
        "revenue and financing lines, four quarters of realisasi and of realisasi fisik); the "
        "same seed gives the same files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--opd", type=int, required=True, help="number of OPDs")
        parser.add_argument(
            "--lines", type=int, required=True, help="DPA lines per year, over all OPDs"
        )
        parser.add_argument("--tahun", type=int, required=True, help="the (first) fiscal year")
        parser.add_argument(
            "--tahun-sampai", type=int, help="the last fiscal year (default: --tahun)"
        )
        parser.add_argument("--seed", type=int, default=2025, help="the same seed, the same files")
        parser.add_argument("--out", type=Path, required=True, help="directory to write to")

    def handle(self, *args, **options):
        first, last = options["tahun"], options["tahun_sampai"] or options["tahun"]
        if not 2000 <= first <= last <= 2100:
            raise CommandError("--tahun .. --tahun-sampai must be years 2000-2100, in order")
        if options["opd"] < 1 or options["lines"] < options["opd"]:
            raise CommandError("--opd must be at least 1 and --lines at least --opd")
        if options["opd"] > 999:
            raise CommandError("--opd may be at most 999")
        result = generate_region(
            opds=options["opd"],
            lines=options["lines"],
            years=range(first, last + 1),
            seed=options["seed"],
            out=options["out"],
        )
        n = format_count
        self.stdout.write(
            f"{result.dpa}: {n(result.dpa_rows)} rows, {n(result.lines)} DPA lines of "
            f"{n(result.opds)} OPD in {len(result.years)} year(s)\n"
            f"{result.realisasi}: {n(result.realisasi_rows)} rows (TW I-IV)\n"
            f"{result.fisik}: {n(result.fisik_rows)} rows (realisasi fisik, for import_fisik)"
        )
