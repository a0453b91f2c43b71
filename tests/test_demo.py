"""The demo region (`seed_demo`): a believable kabupaten, its users, and a command that can run
twice.

The demo is loaded once for the whole module, inside a transaction that is rolled back when the
module ends, so no other test module ever sees it. Each test runs in a savepoint of that
transaction, as usual.
"""

import hashlib
import shutil
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import Coalesce

from budget import demo
from budget.codes import parse_opd_code, parse_sub_kegiatan_code
from budget.demo import (
    DEMO_PASSWORD,
    GROUP_BENDAHARA,
    GROUP_BPKAD,
    GROUP_KEPALA_DAERAH,
    REGION_KODE,
    REGION_NAMA,
    build_demo,
)
from budget.models import (
    Account,
    DpaLine,
    Kegiatan,
    Opd,
    Profile,
    Program,
    Realisasi,
    Region,
    SubKegiatan,
)
from budget.selectors import Period, absorption, periods_available
from tests.helpers import run_command

pytestmark = pytest.mark.django_db

TRILIUN = Decimal(10**12)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """`seed_demo` run once for the module; what it printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_command("seed_demo")
        transaction.set_rollback(True)


@pytest.fixture
def region(seeded) -> Region:
    return Region.objects.get(kode=REGION_KODE)


def belanja_by_opd(region: Region, tahun: int, triwulan: int):
    rows = absorption(region=region, tahun=tahun, triwulan=triwulan, level="opd")
    return [r for r in rows if r.jenis == "belanja"]


def snapshot() -> dict:
    """Everything a second run could change."""
    lines = DpaLine.objects.aggregate(
        n=Count("id"),
        pagu=Sum("pagu"),
        murni=Sum("pagu_murni"),
        kas=Sum(F("kas_tw1") + F("kas_tw2") + F("kas_tw3") + F("kas_tw4")),
        updated=Max("updated_at"),
    )
    realisasi = Realisasi.objects.aggregate(jumlah=Sum("jumlah"), updated=Max("updated_at"))
    return {
        "counts": [
            m.objects.count()
            for m in (
                Region,
                Opd,
                Program,
                Kegiatan,
                SubKegiatan,
                Account,
                DpaLine,
                Realisasi,
                User,
                Group,
                Profile,
            )
        ],
        "lines": lines,
        "realisasi": realisasi,
        "users": list(
            User.objects.order_by("username").values_list(
                "username", "password", "is_staff", "is_superuser", "first_name"
            )
        ),
        "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "profiles": sorted(Profile.objects.values_list("user_id", "region_id", "opd_id")),
    }


def test_the_builder_gives_the_same_tables_every_time():
    first, second = build_demo(), build_demo()
    assert [s.table.rows for s in first.dpa] == [s.table.rows for s in second.dpa]
    assert first.realisasi.rows == second.realisasi.rows


def digest(tables) -> str:
    """A hash of every cell of the import tables, in order."""
    h = hashlib.sha256()
    for table in [*(stage.table for stage in tables.dpa), tables.realisasi]:
        h.update(",".join(table.columns).encode() + b"\n")
        for n, cells in table.rows:
            h.update(f"{n}|{'|'.join(cells[c] for c in table.columns)}\n".encode())
    return h.hexdigest()


def test_the_demo_region_is_the_one_its_fixtures_and_generator_have_always_built():
    # Pinned when the data moved from Python literals to fixtures/demo/*.csv (same tables, byte
    # for byte). A change here is a change of the demo region: make it on purpose, then update.
    tables = build_demo()
    assert [
        (stage.label, len(stage.table.rows), sum(int(c["pagu"]) for _n, c in stage.table.rows))
        for stage in tables.dpa
    ] == [
        ("DPA 2024", 1092, 3_659_274_280_000),  # added with the early warning's history
        ("DPA 2025", 1092, 3_697_035_574_000),
        ("DPPA 2025", 1092, 3_698_153_416_000),
        ("DPA 2026", 1092, 3_768_307_984_000),
    ]
    realisasi: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for _n, cells in tables.realisasi.rows:
        realisasi[cells["tahun"]] += int(cells["realisasi"])
        rows[cells["tahun"]] += 1
    assert realisasi == {
        "2024": 3_488_161_905_098,
        "2025": 3_479_775_228_902,
        "2026": 2_574_459_959_953,
    }
    assert rows == {"2024": 4368, "2025": 4368, "2026": 3276}
    # Last changed on purpose by issue 13: Dinas Lingkungan Hidup's capital lines are DAK Fisik
    # (it reports late juknis DAK); every amount as before.
    assert digest(tables) == "61ad9f95fa570c8937150af7909825f16f728f20472ef8b59f75b90357e0a240"


def test_a_fixture_naming_a_mix_that_does_not_exist_is_refused(tmp_path, monkeypatch):
    fixtures = tmp_path / "demo"
    shutil.copytree(demo.FIXTURES, fixtures)
    subs = fixtures / "sub_kegiatan.csv"
    subs.write_text(subs.read_text(encoding="utf-8").replace(",bos,", ",bos_typo,", 1), "utf-8")
    monkeypatch.setattr(demo, "FIXTURES", fixtures)
    demo.demo_data.cache_clear()
    try:
        with pytest.raises(demo.FixtureError, match="bos_typo"):
            demo.demo_data()
    finally:
        demo.demo_data.cache_clear()


def test_it_builds_a_named_kabupaten(region):
    assert region.nama == REGION_NAMA


def test_it_has_at_least_twenty_opds_with_permendagri_90_codes(region):
    codes = list(Opd.objects.filter(region=region).values_list("kode", flat=True))
    assert len(codes) >= 20
    assert all(parse_opd_code(kode) == kode for kode in codes)
    subs = SubKegiatan.objects.filter(region=region).values_list("kode", flat=True)
    assert all(parse_sub_kegiatan_code(kode) == kode for kode in subs)


def test_every_opd_carries_the_penunjang_program_and_at_most_four_programs(region):
    for opd in Opd.objects.filter(region=region):
        programs = set(
            DpaLine.objects.filter(opd=opd, sub_kegiatan__isnull=False).values_list(
                "sub_kegiatan__kegiatan__program__kode", flat=True
            )
        )
        urusan = opd.kode[:4]
        assert f"{urusan}.01" in programs, opd
        assert 2 <= len(programs) <= 4, opd
    penunjang = Program.objects.get(region=region, kode="1.02.01")
    assert penunjang.nama == "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA"


def test_it_holds_three_fiscal_years(region):
    years = set(DpaLine.objects.filter(region=region).values_list("tahun", flat=True))
    assert years == {2024, 2025, 2026}


def test_the_apbd_is_the_size_of_a_kabupaten_and_balances(region):
    for tahun in (2025, 2026):
        pagu = dict(
            DpaLine.objects.filter(region=region, tahun=tahun)
            .values_list("jenis")
            .annotate(s=Sum("pagu"))
            .values_list("jenis", "s")
        )
        assert Decimal("1.5") * TRILIUN <= pagu["belanja"] <= Decimal("2.5") * TRILIUN
        # The SiLPA covers the deficit: revenue plus financing pays for the spending.
        assert pagu["pendapatan"] + pagu["pembiayaan"] == pagu["belanja"]


def test_there_are_revenue_lines_and_one_financing_line_a_year(region):
    for tahun in (2025, 2026):
        lines = DpaLine.objects.filter(region=region, tahun=tahun)
        assert lines.filter(jenis="pendapatan").count() >= 10
        assert lines.filter(jenis="pendapatan", account__kode__startswith="4.1.01").exists()
        assert lines.filter(jenis="pendapatan", account__kode__startswith="4.2.01").exists()
        assert lines.filter(jenis="pembiayaan").count() == 1


def test_the_amounts_are_whole_rupiah(region):
    amounts = [
        *DpaLine.objects.filter(region=region).values_list("pagu", flat=True),
        *Realisasi.objects.filter(region=region).values_list("jumlah", flat=True),
    ]
    assert [x for x in amounts if x % 1] == []


def test_the_cash_plan_is_back_loaded(region):
    for tahun in (2025, 2026):
        kas = DpaLine.objects.filter(region=region, tahun=tahun, jenis="belanja").aggregate(
            early=Sum(F("kas_tw1") + F("kas_tw2")), late=Sum(F("kas_tw3") + F("kas_tw4"))
        )
        assert kas["late"] > kas["early"]


def test_most_spending_comes_late_in_2025(region):
    by_quarter = dict(
        Realisasi.objects.filter(line__region=region, line__tahun=2025, line__jenis="belanja")
        .values_list("triwulan")
        .annotate(s=Sum("jumlah"))
        .values_list("triwulan", "s")
    )
    assert by_quarter[3] + by_quarter[4] > by_quarter[1] + by_quarter[2]
    assert by_quarter[1] < by_quarter[2] < by_quarter[3]


def test_2024_and_2025_are_complete_and_2026_runs_through_the_third_quarter(region):
    quarters = {
        tahun: set(
            Realisasi.objects.filter(line__region=region, line__tahun=tahun).values_list(
                "triwulan", flat=True
            )
        )
        for tahun in (2024, 2025, 2026)
    }
    assert quarters == {2024: {1, 2, 3, 4}, 2025: {1, 2, 3, 4}, 2026: {1, 2, 3}}
    years, latest = periods_available(region=region)
    assert (sorted(years), latest) == ([2024, 2025, 2026], Period(2026, 3))


def test_the_2025_dpa_was_revised_and_keeps_its_murni_pagu(region):
    revised = DpaLine.objects.filter(region=region, tahun=2025).exclude(pagu=F("pagu_murni"))
    assert revised.count() >= 20
    assert not DpaLine.objects.filter(region=region, tahun=2026).exclude(pagu=F("pagu_murni"))


def test_a_few_opds_lag_well_behind_at_the_end_of_2025(region):
    rows = belanja_by_opd(region, 2025, 4)
    laggards = [r for r in rows if r.serapan < 60]
    assert 2 <= len(laggards) <= 5
    assert all(r.kategori_serapan == "Tidak Efektif" for r in laggards)
    assert sum(1 for r in rows if r.serapan >= 85) >= len(rows) // 2


def test_exactly_one_opd_runs_ahead_of_its_cash_plan(region):
    ahead = {}
    for tahun in (2025, 2026):
        rows = belanja_by_opd(region, tahun, 3)
        over = [r for r in rows if r.capaian_kas > 100]
        assert len(over) == 1
        assert over[0].capaian_kas > 105  # clearly, not by a rounding
        ahead[tahun] = over[0].kode
    assert ahead[2025] == ahead[2026]


def test_revenue_may_exceed_its_target(region):
    rows = absorption(region=region, tahun=2025, triwulan=4, level="opd", jenis="pendapatan")
    assert any(r.serapan > 100 for r in rows)


def test_no_belanja_line_realises_more_than_its_pagu(region):
    over = (
        DpaLine.objects.filter(region=region, jenis="belanja")
        .annotate(real=Coalesce(Sum("realisasi__jumlah"), Decimal(0)))
        .filter(real__gt=F("pagu"))
    )
    assert not over.exists()


def test_the_four_demo_users_have_their_roles(region):
    first, second = Opd.objects.filter(region=region).order_by("kode")[:2]
    users = {u.username: u for u in User.objects.filter(serapan_profile__region=region)}
    assert set(users) >= {"bpkad", "kepala", "bendahara1", "bendahara2"}

    def groups(name: str) -> set[str]:
        return set(users[name].groups.values_list("name", flat=True))

    assert users["bpkad"].is_staff
    assert users["bpkad"].is_superuser
    assert groups("bpkad") == {GROUP_BPKAD}
    assert not users["kepala"].is_staff
    assert not users["kepala"].is_superuser
    assert groups("kepala") == {GROUP_KEPALA_DAERAH}
    for name, opd in (("bendahara1", first), ("bendahara2", second)):
        assert groups(name) == {GROUP_BENDAHARA}
        assert not users[name].is_staff
        assert users[name].serapan_profile.opd == opd
    assert users["bpkad"].serapan_profile.opd is None
    assert users["kepala"].serapan_profile.opd is None


def test_the_demo_password_works(region):
    for name in ("bpkad", "kepala", "bendahara1", "bendahara2"):
        assert User.objects.get(username=name).check_password(DEMO_PASSWORD)


def test_it_prints_a_summary(seeded):
    assert f"Region {REGION_KODE} {REGION_NAMA}" in seeded
    assert "2025 TW 4 belanja" in seeded
    assert "2026 TW 3 belanja" in seeded


def test_running_it_again_changes_nothing(region):
    before = snapshot()
    out = run_command("seed_demo")
    assert snapshot() == before
    assert "nothing changed" in out


def test_if_empty_leaves_a_database_that_holds_a_region_alone(region):
    before = snapshot()
    out = run_command("seed_demo", if_empty=True)
    assert snapshot() == before
    assert "not loaded" in out


def test_past_quarters_are_verified_and_the_latest_is_in_the_workflow(region):
    from collections import Counter

    from budget.models import QuarterReport

    reports = QuarterReport.objects.filter(region=region)
    by_quarter = Counter((r.tahun, r.triwulan, r.status) for r in reports)
    n_opd = region.opd_set.count()
    closed = [(2024, q) for q in range(1, 5)] + [(2025, q) for q in range(1, 5)]
    for tahun, triwulan in [*closed, (2026, 1), (2026, 2)]:
        assert by_quarter[(tahun, triwulan, "diverifikasi")] == n_opd
    latest = {s: n for (t, q, s), n in by_quarter.items() if (t, q) == (2026, 3)}
    assert latest.get("diajukan", 0) > latest.get("draf", 0) > 0
    assert not reports.filter(tahun=2026, triwulan=4).exists()  # TW IV is still open
    assert all(r.verified_by is not None for r in reports.filter(status="diverifikasi"))
    returned = reports.filter(status="draf").exclude(alasan="")
    assert returned.count() == 1


def test_opds_behind_their_cash_plan_say_why(region):
    from budget.models import QuarterReport
    from budget.selectors import absorption

    rows = absorption(region=region, tahun=2026, triwulan=3, level="opd", jenis="belanja")
    behind = {r.kode for r in rows if r.capaian_kas is not None and r.capaian_kas < 100}
    reports = QuarterReport.objects.filter(region=region, tahun=2026, triwulan=3)
    assert behind
    for report in reports.select_related("opd"):
        assert bool(report.kendala) == (report.opd.kode in behind)


def test_the_head_of_region_sees_by_tw_ii_who_is_red_why_and_what_they_must_spend(region):
    """The early warning of 2026 TW II: the three laggards red, each with its kendala and what
    it must still realise a quarter; the forecast tested on 2025, learnt from 2024."""
    from budget.kinerja import kinerja

    report = kinerja(region=region, tahun=2026, triwulan=2)
    red = {r.kode for r in report.rows if r.peringatan and r.peringatan.label == "merah"}
    laggards = {o.kode for o in demo.demo_data().opds if o.pace == "laggard"}
    assert red == laggards
    for row in report.rows:
        if row.kode in red:
            assert row.kendala
            assert row.kebutuhan_per_triwulan is not None
            assert row.kebutuhan_per_triwulan > 0
    backtest = report.backtest()
    assert backtest.years == (2025,)
    mae = backtest.cell("prakiraan", 2).mae
    assert mae is not None
    assert mae < 5


def test_reports_were_handed_in_around_the_deadline_some_late(region):
    from budget.kinerja import report_deadline
    from budget.models import QuarterReport

    submitted = QuarterReport.objects.filter(region=region, first_submitted_at__isnull=False)
    dates = [(r.tahun, r.triwulan, r.first_submitted_at) for r in submitted]
    late = [
        at for tahun, q, at in dates if at and at >= report_deadline(tahun, q, demo.DEADLINE_DAYS)
    ]
    assert 0 < len(late) < len(dates) / 4
    # Each handed in after the quarter it reports.
    assert all(at and at > report_deadline(tahun, q, -1) for tahun, q, at in dates)
