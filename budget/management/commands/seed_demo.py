from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from budget.demo import DEMO_PASSWORD, DEMO_USERS, REPORTED_THROUGH, seed_demo
from budget.importing import ImportRefused
from budget.models import Opd, Region
from budget.money import format_percent, format_rupiah
from budget.selectors import absorption


class Command(BaseCommand):
    help = (
        "Load the demo region (Kabupaten Sukamaju: two fiscal years, realisasi, demo users). "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already holds a region",
        )

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        if options["if_empty"] and Region.objects.exists():
            self.stdout.write("The database already holds a region; the demo was not loaded.")
            return
        try:
            result = seed_demo()
        except ImportRefused as refused:  # a bug in the demo data, never the user's input
            for error in refused.errors[:20]:
                self.stderr.write(str(error))
            raise CommandError("the demo data was refused; nothing was loaded") from None

        self._summary(result)

    def _summary(self, result) -> None:
        region = result.region
        n_opd = Opd.objects.filter(region=region).count()
        self.stdout.write(f"Region {region.kode} {region.nama}: {n_opd} OPD")
        for label, dpa in result.dpa:
            if dpa is None:
                self.stdout.write(f"{label}: already superseded by its DPPA, left as it is")
            else:
                c = dpa.lines
                self.stdout.write(
                    f"{label}: {c.created} lines created, {c.updated} updated, "
                    f"{c.unchanged} unchanged"
                )
        c = result.realisasi.counts
        self.stdout.write(
            f"Realisasi: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
        )
        if result.fisik is not None:
            c = result.fisik.counts
            self.stdout.write(
                f"Realisasi fisik: {c.created} created, {c.updated} updated, "
                f"{c.unchanged} unchanged"
            )
        for tahun, triwulan in REPORTED_THROUGH.items():
            for row in absorption(region=region, tahun=tahun, triwulan=triwulan, level="pemda"):
                self.stdout.write(
                    f"{tahun} TW {triwulan} {row.jenis}: pagu {format_rupiah(row.pagu)}, "
                    f"realisasi {format_rupiah(row.realisasi_kumulatif)} "
                    f"({format_percent(row.serapan_persen)})"
                )
        if result.reports:
            self.stdout.write(f"Quarterly reports through the workflow: {result.reports}")
        if result.upaya:
            self.stdout.write(f"Remedial actions (upaya) recorded: {result.upaya}")
        users = ", ".join(f"{u.username} ({result.users[u.username]})" for u in DEMO_USERS)
        self.stdout.write(f"Users: {users}; password {DEMO_PASSWORD}")
        if not result.changed:
            self.stdout.write("The demo region was already loaded: nothing changed.")
