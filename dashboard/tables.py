"""django-tables2 tables of absorption rows, with Indonesian formats and CSV/XLSX export.

Exports carry exact values (amounts as decimals, ratios to two places), not display text, and
text that a spreadsheet would take for a formula is written safely (`SafeTableExport`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext
from django_tables2.export import TableExport
from django_tables2.rows import BoundRow
from tablib import Dataset

from budget.codes import Jenis
from budget.fisik import GAP_LABELS, FisikProgress, gap_flag
from budget.kinerja import COLUMNS as KINERJA_COLUMNS
from budget.measures import AMOUNTS, MEASURES, Measure, as_measure, round2, table_measures
from budget.money import format_number, format_percent
from budget.spreadsheet import spreadsheet_safe
from budget.workflow import kendala_labels
from dashboard.templatetags.serapan import badge

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from budget.selectors import AbsorptionRow


@dataclass(frozen=True)
class TotalRow:
    """A table's *Jumlah* row: the figures of the level above (the region for the OPD table,
    the OPD for its programs, the program for its kegiatan), computed by the database like
    every other row, read through the same columns."""

    row: "AbsorptionRow"
    nama: str
    kode: str = ""
    is_total: bool = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.__dict__["row"], name)


def total_rows(rows: "Sequence[AbsorptionRow]", *, jenis: str | None = None) -> list[TotalRow]:
    """Totals from the rows of the level above, one per jenis (`jenis`: that one alone,
    labelled plainly *Jumlah*; else *Jumlah pendapatan*, *Jumlah belanja*, ...)."""
    chosen = [r for r in rows if jenis is None or r.jenis == jenis]
    order = {j.value: i for i, j in enumerate(Jenis)}
    chosen.sort(key=lambda r: order.get(r.jenis, len(order)))
    if jenis is not None or len(chosen) == 1:
        return [TotalRow(row=r, nama=str(_("Total"))) for r in chosen]
    return [TotalRow(row=r, nama=str(_("Total %(jenis)s") % {"jenis": r.jenis})) for r in chosen]


_NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class FigureColumn(tables.Column):
    """A right-aligned figure. `beneath` (attribute, label) prints a second figure of the row
    in small type under the cell's own when the two differ: the murni pagu under the pagu in
    force. The second figure has its own column too, hidden on screen and kept in exports."""

    def __init__(
        self, *args: Any, beneath: "tuple[str, StrOrPromise] | None" = None, **kwargs: Any
    ):
        self.beneath = beneath
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def text(self, value) -> str:
        raise NotImplementedError

    def render(self, value, record) -> str:
        shown = self.text(value)
        if self.beneath is None:
            return shown
        attr, label = self.beneath
        other = self.text(getattr(record, attr))
        if other == shown:
            return shown
        return format_html('{}<br><span class="small beneath">{} {}</span>', shown, label, other)


class MoneyColumn(FigureColumn):
    def text(self, value: Decimal | None) -> str:
        return "—" if value is None else format_number(value)

    def value(self, value: Decimal) -> Decimal:
        return value


class PercentColumn(FigureColumn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", "—")
        super().__init__(*args, **kwargs)

    def text(self, value: Decimal | None) -> str:
        return format_percent(round2(value))

    def value(self, value: Decimal | None) -> Decimal | None:
        return round2(value)


class BadgeColumn(tables.Column):
    """A measure's category. Marked provisional when the table shows a yearly category before
    the year's end (`table.triwulan`), and marked where the shown figure's rounding crosses
    into another band than the exact ratio's."""

    def __init__(self, *args, measure: Measure, **kwargs):
        self.measure = measure
        kwargs.setdefault("default", "—")
        super().__init__(*args, **kwargs)

    def render(self, value: str, record, table) -> str:
        if record.kode in getattr(table, "unreported", ()):
            # Not reported yet: its figures lack the quarter, its category would mislead.
            return format_html('<span class="status s-kosong">{}</span>', _("not reported"))
        triwulan = getattr(table, "triwulan", None)
        provisional = triwulan is not None and self.measure.provisional_at(triwulan)
        return badge(
            value,
            getattr(record, self.measure.rank_attr or ""),
            record.measure(self.measure.key),
            provisional=provisional,
        )

    def value(self, value: str | None) -> str:
        return value or ""


def _registry_columns() -> dict[str, tables.Column]:
    """The money and measure columns of the registry, in its order."""
    beneath = {
        a.shown_under: (a.key, a.beneath_label)
        for a in AMOUNTS
        if a.shown_under and a.beneath_label
    }
    beneath |= {
        m.shown_under: (m.attr, m.beneath_label)
        for m in MEASURES
        if m.shown_under and m.beneath_label
    }
    columns: dict[str, tables.Column] = {}
    for amount in AMOUNTS:
        if amount.in_tables:
            columns[amount.key] = MoneyColumn(amount.label, beneath=beneath.get(amount.key))
    for m in table_measures():
        columns[m.attr] = PercentColumn(m.column, beneath=beneath.get(m.key))
        if m.category and m.rank_attr:  # the rank is named after the category
            columns[m.category] = BadgeColumn(m.category_column, measure=m)
    return columns


