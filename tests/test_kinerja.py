"""Early warning (DESIGN §5): the formulas at their edges, the forecast and its backtest,
timeliness and revisions, and `kinerja_report` = /api/v1/kinerja/ on regions imported through
the contract's files, against an independent reckoning from the files themselves."""

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from budget import kinerja as k
from budget.models import DpaChangeSet, QuarterReport, Region, TargetPenyerapan
from budget.money import parse_amount
from dashboard.tables import KINERJA_LABELS
from tests.factories import dpa_row, realisasi_row
from tests.helpers import run_command

D = Decimal
JAKARTA = ZoneInfo("Asia/Jakarta")


def flow(pagu, kas, real) -> k.Flow:
    return k.Flow(D(pagu), tuple(D(x) for x in kas), tuple(D(x) for x in real))


# --- the formulas at their edges ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kas", "real", "expected"),
    [
        (0, 0, 0),  # nothing planned, nothing spent
        (0, 1, 100),  # nothing planned, something spent
        (100, 100, 0),
        (100, 80, 20),
        (100, 130, 30),
        (100, 250, 100),  # capped
        (100, 0, 100),
    ],
)
def test_deviation_of_one_jenis_and_quarter(kas, real, expected):
    assert k.deviasi(D(kas), D(real)) == D(expected)


@pytest.mark.parametrize(
    ("mean", "expected"),
    [(None, None), (D(0), D(100)), (D(5), D(100)), (D("5.01"), D("94.99")), (D(120), D(0))],
)
def test_deviation_score_is_full_up_to_a_mean_of_exactly_five(mean, expected):
    assert k.nilai_deviasi(mean) == expected


def test_target_score_caps_at_100_and_scales_below():
    assert k.penyerapan_score(D(60), D(100), D(50)) == 100  # 60% against a 50% target
    assert k.penyerapan_score(D(25), D(100), D(50)) == 50
    assert k.penyerapan_score(D(0), D(100), D(10)) == 0


def test_scores_weigh_the_jenis_by_pagu_and_leave_out_a_jenis_without_one():
    targets = k.DEFAULT_TARGETS
    flows = {
        "pegawai": flow(300, (75, 75, 75, 75), (75, 75, 75, 75)),  # on plan: dev 0
        "modal": flow(100, (10, 20, 30, 40), (0, 0, 0, 0)),  # nothing: dev 100
        "bansos": flow(0, (0, 0, 0, 0), (0, 0, 0, 0)),  # no pagu: left out
    }
    devs, pens = k.scores(flows, targets, 2)
    assert devs == [D(25), D(25)]  # 3/4 × 0 + 1/4 × 100
    # pegawai 25% of pagu at TW I against 20: 100; 50% at TW II against 50: 100; modal 0.
    assert pens == [D(75), D(75)]


def test_an_opd_with_no_scored_pagu_has_no_scores():
    devs, pens = k.scores({"modal": flow(0, (0,) * 4, (0,) * 4)}, k.DEFAULT_TARGETS, 3)
    assert devs == pens == []
    assert k.mean(devs) is None
    assert k.nilai_deviasi(k.mean(devs)) is None


def test_nilai_kinerja_renormalises_the_weights_over_the_defined_components():
    region = Region(kode="x", nama="x")  # the default weights 15, 20, 10, 10, 25
    values = {"nilai_deviasi_kas": D(80), "nilai_penyerapan": D(60), "nilai_ketepatan": None}
    with localcontext(prec=50):
        assert k.composite(values, region) == (15 * D(80) + 20 * D(60)) / 35
    assert k.composite({}, region) is None
    region.bobot_penyerapan = 0
    assert k.composite(values, region) == D(80)


# --- the forecast ---------------------------------------------------------------------------


def history(*flows) -> k.History:
    h = k.History.of(flows)
    assert h is not None
    return h


def test_without_history_the_forecast_spends_the_remaining_plan():
    f = flow(1000, (100, 200, 300, 400), (50, 100, 0, 0))
    result = k.forecast(f, 2, own=None, region=None)
    assert result.basis == k.BASIS_PLAN
    assert result.realisasi == 150 + (1000 - 300)


def test_without_a_belanja_pagu_the_forecast_is_undefined():
    result = k.forecast(flow(0, (0,) * 4, (0,) * 4), 2, own=None, region=None)
    assert result.realisasi is None
    assert result.serapan is None
    assert result.basis is None


