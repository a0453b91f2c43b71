"""The LRA-style absorption report as data: sections of rows taken from the selectors.

Pendapatan, belanja and pembiayaan are separate sections, never added together. By program,
belanja lists every program with its kegiatan and sub kegiatan beneath it (each group row
carries the group's own totals, computed by the database); revenue and financing have no
programs and are listed by account in both arrangements. By rekening, every section lists
the account groups at kelompok (depth 2) and jenis (depth 3) level, then the lines' accounts.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple, TypedDict

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget.codes import Jenis
from budget.criteria import Bands, bands_for
from budget.dana import source_key
from budget.models import Opd, Region
from budget.quarters import ROMAN, tw_label
from budget.selectors import (
    AbsorptionRow,
    absorption,
    absorption_levels,
    absorption_queryset,
    absorption_rows,
)
from dashboard.reports.collector import collector_paused

SUSUNAN = {
    "program": _("by program, kegiatan and sub kegiatan"),
    "rekening": _("by account"),
}
SECTIONS = (
    # jenis, code, title, total label
    (Jenis.PENDAPATAN.value, "4", _("REGIONAL REVENUE"), _("TOTAL REGIONAL REVENUE")),
    (Jenis.BELANJA.value, "5", _("REGIONAL SPENDING"), _("TOTAL REGIONAL SPENDING")),
    (Jenis.PEMBIAYAAN.value, "6", _("REGIONAL FINANCING"), None),
)
# Financing receipts (6.1) and disbursements (6.2) flow in opposite directions: their sum is no
# LRA figure and their net would be arithmetic done here, so the section closes on its kelompok
# subtotals instead of a total.
PROGRAM_LEVELS = ("program", "kegiatan", "sub_kegiatan")
NOT_BY_PROGRAM = tuple(j.value for j in Jenis if j != Jenis.BELANJA)  # listed by account
ACCOUNT_DEPTHS = (2, 3, None)  # kelompok, jenis, then the lines' own accounts
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


class LraLine(NamedTuple):
    """One row of a section (a tuple: a region's report holds ten thousand and more)."""

    row: AbsorptionRow
    level: int  # 1 the outermost group (program, kelompok) … 3 the innermost rows
    subtotal: bool  # a group row whose amounts cover the rows beneath it


@dataclass(frozen=True)
class LraSection:
    jenis: str
    kode: str
    title: str
    lines: list[LraLine]
    total: AbsorptionRow | None
    total_label: str | None
    note: str = ""


@dataclass(frozen=True)
class LraReport:
    region: Region
    opd: Opd | None
    tahun: int
    triwulan: int
    susunan: str
    printed_at: datetime
    sections: list[LraSection]
    by_opd: bool = False  # the region's recapitulation, one row per OPD
    # Belanja by fund source (budget.selectors level sumber_dana), in SIPD's order; empty
    # when no line names one. The same belanja again: never added to the sections' totals.
    sources: list[AbsorptionRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return gettext("Budget Realisation Report — Budget Absorption")

    @property
    def tw(self) -> str:
        return tw_label(self.triwulan)

    @property
    def period_label(self) -> str:
        return periode(self.tahun, self.triwulan)

    @property
    def printed_label(self) -> str:
        return printed(self.printed_at)

    @property
    def printed_date(self) -> str:
        return tanggal(self.printed_at)

    @property
    def susunan_label(self) -> str:
        return str(SUSUNAN[self.susunan])

    @property
    def scope_label(self) -> str:
        return f"{self.opd.nama} ({self.opd.kode})" if self.opd else gettext("All work units")

    @property
    def bookmark(self) -> str:
        """The entry of this report in the region PDF's outline."""
        if self.opd:
            return f"{self.opd.kode} {self.opd.nama}"
        return gettext("Recapitulation by work unit")

    @property
    def filename(self) -> str:
        scope = self.opd.kode if self.opd else self.region.kode
        return f"LRA-{scope}-{self.tahun}-TW{self.triwulan}-{self.susunan}"


def printed_now() -> datetime:
    """The moment a report is printed (one function, so that a test can fix it)."""
    return timezone.now()


def periode(tahun: int, triwulan: int) -> str:
    """`Tahun 2026 s.d. Triwulan III`."""
    return gettext("Year %(tahun)d through Quarter %(tw)s") % {
        "tahun": tahun,
        "tw": ROMAN[triwulan],
    }


def printed(moment: datetime) -> str:
    """`Dicetak 23 November 2026 19.05 WIB`."""
    return gettext("Printed %(when)s") % {"when": tanggal_waktu(moment)}


def tanggal(moment: datetime) -> str:
    """`23 November 2026`, in the server's time zone, whatever language the UI is in: the
    report is an Indonesian document."""
    local = timezone.localtime(moment)
    return f"{local.day} {BULAN[local.month - 1]} {local.year}"


def tanggal_waktu(moment: datetime) -> str:
    """`23 November 2026 19.05 WIB` (the zone's own abbreviation: WIB, WITA or WIT)."""
    local = timezone.localtime(moment)
    return f"{tanggal(local)} {local:%H.%M} {local.tzname()}"


def belanja_by_source(
    *, region: Region, tahun: int, triwulan: int, opd: Opd | None, bands: Bands
) -> list[AbsorptionRow]:
    """The report's belanja by fund source, in SIPD's order; none when no line names one.
    One query (the roll-ups for the region, the OPD's lines for an OPD)."""
    rows = absorption(
        region=region,
        tahun=tahun,
        triwulan=triwulan,
        opd=opd,
        level="sumber_dana",
        jenis=Jenis.BELANJA.value,
        bands=bands,
    )
    if not any(row.kode for row in rows):
        return []
    return sorted(rows, key=lambda row: source_key(row.kode))


def _code_key(kode: str) -> tuple[int, ...]:
    # Codes are dot-separated ASCII digits (budget.codes); comparing the segments as numbers
    # puts a group right before the rows under it whatever the segments' widths.
    try:
        return tuple(map(int, kode.split(".")))  # every segment digits: the common case
    except ValueError:
        return tuple(int(s) for s in kode.split(".") if s.isdigit())


def _arrange(rows_by_level: list[list[AbsorptionRow]]) -> dict[str, list[LraLine]]:
    """Rows of several levels merged into one listing per jenis, each group directly above
    the rows under it. A row whose code repeats a group's (an account budgeted at jenis level
    is its own depth-3 group) is shown once, as the group."""
    deepest = len(rows_by_level)
    # Each line beside its sort key (the code's segments, then its level), made once.
    keyed: dict[str, list[tuple[tuple[int, ...], int, LraLine]]] = {}
    seen: set[tuple[str, str]] = set()
    for level, rows in enumerate(rows_by_level, start=1):
        subtotal = level < deepest
        for row in rows:
            kode, jenis = row.kode, row.jenis
            if (jenis, kode) in seen:
                continue
            seen.add((jenis, kode))
            keyed.setdefault(jenis, []).append(
                (_code_key(kode), level, LraLine(row, level, subtotal))
            )
    by_key = itemgetter(0, 1)
    return {
        jenis: [line for _key, _level, line in sorted(entries, key=by_key)]
        for jenis, entries in keyed.items()
    }


class _Scope(TypedDict):
    region: Region
    tahun: int
    triwulan: int
    opd: Opd | None


@collector_paused()
def lra_report(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    opd: Opd | None = None,
    susunan: str = "program",
    printed_at: datetime | None = None,
    bands: Bands | None = None,
) -> LraReport:
    """The report of the region (or one OPD) through `triwulan` of `tahun`.

    Queries, whatever the data: the bands 1 (none when given), the totals 1; by program 1 for
    the three program levels (one pass) and 3 for the accounts of revenue and financing (one
    at each of three depths, the names joined); by rekening 3 for the accounts; belanja by
    fund source 1."""
    if susunan not in SUSUNAN:
        raise ValueError(f"susunan must be one of {', '.join(SUSUNAN)}")
    if bands is None:
        bands = bands_for(region_id=region.pk)
    scope: _Scope = {"region": region, "tahun": tahun, "triwulan": triwulan, "opd": opd}
    totals = {
        row.jenis: row for row in absorption(**scope, level="opd" if opd else "pemda", bands=bands)
    }

    account_levels: list[list[AbsorptionRow]] = []
    for depth in ACCOUNT_DEPTHS:
        grouped = absorption_queryset(**scope, level="akun", depth=depth)
        if susunan == "program":
            # Named rather than "not belanja": the lines' index by (region, year, jenis)
            # then finds the few revenue and financing lines without reading the rest.
            grouped = grouped.filter(jenis__in=NOT_BY_PROGRAM)
        account_levels.append(absorption_rows(grouped, region=region, level="akun", bands=bands))
    lines = _arrange(account_levels)
    notes: dict[str, str] = {}
    if susunan == "program":
        by_level = absorption_levels(
            **scope, levels=PROGRAM_LEVELS, jenis=Jenis.BELANJA.value, bands=bands
        )
        program_levels = [by_level[level] for level in PROGRAM_LEVELS]
        lines[Jenis.BELANJA.value] = _arrange(program_levels).get(Jenis.BELANJA.value, [])
        notes = {
            Jenis.PENDAPATAN.value: gettext("Revenue is not budgeted by program: by account."),
            Jenis.PEMBIAYAAN.value: gettext("Financing is not budgeted by program: by account."),
        }

    sections = []
    for jenis, kode, title, total_label in SECTIONS:
        section_lines = lines.get(jenis, [])
        if not section_lines and jenis not in totals:
            continue
        sections.append(
            LraSection(
                jenis=jenis,
                kode=kode,
                title=str(title),
                lines=section_lines,
                total=totals.get(jenis) if total_label else None,
                total_label=str(total_label) if total_label else None,
                note=notes.get(jenis, ""),
            )
        )
    return LraReport(
        region=region,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        susunan=susunan,
        printed_at=printed_at or printed_now(),
        sections=sections,
        sources=belanja_by_source(**scope, bands=bands),
    )


@dataclass(frozen=True)
class RegionBook:
    """The region's PDF as parts printed one after the other: the recapitulation by OPD,
    then every OPD's own report, each exactly the report `?opd=<kode>` prints."""

    recap: LraReport
    opds: list[Opd]
    bands: Bands

    def opd_reports(self) -> Iterator[LraReport]:
        """Each OPD's report in code order, made when it is asked for (6 queries each by
        program, 5 by rekening: `lra_report` with the bands given)."""
        recap = self.recap
        for opd in self.opds:
            yield lra_report(
                region=recap.region,
                tahun=recap.tahun,
                triwulan=recap.triwulan,
                opd=opd,
                susunan=recap.susunan,
                printed_at=recap.printed_at,
                bands=self.bands,
            )


def region_book(
    *,
    region: Region,
    tahun: int,
    triwulan: int,
    susunan: str = "program",
    printed_at: datetime | None = None,
) -> RegionBook:
    """The recapitulation of the region by OPD and the OPDs that have a budget that year.

    Pendapatan and belanja list one row per OPD above the region's total; financing is shown
    by kelompok (6.1 receipts, 6.2 disbursements): an OPD's receipts and disbursements added
    together would be no LRA figure. Queries, whatever the data: the bands 1, the totals 1,
    the OPDs' figures 1, financing by kelompok 1 (the names joined), belanja by fund source 1,
    the OPDs 1."""
    if susunan not in SUSUNAN:
        raise ValueError(f"susunan must be one of {', '.join(SUSUNAN)}")
    bands = bands_for(region_id=region.pk)
    scope: _Scope = {"region": region, "tahun": tahun, "triwulan": triwulan, "opd": None}
    totals = {row.jenis: row for row in absorption(**scope, level="pemda", bands=bands)}
    by_opd = absorption(**scope, level="opd", bands=bands)
    lines: dict[str, list[LraLine]] = {}
    for row in by_opd:
        if row.jenis != Jenis.PEMBIAYAAN.value:
            lines.setdefault(row.jenis, []).append(LraLine(row=row, level=1, subtotal=False))
    financing = absorption(
        **scope, level="akun", depth=2, jenis=Jenis.PEMBIAYAAN.value, bands=bands
    )
    lines[Jenis.PEMBIAYAAN.value] = [LraLine(row=row, level=1, subtotal=False) for row in financing]
    notes = {
        Jenis.PEMBIAYAAN.value: gettext(
            "Financing by kelompok: receipts and disbursements are not added together."
        )
    }
    sections = []
    for jenis, kode, title, total_label in SECTIONS:
        if not lines.get(jenis) and jenis not in totals:
            continue
        sections.append(
            LraSection(
                jenis=jenis,
                kode=kode,
                title=str(title),
                lines=lines.get(jenis, []),
                total=totals.get(jenis) if total_label else None,
                total_label=str(total_label) if total_label else None,
                note=notes.get(jenis, ""),
            )
        )
    recap = LraReport(
        region=region,
        opd=None,
        tahun=tahun,
        triwulan=triwulan,
        susunan=susunan,
        printed_at=printed_at or printed_now(),
        sections=sections,
        by_opd=True,
        sources=belanja_by_source(**scope, bands=bands),
    )
    kodes = {row.kode for row in by_opd}
    opds = list(Opd.objects.filter(region=region, kode__in=kodes).order_by("kode"))
    return RegionBook(recap=recap, opds=opds, bands=bands)