# Columns whose figure shows under another's on screen: hidden there, kept in exports.
SHOWN_UNDER = tuple(
    [a.key for a in AMOUNTS if a.in_tables and a.shown_under]
    + [m.attr for m in MEASURES if m.in_tables and m.shown_under]
)


def label_cells(table: tables.Table, *, skip: tuple[str, ...] = ()) -> None:
    """Each cell names its column (`data-label`), for the phone's one-card-per-row layout
    (serapan.css, `table.stack-phone`). django-tables2 copies the columns for each table, so
    this changes this table's alone."""
    for bound in table.columns:
        if bound.name in skip:
            continue
        attrs = dict(bound.column.attrs)
        attrs["td"] = {**attrs.get("td", {}), "data-label": str(bound.verbose_name)}
        bound.column.attrs = attrs


class _AbsorptionBase(tables.Table):
    # Blank, not a dash, where a row has no code: the Jumlah rows.
    kode = tables.Column(_("Code"), attrs={"td": {"class": "kode"}}, default="")
    nama = tables.Column(_("Name"), attrs={"td": {"class": "nama"}})


class AbsorptionTable(_AbsorptionBase):
    """One row per group; `link` (a callable row -> URL or None) makes the name a link."""

    # Declared in the class body (django-tables2 collects the body's columns), from the registry.
    locals().update(_registry_columns())
    fisik = tables.Column(_("Physical progress"), empty_values=(), orderable=False, attrs=_NUM)
    status = tables.Column(_("Report"), empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "data stack-phone"}
        order_by = ("kode",)
        template_name = "dashboard/_table.html"

    def __init__(
        self,
        *args,
        link=None,
        code_under_name: bool = False,
        statuses=None,
        hide_code: bool = False,
        totals: Sequence[TotalRow] = (),
        triwulan: int | None = None,
        unreported: frozenset[str] = frozenset(),
        fisik: "dict[str, FisikProgress] | None" = None,
        **kwargs,
    ):
        """`code_under_name` prints the code in small type under the name instead of in its
        own column (long OPD codes); `hide_code` leaves it off the screen where the name says
        it (fund sources); exports keep the code column either way. `statuses` (OPD code ->
        quarterly report) adds the report status, so that figures not yet verified are
        marked. `triwulan`, the quarter shown, marks yearly categories provisional before the
        year's end. `fisik` (OPD code -> physical progress) adds the physical progress beside
        the money, flagged where the two part by more than 20 points."""
        self.link = link
        self.fisik = fisik
        self.code_under_name = code_under_name
        self.statuses = statuses
        self.totals = list(totals)
        self.triwulan = triwulan  # the quarter shown: yearly categories before TW IV marked
        self.unreported = unreported  # OPD codes that have not reported it: no category
        if statuses is None:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "status")
        if fisik is None:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "fisik")
        super().__init__(*args, **kwargs)
        for name in SHOWN_UNDER:
            if name in self.columns:
                self.columns.hide(name)
        if code_under_name or hide_code:
            self.columns.hide("kode")
        label_cells(self, skip=("nama",))

    @property
    def total_rows(self) -> list[BoundRow]:
        """The *Jumlah* rows under the table (its tfoot), cells rendered by the columns."""
        return [BoundRow(record, table=self) for record in self.totals]

    def render_status(self, record) -> str:
        if getattr(record, "is_total", False):
            return ""
        return status_badge(self.statuses.get(record.kode))

    def value_status(self, record) -> str:
        if getattr(record, "is_total", False):
            return ""
        return status_text(self.statuses.get(record.kode))

    def _fisik(self, record) -> Decimal | None:
        progress = (self.fisik or {}).get(record.kode)
        if progress is None or getattr(record, "is_total", False) or self.triwulan is None:
            return None
        return progress.at(self.triwulan)

    def render_fisik(self, record) -> str:
        value = self._fisik(record)
        if value is None:
            return "—"
        flag = gap_flag(record.serapan, value)
        if flag is None:
            return format_percent(round2(value))
        return format_html(
            '{}<br><span class="status s-gap">{}</span>',
            format_percent(round2(value)),
            GAP_LABELS[flag],
        )

    def value_fisik(self, record) -> Decimal | None:
        return round2(self._fisik(record))

    def render_nama(self, value: str, record) -> str:
        if getattr(record, "is_total", False):
            return format_html("<strong>{}</strong>", value)
        url = self.link(record) if self.link else None
        name = format_html('<a href="{}">{}</a>', url, value) if url else value
        if self.code_under_name:
            return format_html('{}<br><span class="small kode">{}</span>', name, record.kode)
        return name

    def value_nama(self, value: str) -> str:
        return value