def test_catch_up_learns_how_much_of_the_remaining_plan_an_opd_spends():
    # Last year it spent half of what remained after TW II.
    last_year = flow(1000, (100, 200, 300, 400), (100, 200, 200, 150))
    own = history(last_year)
    assert own is not None
    assert own.years == 1
    assert own.catch_up[1] == D("0.5")  # (650 - 300) / (1000 - 300)
    this_year = flow(2000, (200, 400, 600, 800), (200, 400, 0, 0))
    assert k.method_forecast("kejar", this_year, 2, own) == 600 + D("0.5") * 1400


def plan_of(real):
    return flow(1000, (100, 200, 300, 400), real)


def test_own_years_are_weighed_against_the_region_by_how_much_opds_differ():
    this_year = plan_of((100, 200, 0, 0))  # 300 spent, 700 of the plan left after TW II
    spent_all = plan_of((100, 200, 300, 400))  # catch-up 1
    spent_half = plan_of((100, 200, 150, 200))  # catch-up 0.5
    region = history(spent_half, spent_half, spent_all)  # median catch-up 0.5
    # The spread of the region unknown (no OPD with two years): its own years alone.
    alone = k.forecast(this_year, 2, own=history(spent_all), region=region)
    assert alone.basis == k.BASIS_OPD
    assert alone.realisasi == 1000
    # Two OPDs of two years each: A spent all the rest both years, B a half and a quarter.
    spent_quarter = plan_of((100, 200, 75, 100))  # catch-up 0.25
    a, b = history(spent_all, spent_all), history(spent_half, spent_quarter)
    pooling = k.Pooling.of([a, b])
    within = (D(0) + 2 * D("0.125") ** 2) / 2  # about each OPD's mean (1 and 0.375)
    between = ((1 - D("0.375")) / 2) ** 2 - within / 2  # variance of the means, less noise
    assert pooling.spread[1] == (within, between)
    w = between / (between + within / 2)
    assert D("0.9") < w < 1  # the OPDs differ far more than their years do
    result = k.forecast(this_year, 2, own=b, region=region, pooling=pooling)
    with localcontext(prec=50):
        assert result.realisasi == 300 + 700 * (w * D("0.375") + (1 - w) * D("0.5"))
    # Where the OPDs do not differ, the region's median says it all.
    same = k.Pooling.of([history(spent_all, spent_half), history(spent_half, spent_all)])
    assert same.own_weight(2, 2) < D("0.001")
    # An OPD without history of its own takes the region's; a region without any, the plan.
    assert k.forecast(this_year, 2, own=None, region=region).realisasi == 300 + 350
    assert k.forecast(this_year, 2, own=None, region=None).basis == k.BASIS_PLAN


def test_the_forecast_is_never_above_the_pagu_nor_below_what_is_spent():
    this_year = flow(1000, (100, 100, 400, 400), (600, 300, 0, 0))  # far ahead of the plan
    eager = history(flow(1000, (100, 100, 400, 400), (100, 100, 800, 0)))  # catch-up 1 or more
    for method in ("rencana", "kejar", "pola", "capaian"):
        value = k.method_forecast(method, this_year, 2, eager)
        assert value is not None
        assert D(900) <= value <= D(1000)
    assert k.forecast(this_year, 2, own=eager, region=eager).realisasi == 1000
    # Through TW IV every method gives what was spent.
    done = flow(1000, (250,) * 4, (100, 100, 100, 100))
    assert {k.method_forecast(m, done, 4, eager) for m in ("rencana", "kejar", "pola")} == {400}


def test_needed_per_quarter_to_reach_ninety_percent():
    f = flow(1000, (250,) * 4, (100, 200, 0, 0))
    assert k.kebutuhan_per_triwulan(f, 2) == D(300)  # (900 - 300) / 2
    assert k.kebutuhan_per_triwulan(flow(1000, (250,) * 4, (950, 0, 0, 0)), 1) == 0
    assert k.kebutuhan_per_triwulan(f, 4) is None


# --- timeliness and revisions ---------------------------------------------------------------


