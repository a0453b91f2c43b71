"""The roll-ups equal the hand-written SQL floor (scripts/sql_floor.py) to the cent.

The floor is what the roll-up's speed is measured against (issue 10); these tests prove that
it computes the same thing: for every level and the filters a page uses, on a region of
several OPDs over two years with realisasi in some quarters only, each group's pagu, cash
plan, realisasi (cumulative and within the quarter) and line count, whichever path the
selector takes (summary rows, one aggregate pass over the region, subqueries for one OPD).
"""

import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from budget.criteria import bands_for
from budget.models import Account, DpaLine, Realisasi, Region, SubKegiatan
from budget.selectors import PROGRAM_LEVELS, SelectorError, absorption, absorption_levels
from scripts.sql_floor import FORMS, floor
from tests.factories import (
    AccountFactory,
    DpaLineFactory,
    KegiatanFactory,
    OpdFactory,
    ProgramFactory,
    RealisasiFactory,
    RegionFactory,
    SubKegiatanFactory,
)

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
YEARS = (2023, 2024)
BELANJA = (
    "5.1.01.01.01.0001",
    "5.1.02.01.01.0001",
    "5.1.02.01.01.0002",
    "5.1.02.02.01.0001",
    "5.2.02.05.01.0001",
    "5.2.03.01.01.0001",
)
OUTSIDE_PROGRAMS = ("4.1.01.01.01.0001", "4.2.01.01.01.0001", "6.1.01.01.01.0001")


def amount(rng: random.Random, high: int) -> Decimal:
    return (Decimal(rng.randrange(0, high * 100)) * CENT).quantize(CENT)


@pytest.fixture
def region() -> Region:
    """Three OPDs, three programs, five sub kegiatan, belanja, revenue and financing accounts,
    2023 and 2024; each line takes realisasi in a random subset of quarters (often none, often
    not the first), some lines a fund source, some a murni pagu of their own."""
    rng = random.Random(10)  # noqa: S311 (deterministic test data, not cryptography)
    region: Region = RegionFactory.create(kode="33.10", nama="Kabupaten Lantai")
    opds = [OpdFactory(region=region, kode=f"1.02.0.00.0.00.0{i}.0000") for i in (1, 2, 3)]
    p1 = ProgramFactory(region=region, kode="1.02.01")
    p2 = ProgramFactory(region=region, kode="1.02.02")
    p3 = ProgramFactory(region=region, kode="2.07.03")
    k1 = KegiatanFactory(region=region, program=p1, kode="1.02.01.2.01")
    k2 = KegiatanFactory(region=region, program=p1, kode="1.02.01.2.02")
    k3 = KegiatanFactory(region=region, program=p2, kode="1.02.02.2.01")
    k4 = KegiatanFactory(region=region, program=p3, kode="2.07.03.1.01")
    subs = [
        SubKegiatanFactory.create(region=region, kegiatan=k1, kode="1.02.01.2.01.0001"),
        SubKegiatanFactory.create(region=region, kegiatan=k1, kode="1.02.01.2.01.0002"),
        SubKegiatanFactory.create(region=region, kegiatan=k2, kode="1.02.01.2.02.0001"),
        SubKegiatanFactory.create(region=region, kegiatan=k3, kode="1.02.02.2.01.0001"),
        SubKegiatanFactory.create(region=region, kegiatan=k4, kode="2.07.03.1.01.0001"),
    ]
    belanja = [AccountFactory.create(region=region, kode=k) for k in BELANJA]
    outside = [AccountFactory.create(region=region, kode=k) for k in OUTSIDE_PROGRAMS]

    for tahun in YEARS:
        for opd in opds:
            keys: list[tuple[SubKegiatan | None, Account]]
            keys = [(s, a) for s in subs for a in belanja if rng.random() < 0.4]
            keys += [(None, a) for a in outside if rng.random() < 0.7]
            for sub, account in keys:
                kas = [amount(rng, 5_000_000) for _q in range(4)]
                if rng.random() < 0.1:
                    kas = [Decimal("0.00")] * 4  # a line without budget
                pagu = sum(kas, Decimal("0.00"))
                line = DpaLineFactory(
                    region=region,
                    tahun=tahun,
                    opd=opd,
                    sub_kegiatan=sub,
                    account=account,
                    pagu=pagu,
                    pagu_murni=pagu if rng.random() < 0.7 else amount(rng, 20_000_000),
                    kas_tw1=kas[0],
                    kas_tw2=kas[1],
                    kas_tw3=kas[2],
                    kas_tw4=kas[3],
                    sumber_dana=rng.choice(["", "", "DAU", "PAD", "DAK Fisik"]),
                )
                for q in (1, 2, 3, 4):
                    if rng.random() < 0.55:
                        RealisasiFactory(line=line, triwulan=q, jumlah=amount(rng, 4_000_000))
    # Another region with the same codes: never part of this one's sums.
    other: Region = RegionFactory.create(kode="33.11")
    RealisasiFactory(
        line=DpaLineFactory(region=other, tahun=2024, account__kode=BELANJA[0]), triwulan=1
    )
    assert DpaLine.objects.filter(region=region, tahun=2024).count() > 30
    assert Realisasi.objects.filter(region=region).count() > 80
    return region


