"""Categories of the Kepmendagri 690.900-327/1996 table, from the exact ratio."""

from decimal import Decimal

import pytest

from budget.criteria import (
    DEFAULT_BANDS,
    EFEKTIVITAS,
    EFISIENSI,
    Band,
    bands_for,
    categorize,
    category_label,
)
from budget.models import CriteriaBand
from tests.factories import CriteriaBandFactory, RegionFactory

D = Decimal


def by_rank(bands: dict[str, tuple[Band, ...]]) -> dict[str, list[Band]]:
    return {kind: sorted(rows, key=lambda b: b.rank) for kind, rows in bands.items()}


EFEKTIVITAS_CASES = [
    ("100.0000001", "Sangat Efektif"),
    ("150", "Sangat Efektif"),
    ("100", "Efektif"),
    ("99.999999", "Efektif"),
    ("90.0000001", "Efektif"),
    ("90", "Efektif"),
    ("89.999999", "Cukup Efektif"),
    ("89.995", "Cukup Efektif"),  # prints as 90,00% but is below 90
    ("80.0000001", "Cukup Efektif"),
    ("80", "Cukup Efektif"),
    ("79.999999", "Kurang Efektif"),
    ("60.0000001", "Kurang Efektif"),
    ("60", "Kurang Efektif"),
    ("59.999999", "Tidak Efektif"),
    ("0", "Tidak Efektif"),
]

EFISIENSI_CASES = [
    ("100.0000001", "Tidak Efisien"),
    ("100", "Kurang Efisien"),
    ("99.999999", "Kurang Efisien"),
    ("90.0000001", "Kurang Efisien"),
    ("90", "Kurang Efisien"),
    ("89.999999", "Cukup Efisien"),
    ("80.0000001", "Cukup Efisien"),
    ("80", "Cukup Efisien"),
    ("79.999999", "Efisien"),
    ("60.0000001", "Efisien"),
    ("60", "Efisien"),
    ("59.999999", "Sangat Efisien"),
    ("0", "Sangat Efisien"),
]


@pytest.mark.parametrize(("ratio", "label"), EFEKTIVITAS_CASES)
def test_effectiveness_bands_meet_exactly_at_100_90_80_and_60(ratio, label):
    assert category_label(D(ratio), DEFAULT_BANDS[EFEKTIVITAS]) == label


@pytest.mark.parametrize(("ratio", "label"), EFISIENSI_CASES)
def test_efficiency_bands_meet_exactly_at_100_90_80_and_60(ratio, label):
    assert category_label(D(ratio), DEFAULT_BANDS[EFISIENSI]) == label


@pytest.mark.parametrize("kind", [EFEKTIVITAS, EFISIENSI])
def test_an_undefined_ratio_has_no_category(kind):
    assert categorize(None, DEFAULT_BANDS[kind]) is None
    assert category_label(None, DEFAULT_BANDS[kind]) is None


def default_rank(ratio: Decimal, kind: str) -> int | None:
    band = categorize(ratio, DEFAULT_BANDS[kind])
    return None if band is None else band.rank


def test_the_best_effectiveness_is_rank_1_and_the_best_efficiency_is_the_lowest_spending():
    assert default_rank(D("101"), EFEKTIVITAS) == 1
    assert default_rank(D("10"), EFEKTIVITAS) == 5
    assert default_rank(D("10"), EFISIENSI) == 1
    assert default_rank(D("101"), EFISIENSI) == 5


def test_every_ratio_falls_in_exactly_one_default_band():
    probes = [D(x) / 10 for x in range(-10, 1200)] + [D(e) for e, _ in EFEKTIVITAS_CASES]
    for kind, bands in DEFAULT_BANDS.items():
        for x in probes:
            assert sum(band.contains(x) for band in bands) == 1, (kind, x)


def test_a_ratio_outside_every_band_has_no_category():
    bands = [Band("Efektif", 1, lower=D(90), upper=D(100), upper_inclusive=True)]
    assert categorize(D("50"), bands) is None
    assert categorize(D("100.01"), bands) is None


def test_a_band_honours_its_inclusive_and_exclusive_edges():
    band = Band("x", 1, lower=D(10), upper=D(20), lower_inclusive=False, upper_inclusive=True)
    assert not band.contains(D(10))
    assert band.contains(D("10.0000000001"))
    assert band.contains(D(20))
    assert not band.contains(D("20.0000000001"))


@pytest.mark.django_db
def test_the_default_bands_are_stored_as_data_by_the_migration():
    # Kepmendagri's two tables of five and the four categories of nilai kinerja.
    assert CriteriaBand.objects.filter(region=None).count() == 5 + 5 + 4
    assert by_rank(bands_for(region_id=None)) == by_rank(DEFAULT_BANDS)


@pytest.mark.django_db
def test_a_region_without_bands_of_its_own_uses_the_defaults(django_assert_num_queries):
    region = RegionFactory.create()
    with django_assert_num_queries(1):
        bands = bands_for(region_id=region.pk)
    assert by_rank(bands) == by_rank(DEFAULT_BANDS)


@pytest.mark.django_db
def test_a_region_with_its_own_effectiveness_bands_uses_them_and_keeps_the_default_efficiency():
    region = RegionFactory.create()
    other = RegionFactory.create()
    CriteriaBandFactory(region=region, label="Baik", rank=1, lower=D(95))
    CriteriaBandFactory(region=region, label="Buruk", rank=2, upper=D(95))
    bands = bands_for(region_id=region.pk)
    assert [b.label for b in bands[EFEKTIVITAS]] == ["Baik", "Buruk"]
    assert category_label(D("94.99"), bands[EFEKTIVITAS]) == "Buruk"
    assert category_label(D("95"), bands[EFEKTIVITAS]) == "Baik"
    assert by_rank(bands)[EFISIENSI] == by_rank(DEFAULT_BANDS)[EFISIENSI]
    assert by_rank(bands_for(region_id=other.pk)) == by_rank(DEFAULT_BANDS)


@pytest.mark.django_db
def test_edited_default_rows_change_the_categories_of_every_region_without_bands():
    CriteriaBand.objects.filter(region=None, kind=EFEKTIVITAS, label="Efektif").update(lower=D(85))
    CriteriaBand.objects.filter(region=None, kind=EFEKTIVITAS, label="Cukup Efektif").update(
        upper=D(85)
    )
    bands = bands_for(region_id=RegionFactory.create().pk)
    assert category_label(D("86"), bands[EFEKTIVITAS]) == "Efektif"


@pytest.mark.django_db
def test_the_migration_stored_the_same_default_bands_as_the_code_declares():
    # The migration carries its own frozen copy; a change to DEFAULT_BANDS needs a new one.
    def by_rank(bands):
        return {
            kind: sorted(kind_bands, key=lambda b: b.rank) for kind, kind_bands in bands.items()
        }

    assert by_rank(bands_for(region_id=None)) == by_rank(DEFAULT_BANDS)