def test_a_report_is_on_time_through_the_last_day_of_the_deadline_in_jakarta():
    deadline = k.report_deadline(2025, 1, 10)
    assert deadline == datetime(2025, 4, 11, tzinfo=JAKARTA)  # 31 March + 10 days, midnight
    just_in = deadline - timedelta(seconds=1)
    now = datetime(2025, 12, 1, tzinfo=JAKARTA)
    second = k.report_deadline(2025, 2, 10)  # the first moment too late for TW II
    t = k.timeliness({1: just_in, 2: second}, tahun=2025, triwulan=3, days=10, now=now)
    # TW I in time, TW II late, TW III never submitted and past its deadline.
    assert (t.on_time, t.due, t.late) == (1, 3, (2, 3))
    assert t.nilai is not None
    assert round(t.nilai, 10) == D("33.3333333333")
    # Before TW III's deadline, its missing report is not yet late.
    early = datetime(2025, 10, 5, tzinfo=JAKARTA)
    t = k.timeliness({1: just_in}, tahun=2025, triwulan=3, days=10, now=early)
    assert (t.on_time, t.due) == (1, 2)
    assert k.timeliness({}, tahun=2025, triwulan=1, days=10, now=early).nilai == 0
    assert k.timeliness({}, tahun=2025, triwulan=1, days=10, now=early.replace(2024)).nilai is None


@pytest.mark.parametrize(
    ("day", "semester"),
    [("2024-12-30", 1), ("2025-06-30", 1), ("2025-07-01", 2), ("2026-01-05", 2)],
)
def test_a_revision_falls_in_the_semester_of_its_date(day, semester):
    assert k.semester_of(datetime.fromisoformat(day).date(), 2025) == semester


def test_one_revision_a_semester_is_full_marks_more_divide_it():
    assert k.Revisions((1, 0), 3).nilai(2) == 100
    assert k.Revisions((1, 4), 9).nilai(2) == 100  # the second semester has not begun
    assert k.Revisions((2, 4), 9).nilai(4) == (50 + 25) / D(2)


# --- whole regions through the contract's files ---------------------------------------------


def kinerja_json(**options) -> dict:
    return json.loads(run_command("kinerja_report", format="json", **options))


def two_lines(files, *, modal_kas=(0, 0, 500, 500), modal_real=(0, 0)):
    """An OPD with a barang dan jasa line on plan (400, 100 a quarter, 100 spent in TW I and
    II) and a modal line with the cash plan and TW I-II realisasi given."""
    modal = "5.2.02.01.01.0001"
    dpa = [
        dpa_row(tahun=2025, pagu=400, kas_tw1=100, kas_tw2=100, kas_tw3=100, kas_tw4=100),
        dpa_row(
            tahun=2025,
            kode_rekening=modal,
            uraian="Belanja Modal Alat",
            pagu=sum(modal_kas),
            **{f"kas_tw{q}": v for q, v in enumerate(modal_kas, start=1)},
        ),
    ]
    run_command("import_dpa", files.csv(dpa), no_progress=True)
    rows = [realisasi_row(tahun=2025, triwulan=q, realisasi=100) for q in (1, 2)]
    rows += [
        realisasi_row(tahun=2025, triwulan=q, kode_rekening=modal, realisasi=modal_real[q - 1])
        for q in (1, 2)
    ]
    run_command("import_realisasi", files.csv(rows), no_progress=True)


@pytest.mark.django_db
def test_a_small_region_by_hand(files):
    # barang_jasa: pagu 400, plan 100 a quarter, spent 100 in TW I and II: dev 0, serapan
    # 25% (target 15: 100) and 50% (target 50: 100).
    # modal: pagu 1000 (0, 0, 500, 500), nothing in TW I-II: dev 0 (K = 0, R = 0), serapan 0.
    two_lines(files)
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["deviasi_kas_persen"] == 0
    assert row["nilai_deviasi_kas"] == 100
    w = Fraction(400, 1400)
    assert row["nilai_penyerapan"] == float(round(Fraction(100) * w, 2))  # 28.57
    # No history: the remaining plan. 200 spent + (1400 - 200) still planned = all of it.
    assert row["prakiraan_realisasi"] == "1400.00"
    assert row["prakiraan_serapan_persen"] == 100
    assert row["peringatan"] == "hijau"
    assert row["nilai_ketepatan"] is None  # nobody submitted a report in this region
    assert row["nilai_revisi"] == 100
    # (15 × 100 + 20 × 28.571… + 10 × 100) / 45
    expected = (15 * 100 + 20 * Fraction(100) * w + 10 * 100) / 45
    assert row["nilai_kinerja"] == float(round(expected, 2))
    assert row["kategori_kinerja"] == "Kurang"  # 68,25


