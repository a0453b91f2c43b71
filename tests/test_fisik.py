"""Realisasi fisik (physical progress): the file import_fisik reads (DESIGN §4), the rules of a
cumulative percent, the lock of the quarter, the audit trail, the OPD's pagu-weighted
progress, the flags when money and work part by more than 20 points, and its score in the
nilai kinerja (§5).

The region: one OPD with two sub kegiatan of belanja, pagu Rp 300.000 (0001, the cash plan
evenly by quarter) and Rp 100.000 (0002), and a revenue line outside them.
"""

from decimal import Decimal

import pytest
from django.apps import apps

from budget import workflow
from budget.fisik import (
    AHEAD,
    BEHIND,
    FisikFigure,
    PercentError,
    Stored,
    fisik_by_opd,
    fisik_refusals,
    gap_flag,
    nilai_fisik,
    parse_percent,
    rencana_fisik,
)
from budget.importing import read_table
from budget.importing.fisik import import_fisik
from budget.kinerja import kinerja
from budget.models import Opd, QuarterReport, RealisasiFisik, Region, SubKegiatan
from budget.roles import SYSTEM
from tests.factories import OPD, SUB_KEGIATAN, dpa_row, realisasi_row, revenue_row
from tests.helpers import places, refusal, run_command

D = Decimal
SUB_2 = "1.02.01.2.01.0002"
FISIK_COLUMNS = ["tahun", "triwulan", "kode_opd", "kode_sub_kegiatan", "fisik_persen"]


def fisik_row(**overrides) -> dict[str, str]:
    row = {
        "tahun": "2024",
        "triwulan": "1",
        "kode_opd": OPD,
        "kode_sub_kegiatan": SUB_KEGIATAN,
        "fisik_persen": "25",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


@pytest.fixture
def region(files, db) -> Region:
    run_command(
        "import_dpa",
        files.csv(
            [
                dpa_row(
                    pagu="300000",
                    kas_tw1="75000",
                    kas_tw2="75000",
                    kas_tw3="75000",
                    kas_tw4="75000",
                ),
                dpa_row(
                    kode_sub_kegiatan=SUB_2,
                    nama_sub_kegiatan="Koordinasi dan Penyusunan Laporan",
                    pagu="100000",
                    kas_tw1="25000",
                    kas_tw2="25000",
                    kas_tw3="25000",
                    kas_tw4="25000",
                ),
                revenue_row(),
            ]
        ),
        no_progress=True,
    )
    return Region.objects.get()


@pytest.fixture
def opd(region) -> Opd:
    return Opd.objects.get(kode=OPD)


def fisik_import(files, rows, **options):
    return run_command("import_fisik", files.csv(rows), no_progress=True, **options)


def fisik_refused(files, rows, columns=None):
    _error, stderr = refusal("import_fisik", files.csv(rows, columns), no_progress=True)
    return stderr


def stored(opd) -> dict[tuple[str, int], Decimal]:
    return {
        (f.sub_kegiatan.kode, f.triwulan): f.persen
        for f in RealisasiFisik.objects.filter(opd=opd).select_related("sub_kegiatan")
    }


# --- one figure ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", "0.00"),
        ("45", "45.00"),
        ("45.5", "45.50"),
        ("45,5", "45.50"),
        ("45,25%", "45.25"),
        ("100", "100.00"),
        ("100.0", "100.00"),
        (" 7 ", "7.00"),
    ],
)
def test_a_percent_is_read_the_indonesian_way_or_the_plain_way(raw, value):
    assert parse_percent(raw) == D(value)


@pytest.mark.parametrize("raw", ["", "-1", "100.01", "101", "abc", "45.555", "1.000", "٤٥"])
def test_a_percent_outside_0_to_100_or_with_three_decimals_is_refused(raw):
    with pytest.raises(PercentError):
        parse_percent(raw)


# --- the gap flags, at their edges --------------------------------------------------------------


