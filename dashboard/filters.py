"""django-filter sets over the grouped absorption queryset: text search and category, both
applied in the database (the category through `category_filter`, exact at the boundaries)."""

import django_filters
from django.db.models import Q

from budget.criteria import EFEKTIVITAS
from budget.selectors import category_filter


class AbsorptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Cari kode atau nama")
    kategori = django_filters.ChoiceFilter(
        method="by_category", label="Kategori capaian kas", empty_label="Semua kategori"
    )
    kategori_serapan = django_filters.ChoiceFilter(
        method="by_serapan_category", label="Kategori serapan", empty_label="Semua kategori"
    )

    def __init__(self, *args, bands: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.bands = {b.label: b for b in bands[EFEKTIVITAS]}
        choices = [(label, label) for label in self.bands]
        self.filters["kategori"].extra["choices"] = choices
        self.filters["kategori_serapan"].extra["choices"] = choices

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(g_kode__icontains=value) | Q(g_nama__icontains=value))

    def by_category(self, queryset, name, value):
        return queryset.filter(category_filter(band=self.bands[value], measure="capaian"))

    def by_serapan_category(self, queryset, name, value):
        return queryset.filter(category_filter(band=self.bands[value], measure="serapan"))
