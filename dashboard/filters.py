"""django-filter sets over the grouped absorption queryset: text search, and the category of
each filterable measure of the registry, both applied in the database (the category through
`category_filter`, exact at the boundaries)."""

import django_filters
from django.core.validators import EMPTY_VALUES
from django.db.models import Q

from budget.measures import MEASURES, Measure
from budget.models import SumberDana
from budget.selectors import category_filter

FILTERED = tuple(m for m in MEASURES if m.filterable)


class _CategoryFilter(django_filters.ChoiceFilter):
    """The OPDs whose `measure` falls in the chosen band."""

    def __init__(self, *args, measure: Measure, **kwargs):
        self.measure = measure
        kwargs.setdefault("label", measure.category_column)
        kwargs.setdefault("empty_label", "Semua kategori")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        band = self.parent.bands[self.measure.bands][value]
        return qs.filter(category_filter(band=band, measure=self.measure.key))


# The choice for lines whose DPA names no fund source (an empty value means "no filter").
NO_SUMBER_DANA = "-"


class AbsorptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Cari kode atau nama")
    sumber_dana = django_filters.ChoiceFilter(
        method="by_sumber_dana",
        label="Sumber dana",
        empty_label="Semua sumber dana",
        choices=[*SumberDana.choices, (NO_SUMBER_DANA, "Tanpa sumber dana")],
    )
    # One category filter per filterable measure, declared from the registry.
    locals().update({m.filter_param: _CategoryFilter(measure=m) for m in FILTERED})

    def __init__(self, *args, bands: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = {kind: {b.label: b for b in kind_bands} for kind, kind_bands in bands.items()}
        for m in FILTERED:
            self.filters[m.filter_param].extra["choices"] = [
                (label, label) for label in self.bands[m.bands]
            ]

    def by_sumber_dana(self, queryset, name, value):
        # A condition on the lines, before they are grouped: the figures of that source only.
        return queryset.filter(sumber_dana="" if value == NO_SUMBER_DANA else value)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(g_kode__icontains=value) | Q(g_nama__icontains=value))