@pytest.mark.django_db
def test_a_jenis_mapping_of_the_region_is_used_instead_of_the_defaults(files):
    two_lines(files)
    region = Region.objects.get()
    # The region scores only modal, with a TW II target of 20.
    TargetPenyerapan.objects.create(
        region=region,
        jenis_belanja="modal",
        prefix="5.2",
        target_tw1=D(5),
        target_tw2=D(20),
        target_tw3=D(60),
        target_tw4=D(90),
    )
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["nilai_penyerapan"] == 0  # modal spent nothing


PREFIXES = {"5.1.01": "pegawai", "5.1.02": "barang_jasa", "5.2": "modal", "5.1.06": "bansos"}
TARGETS = {
    "pegawai": (20, 50, 75, 95),
    "barang_jasa": (15, 50, 70, 90),
    "modal": (10, 40, 70, 90),
    "bansos": (25, 50, 75, 95),
}


def jenis_of(rekening):
    segments = rekening.split(".")
    for n in (3, 2, 1):
        j = PREFIXES.get(".".join(segments[:n]))
        if j:
            return j
    return None


def read_files(dpa_path, realisasi_path, tahun):
    """Pagu per (OPD, jenis), cash plan and realisasi per (OPD, jenis, quarter), as fractions,
    from the files alone: nothing of the application's but its amount parser."""
    pagu: dict[tuple, Fraction] = defaultdict(Fraction)
    kas: dict[tuple, Fraction] = defaultdict(Fraction)
    real: dict[tuple, Fraction] = defaultdict(Fraction)
    line_jenis = {}
    with open(dpa_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            j = jenis_of(row["kode_rekening"])
            if int(row["tahun"]) != tahun or not row["kode_sub_kegiatan"] or j is None:
                continue
            opd = row["kode_opd"]
            line_jenis[opd, row["kode_sub_kegiatan"], row["kode_rekening"]] = j
            pagu[opd, j] += Fraction(parse_amount(row["pagu"]))
            for q in range(1, 5):
                kas[opd, j, q] += Fraction(parse_amount(row[f"kas_tw{q}"]))
    with open(realisasi_path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["kode_opd"], row["kode_sub_kegiatan"], row["kode_rekening"])
            if int(row["tahun"]) == tahun and key in line_jenis:
                q = int(row["triwulan"])
                real[row["kode_opd"], line_jenis[key], q] += Fraction(
                    parse_amount(row["realisasi"])
                )
    return pagu, kas, real


def reckon(dpa_path, realisasi_path, tahun, triwulan):
    """DESIGN §5's deviation and target scores per OPD, reckoned from the files."""
    pagu, kas, real = read_files(dpa_path, realisasi_path, tahun)
    out: dict[str, tuple] = {}
    for opd in {o for o, _j in pagu}:
        scored = {j: p for (o, j), p in pagu.items() if o == opd and p > 0}
        total = sum(scored.values())
        if not total:
            out[opd] = (None, None, None)
            continue
        devs, pens = [], []
        for q in range(1, triwulan + 1):
            dev = pen = Fraction(0)
            for j, p in scored.items():
                K, R = kas[opd, j, q], real[opd, j, q]
                d = (0 if R == 0 else 100) if K == 0 else min(100, abs(R - K) / K * 100)
                rc = sum(real[opd, j, x] for x in range(1, q + 1))
                dev += p / total * d
                pen += p / total * min(100, (rc / p * 100) / TARGETS[j][q - 1] * 100)
            devs.append(dev)
            pens.append(pen)
        mean_dev = sum(devs) / len(devs)
        out[opd] = (
            mean_dev,
            100 if mean_dev <= 5 else max(0, 100 - mean_dev),
            sum(pens) / len(pens),
        )
    return out


def hundredth(value: Fraction | None) -> float | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def generated(tmp_path, db):
    """Three years of a generated region of 12 OPDs, imported through the commands."""
    out = tmp_path / "region"
    run_command(
        "generate_region", "--opd", 12, "--lines", 600, "--tahun", 2023, "--tahun-sampai", 2025,
        "--seed", 5, "--out", out,
    )  # fmt: skip
    run_command("import_dpa", out / "dpa.csv", no_progress=True)
    run_command("import_realisasi", out / "realisasi.csv", no_progress=True)
    return out


@pytest.mark.parametrize("triwulan", [1, 2, 3, 4])
def test_scores_equal_design_section_5_reckoned_from_the_files(generated, triwulan):
    expected = reckon(generated / "dpa.csv", generated / "realisasi.csv", 2025, triwulan)
    rows = kinerja_json(tahun=2025, triwulan=triwulan)["rows"]
    assert {r["kode"] for r in rows} == set(expected)
    for row in rows:
        mean_dev, score, pen = expected[row["kode"]]
        assert row["deviasi_kas_persen"] == hundredth(mean_dev), row["kode"]
        assert row["nilai_deviasi_kas"] == hundredth(score), row["kode"]
        assert row["nilai_penyerapan"] == hundredth(pen), row["kode"]


def test_the_command_and_the_api_answer_the_same(generated, client):
    from budget.demo import GROUP_BPKAD
    from tests.conftest import _role_user

    user = _role_user("verifikator", GROUP_BPKAD, region=Region.objects.get(), is_staff=True)
    client.force_login(user)
    for triwulan in (2, 4):
        api = client.get("/api/v1/kinerja/", {"tahun": 2025, "triwulan": triwulan}).json()
        assert api == kinerja_json(tahun=2025, triwulan=triwulan)
    kode = api["rows"][3]["kode"]
    one = client.get("/api/v1/kinerja/", {"tahun": 2025, "triwulan": 2, "opd": kode}).json()
    assert one == kinerja_json(tahun=2025, triwulan=2, opd=kode)
    assert [r["kode"] for r in one["rows"]] == [kode]
    assert client.get("/api/v1/kinerja/", {"tahun": 2025, "opd": "9.99"}).status_code == 400


def test_a_treasurer_reads_only_their_own_opd(client, treasurer, treasurer_opd, other_opd):
    client.force_login(treasurer)
    url = "/api/v1/kinerja/"
    assert client.get(url, {"tahun": 2025, "opd": treasurer_opd.kode}).status_code == 200
    assert client.get(url, {"tahun": 2025, "opd": other_opd.kode}).status_code == 403
    assert client.get(url, {"tahun": 2025}).status_code == 403


def test_one_opd_or_the_whole_region_costs_eight_queries(generated):
    region = Region.objects.get()
    opd = region.opd_set.first()
    with CaptureQueriesContext(connection) as small:
        k.kinerja(region=region, tahun=2025, triwulan=2, opd=opd)
    with CaptureQueriesContext(connection) as whole:
        report = k.kinerja(region=region, tahun=2025, triwulan=2)
    assert len(report.rows) == 12
    assert len(small.captured_queries) == len(whole.captured_queries) == 8


def test_the_forecast_learns_and_beats_the_naive_rules_in_the_backtest(generated):
    region = Region.objects.get()
    flows = k.region_flows(region=region, tahun=2025)
    bt = k.backtest(flows)
    assert bt.years == (2024, 2025)  # 2023 has nothing earlier to learn from
    mae = {(c.method, c.triwulan): c.mae or D("Infinity") for c in bt.cells.values()}
    assert D("Infinity") not in mae.values()  # every method had something to go on
    for q in (1, 2, 3):
        assert bt.cell("prakiraan", q).n == 24  # 12 OPDs × 2 years
        assert mae["prakiraan", q] < mae["rencana", q]
        assert mae["prakiraan", q] < mae["capaian", q]
    assert mae["prakiraan", 2] < 5  # DESIGN §5: the median shape errs by 4,6 at TW II


def test_the_forecast_holds_its_published_error_on_a_held_out_year(generated):
    """Published from 2023-2024 (backtest of 2024), then used on 2025 as the page would."""
    region = Region.objects.get()
    flows = k.region_flows(region=region, tahun=2025)
    published = k.backtest(flows, before=2025)
    assert published.years == (2024,)
    for q in (1, 2, 3):
        errors = []
        report = k.kinerja(region=region, tahun=2025, triwulan=q)
        for row in report.rows:
            actual = flows.by_year[2025][row.opd_id].real_through(4) * 100 / row.belanja.pagu
            assert row.forecast.serapan is not None
            errors.append(abs(row.forecast.serapan - actual))
        held_out = sum(errors) / len(errors)
        published_mae = published.cell("prakiraan", q).mae
        assert published_mae is not None
        assert held_out <= 2 * published_mae + 1, q


@pytest.mark.django_db
def test_timeliness_counts_first_submissions_against_the_region_deadline(files):
    two_lines(files)
    region = Region.objects.get()
    reports = {r.triwulan: r for r in QuarterReport.objects.all()}
    assert set(reports) == {1, 2}
    on_time = datetime(2025, 4, 8, 9, tzinfo=JAKARTA)
    late = datetime(2025, 7, 20, 9, tzinfo=JAKARTA)
    QuarterReport.objects.filter(pk=reports[1].pk).update(first_submitted_at=on_time)
    QuarterReport.objects.filter(pk=reports[2].pk).update(first_submitted_at=late)
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["nilai_ketepatan"] == 50
    region.batas_laporan_hari = 30  # 30 July: TW II in time too
    region.save()
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["nilai_ketepatan"] == 100


@pytest.mark.django_db
def test_a_later_import_that_changes_the_dpa_counts_as_a_revision(files):
    two_lines(files)
    [row] = kinerja_json(tahun=2025, triwulan=3)["rows"]
    assert row["jumlah_revisi"] == 0
    assert row["nilai_revisi"] == 100
    dpa = [dpa_row(tahun=2025, pagu=800, kas_tw1=100, kas_tw2=100, kas_tw3=300, kas_tw4=300)]
    for _n in (1, 2):  # each import is a change set of its own
        run_command("import_dpa", files.csv(dpa), no_progress=True)
        dpa[0] = {**dpa[0], "pagu": "900", "kas_tw4": "400"}
    [row] = kinerja_json(tahun=2025, triwulan=3)["rows"]
    # Two change sets dated today, after the year: both in its second semester, each
    # touching the one line.
    assert row["jumlah_revisi"] == 2
    assert row["revisi_per_semester"] == [0, 2]
    assert row["baris_direvisi"] == 2
    assert row["nilai_revisi"] == (100 + 50) / 2


@pytest.mark.django_db
def test_a_revision_falls_in_the_semester_of_its_day_in_the_project_time_zone(files):
    """A change set is dated by its earliest event, taken in the project's time zone when the
    page is read: a revision entered at 00:30 WIB on 1 July (17:30 UTC on 30 June) is the
    second semester's, and the first's where the day is taken in UTC. Moving the events by
    hand moves the change set (its triggers recompute it)."""
    two_lines(files)
    dpa = [dpa_row(tahun=2025, pagu=800, kas_tw1=100, kas_tw2=100, kas_tw3=300, kas_tw4=300)]
    run_command("import_dpa", files.csv(dpa), no_progress=True)
    _murni, revision = DpaChangeSet.objects.order_by("first_event")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE budget_dpalineevent SET pgh_created_at = %s WHERE pgh_context_id = %s",
            [datetime(2025, 6, 30, 17, 30, tzinfo=UTC), revision.context_id],
        )
    revision = DpaChangeSet.objects.get(context_id=revision.context_id)  # recomputed
    assert revision.first_at == datetime(2025, 7, 1, 0, 30, tzinfo=JAKARTA)
    [row] = kinerja_json(tahun=2025, triwulan=3)["rows"]
    assert row["revisi_per_semester"] == [0, 1]
    with override_settings(TIME_ZONE="UTC"):
        [row] = kinerja_json(tahun=2025, triwulan=3)["rows"]
    assert row["revisi_per_semester"] == [1, 0]
    assert row["baris_direvisi"] == 1


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def bpkad_client(generated, client):
    from budget.demo import GROUP_BPKAD
    from tests.conftest import _role_user

    user = _role_user("verifikator", GROUP_BPKAD, region=Region.objects.get(), is_staff=True)
    client.force_login(user)
    return client