@pytest.mark.parametrize(
    ("serapan", "fisik", "flag"),
    [
        ("70", "50", None),  # 20 points exactly: within the limit
        ("70.01", "50", AHEAD),
        ("70", "49.99", AHEAD),
        ("50", "70", None),
        ("50", "70.01", BEHIND),
        ("49.99", "70", BEHIND),
        ("0", "0", None),
        ("100", "0", AHEAD),
        ("0", "100", BEHIND),
    ],
)
def test_money_and_work_are_flagged_only_beyond_20_points_either_way(serapan, fisik, flag):
    assert gap_flag(D(serapan), D(fisik)) == flag


def test_no_flag_without_both_figures():
    assert gap_flag(None, D(10)) is None
    assert gap_flag(D(90), None) is None


def test_the_physical_score_is_progress_against_the_plan_capped_at_100():
    plan = rencana_fisik(D(75000), D(300000))
    assert plan == D(25)
    assert nilai_fisik(D(20), plan) == D(80)
    assert nilai_fisik(D(25), plan) == D(100)
    assert nilai_fisik(D(40), plan) == D(100)  # ahead of plan: capped
    assert nilai_fisik(D(0), D(0)) == D(100)  # nothing planned yet: met
    assert nilai_fisik(None, plan) is None
    assert rencana_fisik(D(0), D(0)) is None


# --- the rules of a cumulative figure ------------------------------------------------------------


def test_a_decrease_needs_a_reason_and_may_have_one():
    before = {(1, 7, 2024, 1): Stored(D(40), "")}
    fall = [FisikFigure(1, 7, 2024, 2, D(30))]
    assert "alasan" in fisik_refusals(stored=before, figures=fall)[(1, 7, 2024, 2)]
    explained = [FisikFigure(1, 7, 2024, 2, D(30), "pekerjaan dibongkar karena cacat mutu")]
    assert fisik_refusals(stored=before, figures=explained) == {}
    assert fisik_refusals(stored=before, figures=[FisikFigure(1, 7, 2024, 2, D(40))]) == {}


def test_raising_an_earlier_quarter_above_a_later_one_without_reason_is_refused():
    before = {(1, 7, 2024, 1): Stored(D(10), ""), (1, 7, 2024, 2): Stored(D(30), "")}
    errors = fisik_refusals(stored=before, figures=[FisikFigure(1, 7, 2024, 1, D(35))])
    assert "lebih tinggi" in errors[(1, 7, 2024, 1)]


def test_a_blank_where_a_figure_is_stored_is_refused():
    before = {(1, 7, 2024, 1): Stored(D(10), "")}
    errors = fisik_refusals(stored=before, figures=[FisikFigure(1, 7, 2024, 1, None)])
    assert "kosong" in errors[(1, 7, 2024, 1)]
    assert fisik_refusals(stored={}, figures=[FisikFigure(1, 7, 2024, 1, None)]) == {}


# --- the file ----------------------------------------------------------------------------------


def test_import_fisik_stores_each_sub_kegiatans_figure(files, opd):
    out = fisik_import(
        files,
        [
            fisik_row(),
            fisik_row(kode_sub_kegiatan=SUB_2, fisik_persen="12,5"),
            fisik_row(triwulan="2", fisik_persen="40"),
        ],
    )
    assert "3 created" in out.replace("dibuat", "created") or "3" in out
    assert stored(opd) == {
        (SUB_KEGIATAN, 1): D("25.00"),
        (SUB_2, 1): D("12.50"),
        (SUB_KEGIATAN, 2): D("40.00"),
    }


def test_importing_the_same_file_twice_changes_nothing(files, opd):
    rows = [fisik_row(), fisik_row(triwulan="2", fisik_persen="40")]
    fisik_import(files, rows)
    events = apps.get_model("budget", "RealisasiFisikEvent").objects.count()
    result = import_fisik(table=read_table(files.csv(rows)))
    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (0, 0, 2)
    assert apps.get_model("budget", "RealisasiFisikEvent").objects.count() == events


