"""Filters of the API's lists (django-filter): year, quarter, OPD, jenis, and code prefixes.

A code prefix matches whole segments, as `absorption(account_prefix=...)` does: `akun=5.1.02`
keeps 5.1.02 and 5.1.02.01.01.0001 but not 5.1.021.
"""

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from budget.models import (
    JENIS_CHOICES,
    DpaLine,
    DpaVersion,
    DpaVersionJenis,
    Opd,
    Realisasi,
    SumberDana,
)

CODE_PREFIX = RegexValidator(
    r"^\d+(\.\d+)*\.?$", "a code prefix is digits separated by dots, e.g. 5.1.02"
)


def code_prefix_q(field: str, value: str) -> Q:
    prefix = value.strip().rstrip(".")
    return Q(**{field: prefix}) | Q(**{f"{field}__startswith": prefix + "."})


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class CodePrefixFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [CODE_PREFIX])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        return qs.filter(code_prefix_q(self.field_name, value))


class OpdFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kode", help_text="Region code.")
    q = django_filters.CharFilter(
        method="search", help_text="Part of the OPD's code or name (case-insensitive)."
    )

    class Meta:
        model = Opd
        fields = ["region", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(kode__icontains=value) | Q(nama__icontains=value))


class DpaLineFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kode", help_text="Region code.")
    tahun = IntegerFilter(field_name="tahun", help_text="Fiscal year.")
    opd = django_filters.CharFilter(field_name="opd__kode", help_text="OPD code.")
    jenis = django_filters.ChoiceFilter(choices=JENIS_CHOICES, help_text="Kind of line.")
    akun = CodePrefixFilter(
        field_name="account__kode", help_text="Account code prefix, whole segments: 5.1.02."
    )
    sub_kegiatan = CodePrefixFilter(
        field_name="sub_kegiatan__kode",
        help_text="Program, kegiatan or sub kegiatan code prefix, whole segments: 1.02.01.",
    )
    sumber_dana = django_filters.CharFilter(
        method="by_sumber_dana",
        help_text="Fund source (" + ", ".join(SumberDana.values) + "); `-` for lines without one.",
    )

    class Meta:
        model = DpaLine
        fields = ["region", "tahun", "opd", "jenis", "akun", "sub_kegiatan", "sumber_dana"]

    def by_sumber_dana(self, queryset, name, value):
        return sumber_dana_lines(queryset, value, field="sumber_dana")


def sumber_dana_lines(queryset, value: str, *, field: str):
    """The rows whose line has the fund source `value` (`-`: none); 400 for any other text."""
    value = value.strip()
    if value == "-":
        return queryset.filter(**{field: ""})
    if value not in SumberDana.values:
        raise ValidationError(
            {"sumber_dana": [f"sumber_dana must be one of {', '.join(SumberDana.values)}, or -"]}
        )
    return queryset.filter(**{field: value})


class RealisasiFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kode", help_text="Region code.")
    tahun = IntegerFilter(field_name="line__tahun", help_text="Fiscal year.")
    triwulan = IntegerFilter(
        field_name="triwulan", min_value=1, max_value=4, help_text="Quarter, 1 to 4."
    )
    opd = django_filters.CharFilter(field_name="line__opd__kode", help_text="OPD code.")
    jenis = django_filters.ChoiceFilter(
        field_name="line__jenis", choices=JENIS_CHOICES, help_text="Kind of line."
    )
    akun = CodePrefixFilter(
        field_name="line__account__kode",
        help_text="Account code prefix, whole segments: 5.1.02.",
    )
    sub_kegiatan = CodePrefixFilter(
        field_name="line__sub_kegiatan__kode",
        help_text="Program, kegiatan or sub kegiatan code prefix, whole segments: 1.02.01.",
    )

    sumber_dana = django_filters.CharFilter(
        method="by_sumber_dana",
        help_text="The line's fund source (" + ", ".join(SumberDana.values) + "); `-` for none.",
    )

    class Meta:
        model = Realisasi
        fields = [
            "region",
            "tahun",
            "triwulan",
            "opd",
            "jenis",
            "akun",
            "sub_kegiatan",
            "sumber_dana",
        ]

    def by_sumber_dana(self, queryset, name, value):
        return sumber_dana_lines(queryset, value, field="line__sumber_dana")


class DpaVersionFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__kode", help_text="Region code.")
    tahun = IntegerFilter(field_name="tahun", help_text="Fiscal year.")
    jenis = django_filters.ChoiceFilter(
        choices=DpaVersionJenis.choices, help_text="murni, perubahan (DPPA) or pergeseran."
    )

    class Meta:
        model = DpaVersion
        fields = ["region", "tahun", "jenis"]