def test_the_early_warning_page_lists_red_first_with_the_backtest(bpkad_client):
    from tests.helpers import page_text

    response = bpkad_client.get("/peringatan/", {"tahun": 2025, "triwulan": 2})
    assert response.status_code == 200
    table = response.context["table"]
    warnings = [row.peringatan.rank for row in table.data]
    assert warnings == sorted(warnings, reverse=True)  # merah (3) first, hijau (1) last
    text = page_text(response)
    assert "Peringatan dini" in text
    assert "2024" in response.context["backtest"].years.__repr__()
    expected = kinerja_json(tahun=2025, triwulan=2)["rows"]
    shown = {row.kode: row.prakiraan_serapan_persen for row in table.data}
    for row in expected:
        assert float(round(shown[row["kode"]], 2)) == row["prakiraan_serapan_persen"]
    csv_export = bpkad_client.get(
        "/peringatan/", {"tahun": 2025, "triwulan": 2, "_export": "csv", "_tabel": "peringatan"}
    )
    assert csv_export.status_code == 200
    exported = list(csv.DictReader(io.StringIO(csv_export.content.decode("utf-8-sig"))))
    assert len(exported) == len(expected)
    # Every figure a number with a decimal point, the score too (it once came out "44,48").
    score = KINERJA_LABELS["nilai_kinerja"]
    by_name = {row["nama"]: row["nilai_kinerja"] for row in expected}
    for row in exported:
        want = by_name[row["OPD"]]
        assert row[score] == ("" if want is None else f"{want:.2f}"), row


