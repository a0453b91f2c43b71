"""Indonesian number formats for templates: `Rp 1.234.567`, `73,73%`, category badges."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from budget.measures import round2
from budget.money import format_number, format_percent, format_rupiah
from budget.quarters import QUARTERS, tw_label
from dashboard.palette import RANK_COLOURS, css_variables

register = template.Library()


@register.filter
def rupiah(value: Decimal | None) -> str:
    return format_rupiah(value)


@register.filter
def angka(value: Decimal | None) -> str:
    return "—" if value is None else format_number(Decimal(value))


@register.filter
def persen(value: Decimal | None) -> str:
    return format_percent(round2(value))


@register.filter
def akuntansi(value: Decimal | None) -> str:
    """An amount the way financial statements print it: `1.234.567`, a negative one in
    parentheses `(1.234.567)`."""
    if value is None:
        return "—"
    shown = format_number(abs(value))
    return f"({shown})" if value < 0 else shown


@register.filter
def miliar(value: Decimal | None) -> str:
    """Amounts in billions for headline cards: `Rp 1.234,5 M`."""
    if value is None:
        return "—"
    return "Rp " + format_number(Decimal(value) / Decimal(10**9), decimals=1) + " M"


@register.simple_tag
def badge(label: str | None, rank: int | None, value=None, provisional: bool = False) -> str:
    """A category as a coloured badge. With the measure's `value` (budget.measures.
    MeasureValue), a figure whose two-place rounding crosses into another band gets a mark
    explaining that the category follows the exact ratio; `provisional` marks a yearly category
    read before the year's end (dashed, with its reason as a tooltip)."""
    if not label:
        return format_html('<span class="badge k0">{}</span>', "—")
    # The class names the palette's variable (dashboard/palette.py): k1 best … k5, k0 none.
    css = f"k{rank}" if rank in RANK_COLOURS else "k0"
    if provisional:
        shown = format_html(
            '<span class="badge {} provisional" title="{}">{}</span>',
            css,
            gettext("A yearly category, provisional until the year's last quarter"),
            label,
        )
    else:
        shown = format_html('<span class="badge {}">{}</span>', css, label)
    if value is not None and value.rounding_crosses_band:
        exact = format_percent(value.ratio, decimals=4)
        note = gettext(
            "Exact ratio %(exact)s: the category follows the exact ratio, not the rounded one."
        ) % {"exact": exact}
        shown = format_html('{}<abbr class="exact" title="{}">*</abbr>', shown, note)
    return shown


def band_colour_rank(band, bands) -> int | None:
    """The palette rank (1 best … 5 worst) of a band of a table of any length: the three
    warning colours come out as 1, 3 and 5, the four kinerja categories as 1, 2, 4 and 5."""
    if band is None:
        return None
    from budget.kinerja import palette_rank

    return palette_rank(band.rank, len(bands))


@register.simple_tag
def band_badge(band, bands) -> str:
    """A band of a table other than Kepmendagri's five (the warning, nilai kinerja)."""
    if band is None:
        return badge(None, None)
    return badge(band.label, band_colour_rank(band, bands))


@register.simple_tag
def category(row, key: str, triwulan: int | None = None) -> str:
    """The badge of measure `key`'s category on `row`, marked provisional when `triwulan`
    is before the year's end and the category is a yearly one."""
    value = row.measure(key) if row is not None else None
    if value is None:
        return badge(None, None)
    provisional = triwulan is not None and value.measure.provisional_at(int(triwulan))
    return badge(value.label, value.rank, value, provisional=provisional)


@register.simple_tag
def palette_css() -> str:
    return css_variables()


@register.filter
def tw(value: int) -> str:
    # A no-break space: "TW" and its numeral never part at a line end.
    return tw_label(value, nbsp=True) if value in QUARTERS else str(value)


@register.filter
def ukuran(row, key: str):
    """One measure of a row (`budget.measures`): `.ratio`, `.persen`, `.label`, `.rank`."""
    return row.measure(key)


@register.filter
def bar_width(persen: Decimal | None) -> str:
    """A bar's width in percent of its track for a ratio: 0 to 100 (a ratio above 100% fills
    the track), as a plain number for a style attribute."""
    if persen is None:
        return "0"
    return f"{min(max(Decimal(persen), Decimal(0)), Decimal(100)):.2f}"


@register.filter
def selisih_poin(value: Decimal | None) -> str:
    """A signed gap in percentage points, the Indonesian way: +20,50 or −3,25."""
    if value is None:
        return "—"
    rounded = round2(value) or Decimal(0)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else ""
    return sign + format_number(abs(rounded), decimals=2)


@register.filter
def angka2(value: Decimal | None) -> str:
    """A score to two places, the Indonesian way: `87,61`."""
    return "—" if value is None else format_number(Decimal(value), decimals=2)


@register.filter
def jenis_belanja(key: str) -> str:
    from budget.models import JenisBelanja

    return str(JenisBelanja(key).label) if key in JenisBelanja.values else key


@register.filter
def index(sequence, i: int):
    """The i-th item of a sequence, in a template."""
    return sequence[i]


@register.filter
def signed2(value: Decimal | None) -> str:
    """A change in points with its sign: `+3,25`, `−1,40`."""
    if value is None:
        return "—"
    text = format_number(abs(Decimal(value)), decimals=2)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


@register.filter
def poin(value: Decimal | None) -> str:
    """Percentage points, two places: `3,62 poin`."""
    if value is None:
        return "—"
    return format_number(Decimal(value), decimals=2) + " " + gettext("points")


@register.filter
def mutlak(value: Decimal | None) -> Decimal | None:
    """Absolute value, for "behind by Rp X" sentences."""
    return None if value is None else abs(value)


@register.filter
def nilai(value) -> str:
    """A value in the audit trail: amounts the Indonesian way, lists joined, empty as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Decimal):
        return format_number(value, decimals=2)
    if isinstance(value, list | tuple):
        from budget.workflow import kendala_labels

        return ", ".join(kendala_labels(list(value))) or ", ".join(map(str, value))
    return str(value)