LEVELS = [
    ("pemda", None),
    ("opd", None),
    ("program", None),
    ("kegiatan", None),
    ("sub_kegiatan", None),
    *[("akun", depth) for depth in range(1, 7)],
    ("akun", None),
    ("sumber_dana", None),
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"jenis": "belanja"},
    {"jenis": "pendapatan"},
    {"account_prefix": "5.1"},
    {"account_prefix": "5.1.02.01"},
    {"parent": "1.02.01"},
    {"parent": "1.02.01.2.01"},
    {"opd": 0},  # the first OPD: the selector's path for one OPD's page
    {"opd": 1, "jenis": "belanja", "account_prefix": "5.2"},
]


def orm_sums(region: Region, *, tahun: int, triwulan: int, **kwargs) -> list[tuple]:
    rows = absorption(region=region, tahun=tahun, triwulan=triwulan, **kwargs)
    return sorted(
        (
            r.kode,
            r.jenis,
            r.pagu,
            r.kas_kumulatif,
            r.realisasi_kumulatif,
            r.pagu_murni,
            r.kas_triwulan,
            r.realisasi_triwulan,
            r.line_count,
        )
        for r in rows
    )


@pytest.mark.parametrize(("level", "depth"), LEVELS)
def test_the_roll_up_equals_the_sql_floor_for_every_filter_quarter_and_year(region, level, depth):
    opds = list(region.opd_set.order_by("kode"))
    compared = 0
    for filters in FILTERS:
        orm_filters = dict(filters)
        floor_filters = dict(filters)
        if "opd" in filters:
            orm_filters["opd"] = opds[filters["opd"]].kode
            floor_filters["opd_id"] = opds[floor_filters.pop("opd")].pk
        for tahun in YEARS:
            for triwulan in (1, 2, 3, 4):
                orm = orm_sums(
                    region, tahun=tahun, triwulan=triwulan, level=level, depth=depth, **orm_filters
                )
                for form in FORMS:
                    hand = floor(
                        connection,
                        region_id=region.pk,
                        tahun=tahun,
                        triwulan=triwulan,
                        level=level,
                        depth=depth,
                        form=form,
                        **floor_filters,
                    )
                    assert hand == orm, (filters, tahun, triwulan, form)
                compared += len(orm)
    assert compared > 0


@pytest.mark.parametrize(
    "filters", [{}, {"jenis": "belanja"}, {"parent": "1.02.01"}, {"opd": 0}, {"sumber_dana": "DAU"}]
)
def test_the_program_levels_in_one_pass_are_each_level_as_the_selector_gives_it(
    region, filters, django_assert_num_queries
):
    """`absorption_levels` (the LRA's one GROUPING SETS statement) gives each level the rows
    of `absorption` at that level: the same groups, sums, names, counts and measures."""
    if "opd" in filters:
        filters = {**filters, "opd": region.opd_set.order_by("kode")[filters["opd"]]}
    bands = bands_for(region_id=region.pk)
    for tahun in YEARS:
        for triwulan in (1, 2, 3, 4):
            with django_assert_num_queries(1):
                together = absorption_levels(
                    region=region, tahun=tahun, triwulan=triwulan, bands=bands, **filters
                )
            for level in PROGRAM_LEVELS:
                apart = absorption(
                    region=region,
                    tahun=tahun,
                    triwulan=triwulan,
                    level=level,
                    bands=bands,
                    **filters,
                )
                assert together[level] == apart, (filters, tahun, triwulan, level)
                assert [r.values for r in together[level]] == [r.values for r in apart]
    assert together["sub_kegiatan"] or filters.get("sumber_dana")


def test_one_pass_gives_only_the_levels_asked_for(region):
    levels = absorption_levels(region=region, tahun=2024, levels=("kegiatan",))
    assert list(levels) == ["kegiatan"]
    assert {r.kode for r in levels["kegiatan"]} <= {
        "1.02.01.2.01",
        "1.02.01.2.02",
        "1.02.02.2.01",
        "2.07.03.1.01",
    }
    with pytest.raises(SelectorError):
        absorption_levels(region=region, tahun=2024, levels=("akun",))


def test_the_floor_is_not_vacuous_realisasi_and_partial_quarters_show(region):
    rows = floor(connection, region_id=region.pk, tahun=2024, triwulan=2, level="sub_kegiatan")
    assert len(rows) == 5
    assert all(isinstance(v, Decimal) for row in rows for v in row[2:8])
    # Through TW II some groups have realisasi, and realisasi within TW II differs from the
    # cumulative figure somewhere (TW I counted too).
    assert any(row[4] > 0 for row in rows)
    assert any(row[4] != row[7] for row in rows)


def test_the_floor_refuses_what_the_selector_refuses(region):
    with pytest.raises(ValueError, match="triwulan"):
        floor(connection, region_id=region.pk, tahun=2024, triwulan=5, level="opd")
    with pytest.raises(ValueError, match="depth"):
        floor(connection, region_id=region.pk, tahun=2024, triwulan=4, level="opd", depth=2)
    with pytest.raises(ValueError, match="level"):
        floor(connection, region_id=region.pk, tahun=2024, triwulan=4, level="rt")
