"""The LRA (Laporan Realisasi Anggaran) in the layout of the government accounting standards
(SAP, PP 71/2010; the statement of Permendagri 77/2020): pendapatan, belanja, transfer,
surplus/(defisit), pembiayaan (penerimaan, pengeluaran, pembiayaan netto) and SiLPA, each
with its budget, realisation, percentage and the amount over or under the budget.

The groups are the kelompok of the chart of accounts (4.1 … 6.2), summed by the database in
one pass (`absorption` at account depth 2, read from the roll-ups region-wide); the totals and
results are derived here, in one place, from those sums.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from budget.codes import ACCOUNT_CHART
from budget.models import Opd, Region
from budget.selectors import absorption

ZERO = Decimal("0.00")

# The sections of the statement: (heading, kelompok codes, total label). Transfers (5.4) are
# their own section after belanja, as SAP sets them apart from spending.
PENDAPATAN = ("4.1", "4.2", "4.3")
BELANJA = ("5.1", "5.2", "5.3")
TRANSFER = ("5.4",)
PENERIMAAN = ("6.1",)
PENGELUARAN = ("6.2",)


@dataclass(frozen=True)
class SapLine:
    """One line of the statement: a heading (no figures), a kelompok, a total or a result."""

    kind: str  # heading | group | total | result
    nama: str
    kode: str = ""
    anggaran: Decimal | None = None
    realisasi: Decimal | None = None

    @property
    def persen(self) -> Decimal | None:
        """Realisasi against the budget, exact (rounded where shown); undefined for no
        budget, a heading, or a result (a surplus, a net figure: a difference of flows whose
        ratio means nothing)."""
        if self.kind not in ("group", "total") or not self.anggaran or self.realisasi is None:
            return None
        return self.realisasi * 100 / self.anggaran

    @property
    def selisih(self) -> Decimal | None:
        """Realisasi over (positive) or under (negative) the budget."""
        if self.anggaran is None or self.realisasi is None:
            return None
        return self.realisasi - self.anggaran


@dataclass(frozen=True)
class SapReport:
    region: Region
    opd: Opd | None
    tahun: int
    triwulan: int
    lines: list[SapLine]

    def line(self, nama: str) -> SapLine:
        return next(line for line in self.lines if line.nama == nama)


@dataclass(frozen=True)
class _Sum:
    anggaran: Decimal
    realisasi: Decimal

    def __add__(self, other: "_Sum") -> "_Sum":
        return _Sum(self.anggaran + other.anggaran, self.realisasi + other.realisasi)

    def __sub__(self, other: "_Sum") -> "_Sum":
        return _Sum(self.anggaran - other.anggaran, self.realisasi - other.realisasi)


def lra_sap(*, region: Region, tahun: int, triwulan: int, opd: Opd | None = None) -> SapReport:
    """The region's (or one OPD's) LRA in the SAP layout through `triwulan` of `tahun`. One
    query (the kelompok sums)."""
    rows = absorption(region=region, tahun=tahun, triwulan=triwulan, level="akun", depth=2, opd=opd)
    sums = {r.kode: _Sum(r.pagu, r.realisasi_kumulatif) for r in rows}
    lines: list[SapLine] = []

    def section(heading: str, codes: tuple[str, ...], total: str) -> _Sum:
        lines.append(SapLine("heading", heading))
        subtotal = _Sum(ZERO, ZERO)
        for kode in codes:
            figures = sums.get(kode, _Sum(ZERO, ZERO))
            lines.append(
                SapLine("group", ACCOUNT_CHART[kode], kode, figures.anggaran, figures.realisasi)
            )
            subtotal = subtotal + figures
        lines.append(SapLine("total", total, "", subtotal.anggaran, subtotal.realisasi))
        return subtotal

    def result(nama: str, figures: _Sum, kind: str = "result") -> None:
        lines.append(SapLine(kind, nama, "", figures.anggaran, figures.realisasi))

    pendapatan = section(str(_("REVENUE")), PENDAPATAN, str(_("Total revenue")))
    belanja = section(str(_("SPENDING")), BELANJA, str(_("Total spending")))
    transfer = section(str(_("TRANSFERS")), TRANSFER, str(_("Total transfers")))
    result(str(_("Total spending and transfers")), belanja + transfer, kind="total")
    surplus = pendapatan - belanja - transfer
    result(str(_("SURPLUS/(DEFICIT)")), surplus)
    lines.append(SapLine("heading", str(_("FINANCING"))))
    penerimaan = sums.get("6.1", _Sum(ZERO, ZERO))
    pengeluaran = sums.get("6.2", _Sum(ZERO, ZERO))
    for kode, figures in (("6.1", penerimaan), ("6.2", pengeluaran)):
        lines.append(
            SapLine("group", ACCOUNT_CHART[kode], kode, figures.anggaran, figures.realisasi)
        )
    result(str(_("Net financing")), penerimaan - pengeluaran)
    result(
        str(_("SURPLUS/(DEFICIT) OF BUDGET FINANCING (SiLPA/SiKPA)")),
        surplus + penerimaan - pengeluaran,
    )
    return SapReport(region=region, opd=opd, tahun=tahun, triwulan=triwulan, lines=lines)
