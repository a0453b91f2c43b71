"""Indonesian number formats for templates: `Rp 1.234.567`, `73,73%`, category badges."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from budget.measures import round2
from budget.money import format_number, format_percent, format_rupiah

register = template.Library()

# Category rank (1 best … 5 worst) to a CSS class; the palette lives in serapan.css.
RANK_CLASS = {1: "k1", 2: "k2", 3: "k3", 4: "k4", 5: "k5"}


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
def miliar(value: Decimal | None) -> str:
    """Amounts in billions for headline cards: `Rp 1.234,5 M`."""
    if value is None:
        return "—"
    return "Rp " + format_number(Decimal(value) / Decimal(10**9), decimals=1) + " M"


@register.simple_tag
def badge(label: str | None, rank: int | None) -> str:
    if not label:
        return format_html('<span class="badge k0">{}</span>', "—")
    return format_html('<span class="badge {}">{}</span>', RANK_CLASS.get(rank, "k0"), label)


@register.filter
def tw(value: int) -> str:
    # A no-break space: "TW" and its numeral never part at a line end.
    return {1: "TW\u00a0I", 2: "TW\u00a0II", 3: "TW\u00a0III", 4: "TW\u00a0IV"}.get(
        value, str(value)
    )


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
