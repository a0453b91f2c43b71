"""How the pages read categories: a yearly category (serapan against the whole year's pagu,
revenue against its target) is provisional before TW IV and says so; the category follows the
exact ratio, and a figure whose rounding crosses into another band is marked with the exact
ratio; the bands are listed with their ranges."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from budget.criteria import DEFAULT_BANDS, EFEKTIVITAS, band_range, categorize
from budget.measures import MEASURE_BY_KEY, MeasureValue, annual_is_provisional
from budget.models import Profile
from tests.factories import DpaLineFactory, OpdFactory, RealisasiFactory, RegionFactory

D = Decimal
YEAR = 2026
BANDS = DEFAULT_BANDS[EFEKTIVITAS]


def value(ratio: str, key: str = "serapan") -> MeasureValue:
    exact = D(ratio)
    return MeasureValue(measure=MEASURE_BY_KEY[key], ratio=exact, band=categorize(exact, BANDS))


@pytest.mark.parametrize(
    ("ratio", "label", "crosses"),
    [
        ("89.996", "Cukup Efektif", True),  # shown 90,00%: the Efektif band's lower bound
        ("90.21", "Efektif", False),
        ("90.004", "Efektif", False),  # shown 90,00%, and 90 is in Efektif
        ("100.004", "Sangat Efektif", True),  # shown 100,00%: Efektif's upper bound
        ("59.999", "Tidak Efektif", True),  # shown 60,00%
        ("75", "Kurang Efektif", False),
    ],
)
def test_the_category_follows_the_exact_ratio_and_knows_when_rounding_misleads(
    ratio, label, crosses
):
    v = value(ratio)
    assert v.label == label
    assert v.rounding_crosses_band is crosses


def test_an_undefined_ratio_crosses_nothing():
    v = MeasureValue(measure=MEASURE_BY_KEY["serapan"], ratio=None, band=None)
    assert v.rounding_crosses_band is False


def test_yearly_categories_are_provisional_before_the_last_quarter():
    assert [annual_is_provisional(q) for q in (1, 2, 3, 4)] == [True, True, True, False]
    for key in ("serapan", "efisiensi", "efektivitas_pendapatan"):
        assert MEASURE_BY_KEY[key].provisional_at(3)
        assert not MEASURE_BY_KEY[key].provisional_at(4)
    # The cash plan is the quarter's own yardstick: its category is never provisional.
    assert not MEASURE_BY_KEY["capaian"].provisional_at(1)


def test_the_bands_read_as_the_kepmendagri_table_writes_them():
    assert [band_range(b) for b in BANDS] == [
        "x > 100",
        "90 ≤ x ≤ 100",
        "80 ≤ x < 90",
        "60 ≤ x < 80",
        "x < 60",
    ]


# On the pages -------------------------------------------------------------------------------


@pytest.fixture
def region():
    region = RegionFactory.create(kode="33.78", nama="Kabupaten Kategori")
    # Dinas Tepat: 899.960 of 1.000.000 realised through TW III, 89,996%: shown 90,00%.
    # Dinas Lain: 902.100, 90,21%: Efektif.
    for i, (nama, jumlah) in enumerate((("Dinas Tepat", "899960"), ("Dinas Lain", "902100"))):
        opd = OpdFactory.create(region=region, kode=f"1.0{i + 1}.0.00.0.00.01.0000", nama=nama)
        line = DpaLineFactory.create(region=region, opd=opd, tahun=YEAR, pagu=D("1000000"))
        RealisasiFactory.create(line=line, triwulan=3, jumlah=D(jumlah))  # TW III reported
        RealisasiFactory.create(line=line, triwulan=4, jumlah=D("1000"))
    return region


@pytest.fixture
def client_of(bpkad, region) -> Client:
    Profile.objects.filter(user=bpkad).update(region=region)
    client = Client()
    client.force_login(bpkad)
    return client


@pytest.mark.django_db
def test_mid_year_the_overview_marks_yearly_categories_provisional_and_shows_the_plan(client_of):
    page = client_of.get(f"/?tahun={YEAR}&triwulan=3").content.decode()
    assert "Kategori serapan dan pendapatan adalah kategori <strong>tahunan</strong>" in page
    # The region's serapan, 90,103% through TW III: Efektif, but only so far.
    assert 'class="badge k2 provisional"' in page
    # The serapan card shows the share of the pagu the cash plan foresaw through TW III.
    assert 'rencana <span class="nowrap">75,00%</span>' in page
    # The cash plan's category is the quarter's own: never dashed.
    card = re.search(r"<h3>Capaian anggaran kas</h3>(.*?)</div>", page, re.S)
    assert card is not None
    assert "badge" in card.group(1)
    assert "provisional" not in card.group(1)


@pytest.mark.django_db
def test_at_the_year_end_categories_are_final(client_of):
    page = client_of.get(f"/?tahun={YEAR}&triwulan=4").content.decode()
    assert "provisional" not in page
    assert "adalah kategori <strong>tahunan</strong>" not in page


@pytest.mark.django_db
def test_a_figure_whose_rounding_crosses_a_band_is_marked_with_its_exact_ratio(client_of):
    page = client_of.get(f"/?tahun={YEAR}&triwulan=3").content.decode()
    assert "Rasio tepat 89,9960%: kategori mengikuti rasio yang tepat" in page
    # Only Dinas Tepat's serapan is marked in the OPD table (Dinas Lain's 90,21% is plainly
    # Efektif).
    assert page.count("Rasio tepat 89,9960%") >= 1
    assert "Rasio tepat 90,2100%" not in page
    # The rule is explained, with the region's bands.
    assert "Cara membaca kategori" in page
    assert "90 ≤ x ≤ 100" in page