def test_the_ranking_can_rank_by_nilai_kinerja(bpkad_client):
    response = bpkad_client.get(
        "/peringkat/", {"tahun": 2025, "triwulan": 3, "ukuran": "nilai_kinerja"}
    )
    assert response.status_code == 200
    ranked = [r.row.kode for r in response.context["table"].data]
    scores = {r["kode"]: r["nilai_kinerja"] for r in kinerja_json(tahun=2025, triwulan=3)["rows"]}
    assert ranked == sorted(scores, key=lambda kode: (-scores[kode], kode))
    # Ranked by another measure, nilai kinerja is a column of its own.
    other = bpkad_client.get("/peringkat/", {"tahun": 2025, "triwulan": 3})
    assert "nilai_kinerja" in [c.name for c in other.context["table"].columns]
    pdf = bpkad_client.get(
        "/peringkat/cetak.pdf", {"tahun": 2025, "triwulan": 3, "ukuran": "nilai_kinerja"}
    )
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


# --- trends, code mappings, obstacles -------------------------------------------------------


def test_a_trend_point_at_its_edges():
    point = k.TrendPoint.of(2025, flow(1000, (0, 200, 300, 500), (10, 100, 300, 590)), True)
    assert point.serapan == 100
    # TW I has no plan: left out of the mean of 50%, 100% and 118%.
    with localcontext(prec=50):
        assert point.capaian_rata == (D(50) + D(100) + D(118)) / 3
        assert point.porsi_tw4 == D(590) * 100 / 1000
    assert k.TrendPoint.of(2026, flow(1000, (250,) * 4, (0,) * 4), False).serapan is None
    nothing = k.TrendPoint.of(2025, flow(0, (0,) * 4, (0,) * 4), True)
    assert (nothing.serapan, nothing.capaian_rata, nothing.porsi_tw4) == (None, None, None)


