"""The LRA in the SAP layout (budget.sap, /laporan/lra-sap.pdf): the statement's sums, its
derived results (surplus/(defisit), pembiayaan netto, SiLPA), negative amounts in parentheses,
the region's signatory under it on the same page, and who may print which."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from pypdf import PdfReader

from budget.sap import lra_sap
from dashboard.templatetags.serapan import akuntansi
from tests.factories import AccountFactory, DpaLineFactory, RealisasiFactory

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2026

# kode -> (pagu, realised through TW II)
LINES = {
    "4.1.01.01.01.0001": ("500000000", "200000000"),  # PAD
    "4.2.01.01.01.0001": ("1500000000", "700000000"),  # transfer income
    "5.1.02.01.01.0001": ("1200000000", "450000000"),  # belanja operasi
    "5.2.02.01.01.0001": ("600000000", "100000000"),  # belanja modal
    "5.4.02.01.01.0001": ("300000000", "150000000"),  # belanja transfer
    "6.1.01.01.01.0001": ("150000000", "150000000"),  # SiLPA of last year
    "6.2.02.01.01.0001": ("50000000", "0"),  # penyertaan modal
}


@pytest.fixture
def region(treasurer_opd):
    region = treasurer_opd.region
    region.nama = "Kabupaten Neraca"
    region.ttd_nama = "Ir. Budi Santoso, M.T."
    region.ttd_nip = "19751231 200003 1 002"
    region.ttd_jabatan = "Kepala Badan Keuangan Daerah"
    region.ttd_tempat = "Neraca"
    region.save()
    for kode, (pagu, spent) in LINES.items():
        account = AccountFactory.create(region=region, kode=kode)
        line = DpaLineFactory.create(
            region=region, opd=treasurer_opd, tahun=YEAR, account=account, pagu=D(pagu)
        )
        if D(spent):
            RealisasiFactory.create(line=line, triwulan=2, jumlah=D(spent))
    return region


def test_the_statement_sums_the_kelompok_and_derives_the_results(region):
    report = lra_sap(region=region, tahun=YEAR, triwulan=2)
    figures = {line.nama: (line.anggaran, line.realisasi) for line in report.lines}
    assert figures["Pendapatan Asli Daerah (PAD)"] == (D("500000000"), D("200000000"))
    assert figures["Lain-lain Pendapatan Daerah yang Sah"] == (0, 0)  # listed, with nothing
    assert figures["Jumlah Pendapatan"] == (D("2000000000"), D("900000000"))
    assert figures["Jumlah Belanja"] == (D("1800000000"), D("550000000"))
    assert figures["Jumlah Transfer"] == (D("300000000"), D("150000000"))
    assert figures["Jumlah Belanja dan Transfer"] == (D("2100000000"), D("700000000"))
    # Pendapatan - belanja - transfer: a planned deficit, a realised surplus so far.
    assert figures["SURPLUS/(DEFISIT)"] == (D("-100000000"), D("200000000"))
    assert figures["Pembiayaan Netto"] == (D("100000000"), D("150000000"))
    silpa = figures["SISA LEBIH/(KURANG) PEMBIAYAAN ANGGARAN (SiLPA/SiKPA)"]
    assert silpa == (D("0"), D("350000000"))  # a balanced budget: SiLPA 0 planned


def test_a_line_reads_its_percentage_and_gap_but_a_result_no_percentage(region):
    report = lra_sap(region=region, tahun=YEAR, triwulan=2)
    modal = report.line("Belanja Modal")
    assert modal.persen is not None
    assert round(modal.persen, 2) == D("16.67")
    assert modal.selisih == D("-500000000")
    assert report.line("SURPLUS/(DEFISIT)").persen is None
    assert report.line("PENDAPATAN DAERAH").anggaran is None  # a heading has no figures


def test_negative_amounts_print_in_parentheses():
    assert akuntansi(D("-100000000")) == "(100.000.000)"
    assert akuntansi(D("1234567.00")) == "1.234.567"
    assert akuntansi(None) == "—"


def pdf_text(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_the_region_statement_is_one_page_with_its_signatory(client: Client, region, bpkad):
    client.force_login(bpkad)
    reader, text = pdf_text(client.get(f"/laporan/lra-sap.pdf?tahun={YEAR}&triwulan=2"))
    assert len(reader.pages) == 1  # the results and the signature never part
    assert "LAPORAN REALISASI ANGGARAN" in text
    assert "Tahun 2026 s.d. Triwulan II" in text
    assert "SURPLUS/(DEFISIT) (100.000.000) 200.000.000" in text
    assert "Pembiayaan Netto 100.000.000 150.000.000" in text
    assert "Neraca," in text
    assert "Kepala Badan Keuangan Daerah" in text
    assert "Ir. Budi Santoso, M.T." in text
    assert "NIP. 19751231 200003 1 002" in text


def test_without_a_signatory_the_statement_leaves_the_lines_to_sign_by_hand(
    client: Client, region, bpkad
):
    region.ttd_nama = region.ttd_nip = region.ttd_jabatan = region.ttd_tempat = ""
    region.save()
    client.force_login(bpkad)
    _reader, text = pdf_text(client.get(f"/laporan/lra-sap.pdf?tahun={YEAR}&triwulan=2"))
    assert "Kepala BPKAD" in text
    assert "NIP." in text


def test_a_treasurer_prints_their_own_opds_statement_not_the_regions(
    client: Client, region, treasurer, treasurer_opd
):
    client.force_login(treasurer)
    assert client.get(f"/laporan/lra-sap.pdf?tahun={YEAR}&triwulan=2").status_code == 403
    _reader, text = pdf_text(
        client.get(f"/laporan/lra-sap.pdf?tahun={YEAR}&triwulan=2&opd={treasurer_opd.kode}")
    )
    assert treasurer_opd.nama in text


def test_the_statement_as_a_workbook_keeps_numbers_and_the_signatory(client: Client, region, bpkad):
    client.force_login(bpkad)
    response = client.get(f"/laporan/lra-sap.xlsx?tahun={YEAR}&triwulan=2")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = {r[1]: r for r in sheet.iter_rows(values_only=True) if r[1]}
    surplus = rows["SURPLUS/(DEFISIT)"]
    assert surplus[2:6] == (-100000000, 200000000, "—", 300000000)
    modal = rows["Belanja Modal"]
    assert modal[4] == pytest.approx(16.67)
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == -100000000)
    assert cell.number_format == "#,##0;(#,##0)"  # shown (100.000.000), still a number
    texts = [c for r in sheet.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert "Ir. Budi Santoso, M.T." in texts
    assert "NIP. 19751231 200003 1 002" in texts
    assert "Kepala Badan Keuangan Daerah" in texts


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_the_statement_costs_the_same_queries_whatever_the_data(
    client: Client, region, bpkad, django_assert_num_queries, fmt
):
    # The page's fixed queries (session, user, role, region, period, reports) and one for the
    # figures: the absorption service's kelompok sums, read from the roll-ups with the
    # account names joined.
    client.force_login(bpkad)
    client.get(f"/laporan/lra-sap.{fmt}?tahun={YEAR}&triwulan=2")  # warm the caches
    with django_assert_num_queries(SAP_QUERIES):
        assert client.get(f"/laporan/lra-sap.{fmt}?tahun={YEAR}&triwulan=2").status_code == 200
    # More lines, the same count.
    for i in range(5):
        account = AccountFactory.create(region=region, kode=f"5.1.02.01.01.{100 + i:04d}")
        DpaLineFactory.create(region=region, tahun=YEAR, account=account, pagu=D("1000"))
    with django_assert_num_queries(SAP_QUERIES):
        assert client.get(f"/laporan/lra-sap.{fmt}?tahun={YEAR}&triwulan=2").status_code == 200


SAP_QUERIES = 8