def status_text(report) -> str:
    return report.get_status_display() if report else str(_("Not reported"))


def status_badge(report) -> str:
    status = report.status if report else "kosong"
    return format_html('<span class="status s-{}">{}</span>', status, status_text(report))


class RankingTable(tables.Table):
    """The ranking, its columns named plainly; the value column is headed by the measure
    ranked by (e.g. *Capaian kas (%)*)."""

    peringkat = tables.Column(_("Rank"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    perubahan = tables.Column(
        _("Rank movement"), empty_values=(), attrs={"td": {"class": "num move"}}
    )
    nama = tables.Column("OPD", accessor="row__nama")
    nilai = PercentColumn(_("Value"), empty_values=())
    kategori = tables.Column(_("Category"), empty_values=())
    kekurangan = MoneyColumn(_("Behind plan (Rp)"), accessor="row__kekurangan_kas")
    # The signed gap (negative: behind), for the exports only.
    selisih = MoneyColumn(_("Gap to plan (Rp)"), accessor="row__selisih_kas", visible=False)
    status = tables.Column(_("Report status"), empty_values=())
    kendala = tables.Column(_("Obstacles"), empty_values=())
    # Beside any measure ranked by: the early warning's composite (budget.kinerja).
    nilai_kinerja = tables.Column(_("Performance score"), empty_values=(), attrs=_NUM)
    # The physical progress beside the money (budget.fisik, through the early warning's rows).
    fisik = tables.Column(_("Physical progress"), empty_values=(), attrs=_NUM)

    class Meta:
        attrs = {"class": "data ranking stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(
        self,
        *args,
        measure: str | Measure,
        link=None,
        statuses=None,
        triwulan=None,
        kinerja=None,
        fisik=None,
        **kwargs,
    ):
        self.measure = as_measure(measure)
        self.fisik = fisik  # OPD code -> its early-warning row (budget.kinerja.KinerjaRow)
        self.link = link
        self.statuses = statuses or {}
        self.triwulan = triwulan
        self.kinerja = kinerja
        super().__init__(*args, **kwargs)
        if kinerja is None or self.measure.key == "nilai_kinerja":
            self.columns.hide("nilai_kinerja")  # none given, or it is the value ranked by
        if not fisik or all(row.fisik is None for row in fisik.values()):
            self.columns.hide("fisik")  # nobody reports physical progress
        # Per table (django-tables2 copies the columns for each): the measure's own header.
        self.columns["nilai"].column.verbose_name = (
            self.measure.column
            if self.measure.is_score
            else format_lazy("{} (%)", self.measure.column)
        )
        label_cells(self, skip=("nama",))

    def render_status(self, record) -> str:
        return status_badge(self.statuses.get(record.row.kode))

    def value_status(self, record) -> str:
        return status_text(self.statuses.get(record.row.kode))

    def _kendala(self, record) -> list[str]:
        report = self.statuses.get(record.row.kode)
        return kendala_labels(report.kendala) if report else []

    def render_kendala(self, record) -> str:
        labels = self._kendala(record)
        if not labels:
            return "—"
        return format_html_join(", ", "{}", ((label,) for label in labels))

    def value_kendala(self, record) -> str:
        return "; ".join(self._kendala(record))

    def _value(self, record):
        return record.row.measure(self.measure.key)

    def render_nilai(self, record) -> str:
        return self._value(record).text

    def value_nilai(self, record):
        return self._value(record).persen

    def render_kategori(self, record) -> str:
        value = self._value(record)
        provisional = self.triwulan is not None and self.measure.provisional_at(self.triwulan)
        return badge(value.label, value.rank, value, provisional=provisional)

    def value_kategori(self, record) -> str:
        return self._value(record).label or ""

    def _kinerja(self, record):
        return self.kinerja[record.row.kode] if self.kinerja is not None else None

    def render_nilai_kinerja(self, record) -> str:
        value = self._kinerja(record)
        if value is None or value.ratio is None:
            return "—"
        return format_html(
            "{} {}", format_number(value.ratio, decimals=2), badge(value.label, value.rank)
        )

    def value_nilai_kinerja(self, record):
        value = self._kinerja(record)
        return None if value is None else value.persen

    def _fisik_row(self, record):
        return (self.fisik or {}).get(record.row.kode)

    def render_fisik(self, record) -> str:
        row = self._fisik_row(record)
        if row is None or row.fisik_persen is None:
            return "—"
        shown = format_percent(round2(row.fisik_persen))
        if not row.fisik_flag:
            return shown
        return format_html(
            '{}<br><span class="status s-gap">{}</span>', shown, row.fisik_flag_label
        )

    def value_fisik(self, record):
        row = self._fisik_row(record)
        return None if row is None else round2(row.fisik_persen)

    def render_nama(self, value: str, record) -> str:
        url = self.link(record.row) if self.link else None  # None: not the viewer's to open
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_nama(self, value: str) -> str:
        return value

    def render_perubahan(self, record) -> str:
        change = record.perubahan
        if change is None:
            return format_html('<span class="tetap">{}</span>', pgettext("rank change", "new"))
        if change > 0:
            title = ngettext("up %(n)d place", "up %(n)d places", change) % {"n": change}
            return format_html('<span class="naik" title="{}">▲ {}</span>', title, change)
        if change < 0:
            title = ngettext("down %(n)d place", "down %(n)d places", -change) % {"n": -change}
            return format_html('<span class="turun" title="{}">▼ {}</span>', title, -change)
        return format_html('<span class="tetap" title="{}">=</span>', _("same place"))

    def value_perubahan(self, record):
        """Places gained since the previous quarter (negative: lost), empty when new."""
        return record.perubahan


class SafeTableExport(TableExport):
    """django-tables2's export with every text cell passed through `spreadsheet_safe`: a name
    imported or typed as `=HYPERLINK(...)` is written as text, not as a formula. Numbers stay
    numbers (an XLSX amount is still a number cell, a negative one too)."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None) -> Dataset:
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        safe = Dataset(title=dataset.title)
        safe.headers = [spreadsheet_safe(h) for h in dataset.headers or []]
        for row in dataset:
            safe.append([spreadsheet_safe(v) for v in row])
        # The Jumlah rows close the file as they close the table.
        columns = [
            c.name
            for c in table.columns.iterall()
            if not (c.column.exclude_from_export or c.name in (exclude_columns or ()))
        ]
        for total in getattr(table, "total_rows", []):
            safe.append([spreadsheet_safe(total.get_cell_value(name)) for name in columns])
        return safe


KINERJA_LABELS = {c.key: c.label for c in KINERJA_COLUMNS}


class KinerjaTable(tables.Table):
    """The early warning (budget.kinerja), one row per OPD, red first; exports carry the
    exact figures to two places."""

    nama = tables.Column("OPD", attrs={"td": {"class": "nama"}})
    peringatan = tables.Column(KINERJA_LABELS["peringatan"], empty_values=())
    prakiraan = PercentColumn(
        KINERJA_LABELS["prakiraan_serapan_persen"], accessor="prakiraan_serapan_persen"
    )
    serapan = PercentColumn(KINERJA_LABELS["serapan"])
    capaian = PercentColumn(KINERJA_LABELS["capaian_kas"], accessor="capaian_kas")
    kebutuhan = MoneyColumn(
        format_lazy("{} (Rp)", KINERJA_LABELS["kebutuhan_per_triwulan"]),
        accessor="kebutuhan_per_triwulan",
    )
    kendala = tables.Column(_("Obstacles"), empty_values=())
    nilai_kinerja = PercentColumn(KINERJA_LABELS["nilai_kinerja"])
    kategori_kinerja = tables.Column(KINERJA_LABELS["kategori_kinerja"], empty_values=())

    class Meta:
        attrs = {"class": "data kinerja stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(self, *args, bands, link=None, triwulan: int = 4, **kwargs):
        self.bands = bands
        self.link = link
        super().__init__(*args, **kwargs)
        if triwulan >= 4:
            self.columns.hide("kebutuhan")
        label_cells(self, skip=("nama",))

    def render_nama(self, value: str, record) -> str:
        url = self.link(record) if self.link else None
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_nama(self, value: str) -> str:
        return value

    def _band(self, band, kind: str) -> str:
        from dashboard.templatetags.serapan import band_badge

        return band_badge(band, self.bands[kind])

    def render_peringatan(self, record) -> str:
        return self._band(record.peringatan, "peringatan")

    def value_peringatan(self, record) -> str:
        return record.peringatan.label if record.peringatan else ""

    def render_kategori_kinerja(self, record) -> str:
        return self._band(record.kategori_kinerja, "kinerja")

    def value_kategori_kinerja(self, record) -> str:
        return record.kategori_kinerja.label if record.kategori_kinerja else ""

    def render_nilai_kinerja(self, value) -> str:
        return "—" if value is None else format_number(value, decimals=2)

    def value_nilai_kinerja(self, value) -> Decimal | None:
        return round2(value)  # a number in the exports, as every other figure

    def render_kendala(self, record) -> str:
        labels = kendala_labels(record.kendala)
        return format_html_join(", ", "{}", ((label,) for label in labels)) if labels else "—"

    def value_kendala(self, record) -> str:
        return "; ".join(kendala_labels(record.kendala))