def test_the_region_trend_equals_the_absorption_report_at_tw_iv(generated):
    from tests.helpers import report

    region = Region.objects.get()
    result = k.trends(region=region, tahun=2025)
    assert result.years == (2023, 2024, 2025)
    assert len(result.opds) == 12
    for tahun in result.years:
        [belanja] = [
            r for r in report(tahun=tahun, level="pemda")["rows"] if r["jenis"] == "belanja"
        ]
        serapan = result.region.points[tahun].serapan
        assert serapan is not None
        assert float(round(serapan, 2)) == belanja["serapan_persen"]


@pytest.mark.django_db
def test_a_mapped_opd_code_is_one_unit_for_the_trend_and_the_forecast(files):
    from budget.models import OpdMapping

    old, new = "1.02.0.00.0.00.01.0000", "1.02.0.00.0.00.02.0000"
    dpa = [
        dpa_row(tahun=2024, kode_opd=old),  # 400.000, 100.000 a quarter
        dpa_row(tahun=2025, kode_opd=new, nama_opd="Dinas Kesehatan Baru"),
    ]
    run_command("import_dpa", files.csv(dpa), no_progress=True)
    real = [realisasi_row(tahun=2024, kode_opd=old, triwulan=q, realisasi=50000) for q in (1, 2, 3)]
    real += [realisasi_row(tahun=2024, kode_opd=old, triwulan=4, realisasi=150000)]
    real += [realisasi_row(tahun=2025, kode_opd=new, triwulan=q, realisasi=50000) for q in (1, 2)]
    run_command("import_realisasi", files.csv(real), no_progress=True)
    region = Region.objects.get()
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["dasar_prakiraan"] == "pemda"  # no history of its own: the region's
    OpdMapping.objects.create(region=region, kode_lama=old, kode_baru=new)
    [row] = kinerja_json(tahun=2025, triwulan=2)["rows"]
    assert row["kode"] == new
    assert row["dasar_prakiraan"] == "opd"
    # 2024: all of the 200.000 left after TW II was spent (catch-up 1); so in 2025.
    assert row["prakiraan_realisasi"] == "300000.00"
    result = k.trends(region=region, tahun=2025)
    assert [(r.kode, r.nama, sorted(r.points)) for r in result.opds] == [
        (new, "Dinas Kesehatan Baru", [2024])  # 2025 is not closed
    ]


