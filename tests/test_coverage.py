"""Who has reported a quarter, and the period the region's pages open on (budget.coverage).

Four OPDs of one region, one belanja line each (pagu Rp 4.000.000, Rp 1.000.000 of cash plan a
quarter). All four realised TW I-III; then one treasurer enters TW IV early. The pages must not
jump to TW IV for everybody, nor rank the three that have not reported TW IV as if they had
spent nothing.
"""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from budget.coverage import region_periods
from budget.models import Profile, QuarterReport
from budget.selectors import Period, opd_ranking
from tests.factories import DpaLineFactory, OpdFactory, RealisasiFactory, RegionFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2026
NAMES = ("Dinas Satu", "Dinas Dua", "Dinas Tiga", "Dinas Empat")


@pytest.fixture
def region():
    return RegionFactory.create(kode="33.77", nama="Kabupaten Cakupan")


@pytest.fixture
def lines(region):
    made = []
    for i, nama in enumerate(NAMES):
        opd = OpdFactory.create(region=region, kode=f"1.0{i + 1}.0.00.0.00.01.0000", nama=nama)
        made.append(DpaLineFactory.create(region=region, opd=opd, tahun=YEAR, pagu=D("4000000")))
    return made


def realise(line, *quarters: int, jumlah: str = "900000") -> None:
    for q in quarters:
        RealisasiFactory.create(line=line, triwulan=q, jumlah=D(jumlah))


@pytest.fixture
def early_tw4(lines):
    """TW I-III from everybody; TW IV from Dinas Satu alone."""
    for line in lines:
        realise(line, 1, 2, 3)
    realise(lines[0], 4, jumlah="1300000")  # on plan: 3 × 900.000 + 1.300.000 = the pagu
    return lines


@pytest.fixture
def as_bpkad(bpkad, region) -> Client:
    Profile.objects.filter(user=bpkad).update(region=region)
    client = Client()
    client.force_login(bpkad)
    return client


def test_one_treasurer_entering_tw4_early_does_not_move_the_default(region, early_tw4):
    periods = region_periods(region=region)
    assert periods.latest_realised == Period(YEAR, 4)
    assert periods.default == Period(YEAR, 3)
    tw4 = periods.coverage(Period(YEAR, 4))
    assert (tw4.n_reported, tw4.n_opds) == (1, 4)
    assert tw4.missing == {line.opd.kode for line in early_tw4[1:]}
    assert periods.coverage(Period(YEAR, 3)).complete


def test_half_of_the_opds_reporting_makes_the_quarter_the_default(region, early_tw4):
    realise(early_tw4[1], 4)
    assert region_periods(region=region).default == Period(YEAR, 4)


def test_a_quarter_handed_in_with_nothing_stored_counts_as_reported(region, early_tw4, bpkad):
    for line in early_tw4[1:2]:
        QuarterReport.objects.create(
            region=region,
            opd=line.opd,
            tahun=YEAR,
            triwulan=4,
            status=QuarterReport.Status.SUBMITTED,
            submitted_by=bpkad,
            submitted_at=timezone.now(),
        )
    coverage = region_periods(region=region).coverage(Period(YEAR, 4))
    assert coverage.reported == {early_tw4[0].opd.kode, early_tw4[1].opd.kode}
    # A draft is not a report handed in.
    QuarterReport.objects.create(region=region, opd=early_tw4[2].opd, tahun=YEAR, triwulan=4)
    assert region_periods(region=region).coverage(Period(YEAR, 4)).n_reported == 2


def test_before_any_realisasi_the_default_is_tw1_of_the_latest_year(region, lines):
    periods = region_periods(region=region)
    assert periods.years == [YEAR]
    assert periods.latest_realised is None
    assert periods.default == Period(YEAR, 1)


def test_a_new_years_dpa_alone_keeps_last_years_final_quarter(region, early_tw4):
    realise(early_tw4[1], 4)  # 2026 TW IV reported by half
    DpaLineFactory.create(region=region, opd=early_tw4[0].opd, tahun=YEAR + 1)
    periods = region_periods(region=region)
    assert periods.years == [YEAR + 1, YEAR]
    assert periods.default == Period(YEAR, 4)


def test_without_any_quorum_the_default_is_the_latest_quarter_with_realisasi(region, lines):
    realise(lines[0], 1, 2)
    assert region_periods(region=region).default == Period(YEAR, 2)


def test_the_overview_opens_on_the_reported_quarter_and_says_who_reported(as_bpkad, early_tw4):
    response = as_bpkad.get("/")
    assert (response.context["tahun"], response.context["triwulan"]) == (YEAR, 3)
    text = page_text(response)
    assert f"4 dari 4 OPD sudah melaporkan TW III {YEAR}." in text
    assert "triwulan terakhir yang sudah dilaporkan oleh sedikitnya separuh OPD" in text
    assert "Belum melapor" not in text


