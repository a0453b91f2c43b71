"""django-filter sets over the grouped absorption queryset: text search, and the category of
each filterable measure of the registry, both applied in the database (the category through
`category_filter`, exact at the boundaries)."""

from typing import Any

import django_filters
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import EMPTY_VALUES
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budget.criteria import Band, Bands
from budget.measures import MEASURES, Measure
from budget.models import SumberDana
from budget.selectors import category_filter


def _filtered() -> dict[str, tuple[Measure, str]]:
    """Query parameter -> (measure, kind of its band table) of each filterable measure."""
    filtered: dict[str, tuple[Measure, str]] = {}
    for m in MEASURES:
        if not m.filterable:
            continue
        if m.filter_param is None or m.bands is None:
            raise ImproperlyConfigured(
                f"measure {m.key} is filterable: it needs a filter_param and bands"
            )
        filtered[m.filter_param] = (m, m.bands)
    return filtered


FILTERED = _filtered()


class _CategoryFilter(django_filters.ChoiceFilter):
    """The OPDs whose `measure` falls in the chosen band."""

    def __init__(self, *args: Any, measure: Measure, kind: str, **kwargs: Any):
        self.measure = measure
        self.kind = kind
        kwargs.setdefault("label", measure.category_column)
        kwargs.setdefault("empty_label", _("All categories"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        band = self.parent.bands[self.kind][value]
        return qs.filter(category_filter(band=band, measure=self.measure.key))


# The choice for lines whose DPA names no fund source (an empty value means "no filter").
NO_SUMBER_DANA = "-"


class AbsorptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search code or name"))
    sumber_dana = django_filters.ChoiceFilter(
        method="by_sumber_dana",
        label=_("Fund source"),
        empty_label=_("All fund sources"),
        choices=[*SumberDana.choices, (NO_SUMBER_DANA, _("No fund source"))],
    )
    # One category filter per filterable measure, declared from the registry.
    locals().update(
        {param: _CategoryFilter(measure=m, kind=kind) for param, (m, kind) in FILTERED.items()}
    )

    def __init__(self, *args: Any, bands: Bands, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Kind of band table -> label -> band.
        self.bands: dict[str, dict[str, Band]] = {
            kind: {b.label: b for b in kind_bands} for kind, kind_bands in bands.items()
        }
        for param, (_m, kind) in FILTERED.items():
            self.filters[param].extra["choices"] = [(label, label) for label in self.bands[kind]]

    def by_sumber_dana(self, queryset, name, value):
        # A condition on the lines, before they are grouped: the figures of that source only.
        return queryset.filter(sumber_dana="" if value == NO_SUMBER_DANA else value)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(g_kode__icontains=value) | Q(g_nama__icontains=value))