def test_every_bad_row_is_named_with_its_column_and_nothing_is_written(files, opd):
    stderr = fisik_refused(
        files,
        [
            fisik_row(fisik_persen="101"),  # row 2
            fisik_row(triwulan="5"),  # row 3
            fisik_row(kode_sub_kegiatan="1.02.01.2.01.0009"),  # row 4: not in the DPA
            fisik_row(kode_sub_kegiatan=SUB_2),  # row 5: fine
            fisik_row(kode_sub_kegiatan=SUB_2),  # row 6: the same figure twice
        ],
    )
    assert "2" in stderr
    assert "fisik_persen" in stderr
    assert "triwulan" in stderr
    assert "kode_sub_kegiatan" in stderr
    assert RealisasiFisik.objects.count() == 0


def test_the_file_must_carry_the_contracts_columns(files, opd):
    stderr = fisik_refused(files, [{"tahun": "2024", "triwulan": "1"}], ["tahun", "triwulan"])
    assert "fisik_persen" in stderr
    assert RealisasiFisik.objects.count() == 0


def test_a_figure_below_the_quarter_before_needs_the_optional_reason_column(files, opd):
    fisik_import(files, [fisik_row(fisik_persen="40")])
    errors = _refused_places(files, [fisik_row(triwulan="2", fisik_persen="35")])
    assert errors == {(2, "fisik_persen")}
    fisik_import(files, [fisik_row(triwulan="2", fisik_persen="35", alasan="opname ulang")])
    figure = RealisasiFisik.objects.get(triwulan=2)
    assert (figure.persen, figure.alasan) == (D("35.00"), "opname ulang")


def _refused_places(files, rows):
    from budget.importing import ImportRefused

    with pytest.raises(ImportRefused) as refused:
        import_fisik(table=read_table(files.csv(rows)))
    return places(refused.value.errors)


# --- the lock of the quarter and the audit trail ------------------------------------------------


def test_a_verified_quarter_refuses_physical_progress_whoever_writes(files, opd):
    from django.contrib.auth.models import User

    bpkad = User.objects.create_user("verifikator")
    fisik_import(files, [fisik_row(fisik_persen="20")])
    # The import left a draft; BPKAD verifies it.
    QuarterReport.objects.filter(opd=opd, tahun=2024, triwulan=1).update(
        status=QuarterReport.Status.VERIFIED, verified_by=bpkad
    )
    assert _refused_places(files, [fisik_row(fisik_persen="30")]) == {(2, "triwulan")}
    # The same figure again is not a change: a whole-year file may be imported again.
    fisik_import(files, [fisik_row(fisik_persen="20")])
    sub = SubKegiatan.objects.get(kode=SUB_KEGIATAN)
    with pytest.raises(workflow.WorkflowError):
        workflow.fisik_save(
            actor=SYSTEM,
            opd=opd,
            tahun=2024,
            triwulan=1,
            values={sub.pk: (D(30), "")},
            version=1,
        )
    assert stored(opd) == {(SUB_KEGIATAN, 1): D("20.00")}


def test_a_change_of_physical_progress_moves_the_reports_version_on(files, opd):
    fisik_import(files, [fisik_row()])
    report = QuarterReport.objects.get(opd=opd, tahun=2024, triwulan=1)
    sub = SubKegiatan.objects.get(kode=SUB_KEGIATAN)
    with pytest.raises(workflow.Conflict):
        workflow.fisik_save(
            actor=SYSTEM,
            opd=opd,
            tahun=2024,
            triwulan=1,
            values={sub.pk: (D(30), "")},
            version=report.version - 1,
        )
    saved = workflow.fisik_save(
        actor=SYSTEM,
        opd=opd,
        tahun=2024,
        triwulan=1,
        values={sub.pk: (D(30), "")},
        version=report.version,
    )
    assert (saved.updated, saved.version) == (1, report.version + 1)
    same = workflow.fisik_save(
        actor=SYSTEM,
        opd=opd,
        tahun=2024,
        triwulan=1,
        values={sub.pk: (D(30), "")},
        version=saved.version,
    )
    assert (same.unchanged, same.version) == (1, saved.version)