def test_tw4_shows_who_has_not_reported_and_leaves_them_out(as_bpkad, region, early_tw4):
    response = as_bpkad.get(f"/?tahun={YEAR}&triwulan=4")
    text = page_text(response)
    assert f"1 dari 4 OPD sudah melaporkan TW IV {YEAR}." in text
    # Listed apart, by OPD code.
    assert (
        "Belum melapor (3 OPD, tidak dihitung dalam jumlah dan peringkat): "
        "Dinas Dua, Dinas Tiga, Dinas Empat." in text
    )
    # The three have spent nothing in TW IV yet, so through TW IV they are behind: but they are
    # late, not behind. Only Dinas Satu counts, and it is on plan.
    assert response.context["behind_count"] == 0
    assert "di bawah rencana" not in text
    # The period was asked for: the default rule is not claimed.
    assert "sedikitnya separuh OPD" not in text


def test_the_ranking_leaves_out_the_opds_that_have_not_reported(as_bpkad, region, early_tw4):
    response = as_bpkad.get(f"/peringkat/?tahun={YEAR}&triwulan=4")
    assert [r.row.nama for r in response.context["table"].data] == ["Dinas Satu"]
    assert [nama for _kode, nama in response.context["belum_melapor"]] == list(NAMES[1:])
    # The selector alone, without `reported`, still ranks everybody (the API's contract).
    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=4)
    assert len(ranked) == 4


def test_the_ranking_pdf_leaves_out_the_opds_that_have_not_reported(as_bpkad, early_tw4):
    response = as_bpkad.get(f"/peringkat/cetak.pdf?tahun={YEAR}&triwulan=4")
    assert response.status_code == 200
    text = " ".join(
        (page.extract_text() or "") for page in PdfReader(io.BytesIO(response.content)).pages
    )
    text = " ".join(text.split())
    assert "1 dari 4 OPD sudah melaporkan TW IV" in text
    assert "Belum melapor (3 OPD" in text
    # Named once, in the note: not as ranked lines.
    for nama in NAMES[1:]:
        assert text.count(nama) == 1


def test_the_ranking_can_list_the_largest_shortfall_first_keeping_the_ranks(as_bpkad, lines):
    # TW II: Dinas Satu spent nothing (shortfall Rp 2.000.000), Dinas Dua half the plan
    # (Rp 1.000.000 short), Dinas Tiga all of it, Dinas Empat more than planned.
    for line, jumlah in zip(lines, ("0", "500000", "1000000", "1200000"), strict=True):
        realise(line, 1, 2, jumlah=jumlah)
    by_rank = as_bpkad.get(f"/peringkat/?tahun={YEAR}&triwulan=2").context["table"].data
    assert [r.row.nama for r in by_rank] == ["Dinas Empat", "Dinas Tiga", "Dinas Dua", "Dinas Satu"]
    response = as_bpkad.get(f"/peringkat/?tahun={YEAR}&triwulan=2&urut=kekurangan")
    shown = [
        (r.row.nama, r.peringkat, r.row.kekurangan_kas) for r in response.context["table"].data
    ]
    assert shown == [
        ("Dinas Satu", 4, D("2000000")),
        ("Dinas Dua", 3, D("1000000")),
        ("Dinas Empat", 1, D("0")),  # ahead of the plan and on it: nothing short, by rank
        ("Dinas Tiga", 2, D("0")),
    ]
    page = page_text(response)
    assert "Kekurangan dari rencana kas (Rp)" in page
    assert "2.000.000" in page
    # The one-page PDF follows the same order, with the same column.
    pdf = as_bpkad.get(f"/peringkat/cetak.pdf?tahun={YEAR}&triwulan=2&urut=kekurangan")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    positions = [text.index(nama) for nama in ("Dinas Satu", "Dinas Dua", "Dinas Empat")]
    assert positions == sorted(positions)
    assert "Kekurangan dari rencana kas (Rp)" in text
    assert "Diurutkan menurut kekurangan terbesar dari rencana kas" in text


def test_the_ranking_movement_compares_with_those_that_reported_the_quarter_before(
    region, early_tw4
):
    periods = region_periods(region=region)

    def reported(q: int) -> frozenset[str]:
        return periods.coverage(Period(YEAR, q)).reported

    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=4, reported=reported)
    (only,) = ranked
    assert only.peringkat == 1
    assert only.peringkat_sebelumnya is not None  # it was ranked in TW III among the four


def test_the_pages_say_when_the_figures_lack_a_quarter_not_yet_reported(as_bpkad, early_tw4):
    response = as_bpkad.get(f"/?tahun={YEAR}&triwulan=4")
    text = page_text(response)
    assert "Angka di bawah mencakup seluruh OPD, 3 di antaranya belum melaporkan TW IV" in text
    # An OPD that has not reported gets no category in the OPD table: its figures lack the
    # quarter.
    table = response.context["opd_table"]
    rows = {r.record.kode: r for r in table.rows}
    dua = next(r for r in rows.values() if r.record.nama == "Dinas Dua")
    satu = next(r for r in rows.values() if r.record.nama == "Dinas Satu")
    assert "belum melapor" in dua.get_cell("kategori_capaian")
    assert "badge" in satu.get_cell("kategori_capaian")
    # Its own page says so above the figures.
    kode = dua.record.kode
    page = page_text(as_bpkad.get(f"/opd/{kode}/?tahun={YEAR}&triwulan=4"))
    assert "TW IV 2026 belum dilaporkan: angka s.d. TW IV baru memuat realisasi" in page
    assert "belum dilaporkan: angka" not in page_text(
        as_bpkad.get(f"/opd/{kode}/?tahun={YEAR}&triwulan=3")
    )