@pytest.mark.django_db
def test_obstacles_split_each_shortfall_over_the_kendala_named(files, django_assert_num_queries):
    from datetime import date

    from budget.models import Upaya
    from budget.obstacles import obstacles

    # Through TW II: 200 planned for barang dan jasa and spent; 200 for modal, none spent.
    two_lines(files, modal_kas=(100, 100, 400, 400))
    region = Region.objects.get()
    reports = {r.triwulan: r for r in QuarterReport.objects.all()}
    QuarterReport.objects.filter(pk=reports[1].pk).update(kendala=["pengadaan"])
    QuarterReport.objects.filter(pk=reports[2].pk).update(kendala=["pengadaan", "sdm"])
    opd = reports[2].opd
    Upaya.objects.create(
        region=region,
        opd=opd,
        tahun=2025,
        triwulan=2,
        kendala="sdm",
        tindakan="Tambah Pokja",
        penanggung_jawab="Sekretaris",
        batas_waktu=date(2025, 8, 1),
    )
    with django_assert_num_queries(3):
        result = obstacles(region=region, tahun=2025, triwulan=2)
    by_kode = {s.kode: s for s in result.stats}
    assert set(by_kode) == {"pengadaan", "sdm"}
    assert by_kode["pengadaan"].shortfall == by_kode["sdm"].shortfall == 100
    assert [o.kode for o in by_kode["pengadaan"].persistent] == [opd.kode]
    assert by_kode["sdm"].persistent == []
    assert [u.tindakan for u in by_kode["sdm"].upaya] == ["Tambah Pokja"]
    assert result.total_shortfall == 200
    assert [s.cumulative for s in result.stats][-1] == 100
    assert (result.reporting, result.naming) == (1, 1)


def test_the_trend_and_obstacle_pages_open(bpkad_client):
    tren = bpkad_client.get("/tren/", {"tahun": 2025, "triwulan": 4, "ukuran": "porsi_tw4"})
    assert tren.status_code == 200
    assert tren.context["chosen"] == "porsi_tw4"
    assert tren.context["years"] == (2023, 2024, 2025)
    assert len(tren.context["rows"]) == 12
    kendala = bpkad_client.get("/kendala/", {"tahun": 2025, "triwulan": 2})
    assert kendala.status_code == 200
    assert "Kendala dan upaya" in kendala.content.decode()


def test_the_opd_page_draws_the_forecast_on_and_lists_deviation_and_targets(bpkad_client):
    kode = kinerja_json(tahun=2025, triwulan=2)["rows"][0]["kode"]
    response = bpkad_client.get(f"/opd/{kode}/", {"tahun": 2025, "triwulan": 2})
    assert response.status_code == 200
    row = response.context["kinerja"]
    traces = response.context["s_curve"]["data"]
    assert len(traces) == 3
    forecast = traces[2]
    assert forecast["x"] == ["TW II", "TW III", "TW IV"]
    # From what is spent to the forecast, in miliar.
    assert forecast["y"][0] == pytest.approx(float(row.realisasi_kumulatif) / 1e9)
    assert forecast["y"][-1] == pytest.approx(float(row.prakiraan_realisasi) / 1e9)
    assert forecast["y"] == sorted(forecast["y"])
    details = response.context["kinerja_details"]
    assert {(d.jenis_belanja, d.triwulan) for d in details} == {
        (j, q) for j in row.jenis for q in (1, 2)
    }
    for d in details:
        assert d.target == next(
            t for t in row.targets if t.jenis_belanja == d.jenis_belanja
        ).target(d.triwulan)
    # Through TW IV there is nothing left to forecast.
    closed = bpkad_client.get(f"/opd/{kode}/", {"tahun": 2025, "triwulan": 4})
    assert len(closed.context["s_curve"]["data"]) == 2