def test_every_change_is_kept_in_the_audit_trail(files, opd):
    fisik_import(files, [fisik_row(fisik_persen="20")])
    fisik_import(files, [fisik_row(fisik_persen="30")])
    events = apps.get_model("budget", "RealisasiFisikEvent").objects.order_by("pgh_id")
    assert [(e.pgh_label, e.persen) for e in events] == [
        ("insert", D("20.00")),
        ("update", D("30.00")),
    ]
    assert events[1].pgh_context.metadata["command"] == "import_fisik"


# --- the OPD's progress, weighed by pagu -------------------------------------------------------


def test_the_opds_progress_is_weighed_by_the_sub_kegiatans_belanja_pagu(files, opd):
    fisik_import(
        files,
        [fisik_row(fisik_persen="40"), fisik_row(kode_sub_kegiatan=SUB_2, fisik_persen="80")],
    )
    progress = fisik_by_opd(region_id=opd.region_id, tahun=2024, triwulan=1)[opd.pk]
    # (300.000 × 40 + 100.000 × 80) ÷ 400.000
    assert progress.at(1) == D(50)
    assert (progress.pagu, progress.n_sub, progress.reported_at(1)) == (D(400000), 2, 2)


def test_a_sub_kegiatan_not_reported_counts_zero_and_a_quarter_keeps_the_latest(files, opd):
    fisik_import(files, [fisik_row(fisik_persen="40")])
    progress = fisik_by_opd(region_id=opd.region_id, tahun=2024, triwulan=3)[opd.pk]
    assert progress.persen == (D(30), D(30), D(30), None)  # 300.000 × 40 ÷ 400.000
    assert progress.reported == (1, 1, 1, 0)


def test_an_opd_without_physical_progress_has_none(opd):
    assert fisik_by_opd(region_id=opd.region_id, tahun=2024) == {}


def test_kinerja_counts_the_physical_score_and_flags_the_gap(files, opd):
    before = kinerja(region=opd.region, tahun=2024, triwulan=1).rows[0]
    assert before.fisik_persen is None
    assert before.nilai_fisik is None
    # Serapan 75.000 ÷ 400.000 = 18,75%; physical 30% (plan 25%): no flag, score 100.
    run_command(
        "import_realisasi",
        files.csv([realisasi_row(realisasi="75000")]),
        no_progress=True,
    )
    fisik_import(files, [fisik_row(fisik_persen="40")])
    row = kinerja(region=opd.region, tahun=2024, triwulan=1).rows[0]
    assert row.fisik_persen == D(30)
    assert row.rencana_fisik == D(25)
    assert row.nilai_fisik == D(100)
    assert row.fisik_flag is None
    data = row.as_contract_dict()
    assert data["fisik_persen"] == 30.0
    assert data["nilai_fisik"] == 100.0
    assert data["selisih_fisik"] == -11.25
    assert data["peringatan_fisik"] is None
    # Work well ahead of the money: 90% physical against 18,75% serapan.
    fisik_import(
        files,
        [fisik_row(fisik_persen="100"), fisik_row(kode_sub_kegiatan=SUB_2, fisik_persen="60")],
    )
    row = kinerja(region=opd.region, tahun=2024, triwulan=1).rows[0]
    assert row.fisik_persen == D(90)
    assert row.fisik_flag == BEHIND
    assert row.as_contract_dict()["peringatan_fisik"] == BEHIND


# --- the entry page ----------------------------------------------------------------------------


@pytest.fixture
def entry(treasurer_opd, treasurer):
    """OPD A's TW I entry page, its two sub kegiatan of belanja (pagu 300.000 and 100.000),
    signed in as its treasurer."""
    from django.test import Client

    from tests.factories import DpaLineFactory

    big = DpaLineFactory.create(
        region=treasurer_opd.region, opd=treasurer_opd, tahun=2024, pagu=D(300000)
    )
    small = DpaLineFactory.create(
        region=treasurer_opd.region, opd=treasurer_opd, tahun=2024, pagu=D(100000)
    )
    client = Client()
    client.force_login(treasurer)
    url = f"/opd/{treasurer_opd.kode}/realisasi/2024/1/"
    return client, url, big.sub_kegiatan, small.sub_kegiatan


def post(client, url, **data):
    from budget.models import QuarterReport

    report = QuarterReport.objects.filter(triwulan=int(url.rstrip("/")[-1])).first()
    return client.post(url, {"action": "save", "version": report.version if report else 0, **data})


def test_the_treasurer_enters_physical_progress_with_the_quarters_realisasi(entry):
    client, url, big, small = entry
    page = client.get(url)
    assert f'name="fisik-{big.pk}"' in page.content.decode()
    response = post(client, url, **{f"fisik-{big.pk}": "40", f"fisik-{small.pk}": "12,5"})
    assert response.status_code == 302
    assert {f.sub_kegiatan_id: f.persen for f in RealisasiFisik.objects.all()} == {
        big.pk: D("40.00"),
        small.pk: D("12.50"),
    }
    shown = client.get(url).content.decode()
    assert 'value="12,50"' in shown  # the Indonesian way
    assert 'value="40"' in shown


def test_a_bad_percent_is_named_on_its_row_and_nothing_is_saved(entry):
    client, url, big, small = entry
    response = post(client, url, **{f"fisik-{big.pk}": "140", f"fisik-{small.pk}": "10"})
    assert response.status_code == 400
    assert "100" in response.content.decode()
    assert RealisasiFisik.objects.count() == 0


def test_a_decrease_without_its_reason_is_refused_on_the_page(entry, treasurer_opd):
    client, url, big, _small = entry
    assert post(client, url, **{f"fisik-{big.pk}": "40"}).status_code == 302
    url2 = url.replace("/1/", "/2/")
    refused = post(client, url2, **{f"fisik-{big.pk}": "30"})
    assert refused.status_code == 400
    assert RealisasiFisik.objects.filter(triwulan=2).count() == 0
    explained = post(client, url2, **{f"fisik-{big.pk}": "30", f"alasan-{big.pk}": "cacat mutu"})
    assert explained.status_code == 302
    assert RealisasiFisik.objects.get(triwulan=2).alasan == "cacat mutu"


def test_a_submitted_quarter_shows_physical_progress_and_takes_no_more(entry, treasurer_opd):
    client, url, big, _small = entry
    post(client, url, **{f"fisik-{big.pk}": "40"})
    submitted = post(client, url, action="submit", kendala="pengadaan", **{f"fisik-{big.pk}": "40"})
    assert submitted.status_code == 302
    page = client.get(url).content.decode()
    assert f'name="fisik-{big.pk}"' not in page
    assert "40,00%" in page
    refused = post(client, url, **{f"fisik-{big.pk}": "50"})
    assert refused.status_code == 400
    assert RealisasiFisik.objects.get().persen == D("40.00")


def test_the_generated_regions_physical_progress_imports(tmp_path, db):
    from budget.generator import generate_region

    region = generate_region(opds=4, lines=60, years=[2024], seed=3, out=tmp_path)
    for name, path in (("import_dpa", region.dpa), ("import_realisasi", region.realisasi)):
        run_command(name, path, no_progress=True)
    run_command("import_fisik", region.fisik, no_progress=True)
    assert RealisasiFisik.objects.count() == region.fisik_rows > 0
    again = generate_region(opds=4, lines=60, years=[2024], seed=3, out=tmp_path / "again")
    assert again.fisik.read_bytes() == region.fisik.read_bytes()


def test_the_opds_change_history_names_the_physical_progress(files, opd):
    from budget.history import opd_history

    fisik_import(files, [fisik_row(fisik_persen="20")])
    fisik_import(files, [fisik_row(fisik_persen="30")])
    entries = [e for e in opd_history(opd=opd, tahun=2024) if e.what == "Realisasi fisik"]
    assert [e.subject for e in entries] == [f"2024 TW I {SUB_KEGIATAN}"] * 2
    assert [(c.old, c.new) for c in entries[0].changes] == [(D("20.00"), D("30.00"))]
