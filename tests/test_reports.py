"""The printable reports as the office uses them: the LRA-style absorption report as XLSX and
PDF, and the one-page ranking for the head of region.

They must hold the service's numbers (read back with openpyxl and pypdf, to the cent), print
well (formats, frozen header, A4 landscape, one page for the ranking), obey the pages'
permissions, survive bad parameters, and cost the same number of queries whatever the data.

The region is imported through the commands, as an operator would, from files written here:
OPD 0 spends 80% of program 1 and 64,325% of program 2 through TW III 2026, 73,73% of its
belanja in all; the other OPDs spend a share of their pagu each.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from pypdf import PdfReader

from budget.codes import Jenis
from budget.measures import round2
from budget.models import Opd, Profile, Region
from budget.money import format_number, format_percent
from budget.roles import GROUP_BPKAD, GROUP_KEPALA
from budget.selectors import AbsorptionRow, absorption, opd_ranking
from dashboard.reports import lra
from tests.factories import DPA_COLUMNS, REALISASI_COLUMNS
from tests.helpers import REFERENCE_DIR, ImportFiles, fetch, run_command

pytestmark = pytest.mark.django_db

D = Decimal
CENT = D("0.01")
YEAR = 2026
TW = 3
PERIOD = f"?tahun={YEAR}&triwulan={TW}"
BELANJA_ACCOUNTS = ("5.1.02.01.01.0024", "5.2.02.05.01.0001")
REVENUE = "4.1.01.09.01.0001"
SILPA = "6.1.01.01.01.0001"
PENYERTAAN = "6.2.02.01.01.0001"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_PRINT = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)  # 19.05 in Jakarta
FIXED_LABEL = "Dicetak 23 November 2026 19.05 WIB"


# The region ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    opds: int
    programs: int  # per OPD, one kegiatan each
    subs: int  # sub kegiatan per kegiatan
    accounts: int  # belanja lines per sub kegiatan


SMALL = Size(opds=3, programs=2, subs=2, accounts=2)  # 24 belanja lines
LARGE = Size(opds=60, programs=2, subs=3, accounts=2)  # 720: thirty times more

# (pagu of a line, realisasi within TW I, TW II, TW III) of OPD 0, by program: 80% and 64,325%.
OPD0_LINES = (
    (600_000, (100_000, 180_000, 200_000)),
    (400_000, (57_300, 100_000, 100_000)),
)
# The other OPDs realise this percentage of every line's pagu, all in TW III.
SHARES = (95, 45, 100, 20, 85, 60)


def opd_code(i: int) -> str:
    return f"1.{i + 2:02d}.0.00.0.00.01.0000"


def opd_name(i: int) -> str:
    return f"Dinas Uji {i + 1:02d}"


def program_code(i: int, p: int) -> str:
    return f"1.{i + 2:02d}.{p + 1:02d}"


def region_files(files: ImportFiles, size: Size) -> tuple:
    dpa, real = [], []

    def line(i, rekening, pagu, kas, *, program=None, sub=None, realised=()):
        prog = program_code(i, program) if program is not None else ""
        keg = f"{prog}.2.01" if prog else ""
        sub_code = f"{keg}.{sub:04d}" if prog else ""
        dpa.append(
            {
                "tahun": YEAR,
                "kode_opd": opd_code(i),
                "nama_opd": opd_name(i),
                "kode_program": prog,
                "nama_program": f"Program Uji {prog}" if prog else "",
                "kode_kegiatan": keg,
                "nama_kegiatan": f"Kegiatan Uji {keg}" if keg else "",
                "kode_sub_kegiatan": sub_code,
                "nama_sub_kegiatan": f"Sub Kegiatan Uji {sub_code}" if sub_code else "",
                "kode_rekening": rekening,
                "uraian": f"Rekening {rekening}",
                "pagu": pagu,
                **{f"kas_tw{q}": amount for q, amount in enumerate(kas, start=1)},
            }
        )
        for q, amount in enumerate(realised, start=1):
            if amount:
                real.append(
                    {
                        "tahun": YEAR,
                        "triwulan": q,
                        "kode_opd": opd_code(i),
                        "kode_sub_kegiatan": sub_code,
                        "kode_rekening": rekening,
                        "realisasi": amount,
                    }
                )

    for i in range(size.opds):
        for p in range(size.programs):
            pagu, realised = OPD0_LINES[p % 2]
            if i:
                share = SHARES[i % len(SHARES)]
                realised = (0, 0, pagu * share // 100)
            for s in range(1, size.subs + 1):
                for rekening in BELANJA_ACCOUNTS[: size.accounts]:
                    line(i, rekening, pagu, (pagu // 4,) * 4, program=p, sub=s, realised=realised)
        line(i, REVENUE, 2_000_000, (500_000,) * 4, realised=(600_000, 700_000))
    # A sub kegiatan with nothing budgeted: its serapan is undefined, shown as a dash.
    line(0, BELANJA_ACCOUNTS[0], 0, (0, 0, 0, 0), program=0, sub=99)
    # Financing sits with OPD 0: a receipt realised, a disbursement not yet.
    line(0, SILPA, 1_000_000, (1_000_000, 0, 0, 0), realised=(1_000_000,))
    line(0, PENYERTAAN, 300_000, (0, 0, 300_000, 0))
    return files.csv(dpa, DPA_COLUMNS), files.csv(real, REALISASI_COLUMNS)


def import_region(files: ImportFiles, size: Size, kode: str, nama: str) -> Region:
    dpa, real = region_files(files, size)
    run_command("import_dpa", dpa, region_kode=kode, region_nama=nama, no_progress=True)
    run_command("import_realisasi", real, region_kode=kode, no_progress=True)
    return Region.objects.get(kode=kode)


@pytest.fixture(scope="module", autouse=True)
def regions(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both regions, imported once for the module inside a transaction rolled back at its end;
    each test runs in a savepoint of it."""
    files = ImportFiles(tmp_path_factory.mktemp("laporan"))
    with django_db_blocker.unblock(), transaction.atomic():
        yield {
            "small": import_region(files, SMALL, "33.98", "Kabupaten Uji Laporan"),
            "large": import_region(files, LARGE, "33.97", "Kabupaten Uji Besar"),
        }
        transaction.set_rollback(True)


@pytest.fixture
def region(regions, db) -> Region:
    return regions["small"]


@pytest.fixture
def treasurer_opd(region) -> Opd:
    return Opd.objects.get(region=region, kode=opd_code(0))


@pytest.fixture
def other_opd(region) -> Opd:
    return Opd.objects.get(region=region, kode=opd_code(1))


def person(region: Region, group: str | None, *, opd: Opd | None = None, name: str = "orang"):
    user = User.objects.create_user(name)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    Profile.objects.create(user=user, region=region, opd=opd)
    return user


@pytest.fixture
def as_bpkad(client, bpkad):
    client.force_login(bpkad)
    return client


@pytest.fixture
def printed_at(monkeypatch):
    monkeypatch.setattr(lra, "printed_now", lambda: FIXED_PRINT)
    return FIXED_PRINT


# Reading the files back --------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    section: str
    kode: str  # "" on a total row
    uraian: str
    pagu: Decimal
    kas: Decimal
    realisasi: Decimal
    sisa: Decimal
    serapan: Decimal | str
    kategori: str
    bold: bool


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def money(value) -> Decimal:
    assert isinstance(value, int | float), f"{value!r} is not a number"
    return D(str(value)).quantize(CENT)


def sheet_rows(sheet) -> list[SheetRow]:
    """The body rows holding amounts, each with the section it sits in."""
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if row[0].value == "Kode")
    section: str | None = None
    out: list[SheetRow] = []
    for row in rows[header + 1 :]:
        a, b, c = row[0].value, row[1].value, row[2].value
        if a in ("4", "5", "6") and c is None:
            section = b
        elif c is not None and not isinstance(c, str):
            serapan = row[6].value
            assert section is not None, f"{a} {b} comes before the first section"
            out.append(
                SheetRow(
                    section=section,
                    kode=a or "",
                    uraian=b,
                    pagu=money(c),
                    kas=money(row[3].value),
                    realisasi=money(row[4].value),
                    sisa=money(row[5].value),
                    serapan=serapan if isinstance(serapan, str) else D(str(serapan)),
                    kategori=row[7].value,
                    bold=bool(row[0].font.b and row[2].font.b),
                )
            )
    return out


def pdf_text(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


SECTION_JENIS = {
    "PENDAPATAN DAERAH": Jenis.PENDAPATAN.value,
    "BELANJA DAERAH": Jenis.BELANJA.value,
    "PEMBIAYAAN DAERAH": Jenis.PEMBIAYAAN.value,
}


def service_rows(
    region: Region, *, opd: Opd | None = None, susunan: str = "program"
) -> dict[tuple[str, str], AbsorptionRow]:
    """The rows the report must show, by (jenis, kode), straight from the service."""
    wanted: dict[tuple[str, str], AbsorptionRow] = {}
    for depth in (2, 3, None):
        for row in absorption(
            region=region, tahun=YEAR, triwulan=TW, opd=opd, level="akun", depth=depth
        ):
            if susunan == "rekening" or row.jenis != Jenis.BELANJA.value:
                wanted.setdefault((row.jenis, row.kode), row)
    if susunan == "program":
        for level in ("program", "kegiatan", "sub_kegiatan"):
            for row in absorption(region=region, tahun=YEAR, triwulan=TW, opd=opd, level=level):
                wanted[(row.jenis, row.kode)] = row
    return wanted


def totals(region: Region, *, opd: Opd | None = None) -> dict[str, AbsorptionRow]:
    rows = absorption(
        region=region, tahun=YEAR, triwulan=TW, opd=opd, level="opd" if opd else "pemda"
    )
    return {row.jenis: row for row in rows}


def assert_same_numbers(sheet_row: SheetRow, row) -> None:
    assert sheet_row.pagu == row.pagu
    assert sheet_row.kas == row.kas_kumulatif
    assert sheet_row.realisasi == row.realisasi_kumulatif
    assert sheet_row.sisa == row.sisa
    assert sheet_row.serapan == (row.serapan_persen if row.serapan is not None else "—")
    assert sheet_row.kategori == (row.kategori_serapan or "—")


# The workbook ----------------------------------------------------------------------------------


@pytest.mark.parametrize("susunan", ["program", "rekening"])
def test_the_region_workbook_holds_the_services_numbers_to_the_cent(as_bpkad, region, susunan):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}&susunan={susunan}"))
    wanted = service_rows(region, susunan=susunan)
    total = totals(region)
    seen = set()
    for row in sheet_rows(sheet):
        jenis = SECTION_JENIS[row.section]
        if row.uraian.startswith("JUMLAH"):
            assert row.bold
            assert_same_numbers(row, total[jenis])
            seen.add((jenis, "JUMLAH"))
        else:
            assert (jenis, row.kode) not in seen, f"{row.kode} listed twice"
            assert_same_numbers(row, wanted[(jenis, row.kode)])
            seen.add((jenis, row.kode))
    assert seen == set(wanted) | {
        (Jenis.PENDAPATAN.value, "JUMLAH"),
        (Jenis.BELANJA.value, "JUMLAH"),
    }


def test_an_opd_workbook_by_rekening_holds_that_opds_numbers(client, treasurer, treasurer_opd):
    client.force_login(treasurer)
    response = fetch(client, f"/laporan/lra.xlsx{PERIOD}&opd={treasurer_opd.kode}&susunan=rekening")
    sheet = workbook(response)
    wanted = service_rows(treasurer_opd.region, opd=treasurer_opd, susunan="rekening")
    total = totals(treasurer_opd.region, opd=treasurer_opd)
    rows = sheet_rows(sheet)
    for row in rows:
        jenis = SECTION_JENIS[row.section]
        expected = total[jenis] if row.uraian.startswith("JUMLAH") else wanted[(jenis, row.kode)]
        assert_same_numbers(row, expected)
    assert {(SECTION_JENIS[r.section], r.kode) for r in rows if r.kode} == set(wanted)
    belanja_total = next(r for r in rows if r.uraian == "JUMLAH BELANJA DAERAH")
    assert belanja_total.serapan == D("73.73")
    assert "attachment" in response["Content-Disposition"]
    assert treasurer_opd.kode in response["Content-Disposition"]


def test_the_program_rows_carry_their_kegiatan_and_sub_kegiatan_beneath_them(as_bpkad, region):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}&opd={opd_code(0)}"))
    belanja = [r for r in sheet_rows(sheet) if r.section == "BELANJA DAERAH"]
    codes = [r.kode for r in belanja if r.kode]
    prog1, prog2 = program_code(0, 0), program_code(0, 1)
    assert codes == [
        prog1,
        f"{prog1}.2.01",
        f"{prog1}.2.01.0001",
        f"{prog1}.2.01.0002",
        f"{prog1}.2.01.0099",
        prog2,
        f"{prog2}.2.01",
        f"{prog2}.2.01.0001",
        f"{prog2}.2.01.0002",
    ]
    by_code = {r.kode: r for r in belanja}
    assert by_code[prog1].serapan == D("80.00")
    assert by_code[prog1].bold
    assert by_code[prog2].serapan == D("64.33")  # 64,325 rounded half up
    assert not by_code[f"{prog1}.2.01.0001"].bold
    # Indented and folded beneath their program.
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    assert (
        rows[f"{prog1}.2.01.0001"][1].alignment.indent > rows[f"{prog1}.2.01"][1].alignment.indent
    )
    assert rows[prog1][1].alignment.indent == 0
    assert sheet.row_dimensions[rows[f"{prog1}.2.01.0001"][0].row].outline_level == 2


def test_a_ratio_over_a_zero_pagu_is_a_dash_never_zero(as_bpkad, region):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}"))
    empty = next(r for r in sheet_rows(sheet) if r.kode == f"{program_code(0, 0)}.2.01.0099")
    assert empty.pagu == 0
    assert empty.serapan == "—"
    assert empty.kategori == "—"


def test_revenue_spending_and_financing_are_never_added_together(as_bpkad, region):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}&susunan=rekening"))
    rows = sheet_rows(sheet)
    assert [s for s in dict.fromkeys(r.section for r in rows)] == list(SECTION_JENIS)
    labels = [r.uraian for r in rows if r.uraian.startswith("JUMLAH")]
    # Financing receipts and disbursements are shown apart (kelompok 6.1 and 6.2), no total.
    assert labels == ["JUMLAH PENDAPATAN DAERAH", "JUMLAH BELANJA DAERAH"]
    financing = {r.kode: r for r in rows if r.section == "PEMBIAYAAN DAERAH"}
    assert {"6.1", "6.2", SILPA, PENYERTAAN} <= set(financing)
    assert financing["6.1"].realisasi == D("1000000.00")
    assert financing["6.2"].realisasi == 0


def test_the_workbook_holds_numbers_with_formats_and_is_ready_to_print(as_bpkad, region):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}"))
    heading = " ".join(str(row[0].value) for row in sheet.iter_rows(max_row=6) if row[0].value)
    assert "Laporan Realisasi Anggaran — Penyerapan Anggaran" in heading
    assert "KABUPATEN UJI LAPORAN" in heading
    assert "Tahun 2026 s.d. Triwulan III" in heading
    assert re.search(r"Dicetak \d{1,2} \w+ \d{4} \d{2}\.\d{2} WIB", heading)
    header = next(row for row in sheet.iter_rows() if row[0].value == "Kode")
    assert [c.value for c in header] == [
        "Kode",
        "Uraian",
        "Pagu (Rupiah)",
        "Anggaran Kas s.d. TW III (Rupiah)",
        "Realisasi s.d. TW III (Rupiah)",
        "Sisa Anggaran (Rupiah)",
        "Serapan (%)",
        "Kategori",
    ]
    body = [row for row in sheet.iter_rows(min_row=header[0].row + 1) if row[2].value is not None]
    for row in body:
        if isinstance(row[2].value, str):
            continue
        assert all(isinstance(c.value, int | float) for c in row[2:6])
        assert {c.number_format for c in row[2:6]} == {"#,##0"}
        if not isinstance(row[6].value, str):
            assert row[6].number_format == "#,##0.00"
    header_row = header[0].row
    assert sheet.freeze_panes == f"C{header_row + 1}"
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # One page wide: fitToWidth's default in the OOXML schema is 1, and a writer may leave
    # the default out of the file (openpyxl then reads None).
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width > 10
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Kepala BPKAD" in texts


def test_the_workbook_is_streamed_row_by_row_with_a_handful_of_formats(as_bpkad, region):
    content = fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}").content
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        # Each row's text is written inline as the row is written, with no table of every
        # string kept for the end (dashboard.reports.ooxml).
        assert "xl/sharedStrings.xml" not in book.namelist()
        styles = book.read("xl/styles.xml").decode()
    formats = re.search(r'<cellXfs count="(\d+)"', styles)
    assert formats is not None
    assert int(formats.group(1)) < 40  # made once each, not once per cell
    # The rows are made as they are written, so the sheet's head names a last row counted
    # beforehand: the one the rows end on (a reader that trusts the head sees them all).
    head = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    read = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert head.max_row == read.max_row
    assert read.print_area.endswith(f"!$A$1:$H${read.max_row}")


def test_the_workbook_keeps_its_look_folds_and_print_layout(as_bpkad, region):
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}&opd={opd_code(0)}"))
    rows = list(sheet.iter_rows())
    header = next(row for row in rows if row[0].value == "Kode")
    r = header[0].row
    # The title block merged across the table, the heading in 14 pt Arial bold.
    assert {str(m) for m in sheet.merged_cells.ranges} >= {f"A{i}:H{i}" for i in range(1, 6)}
    assert (sheet["A1"].font.name, sheet["A1"].font.sz, sheet["A1"].font.b) == ("Arial", 14, True)
    assert sheet["A5"].font.i
    # The column headers: filled, thin rules above and below, centred and wrapped, 30 pt high.
    for cell in header:
        assert cell.fill.fgColor.rgb == "FFE2E8F0"
        assert (cell.border.top.style, cell.border.bottom.style) == ("thin", "thin")
        assert cell.border.left.style == "hair"
        assert (cell.alignment.horizontal, cell.alignment.wrap_text) == ("center", True)
    assert sheet.row_dimensions[r].height == 30
    # Section rows filled, total rows bold on the header's fill.
    sections = [row for row in rows if row[0].value in ("4", "5", "6")]
    assert [row[0].fill.fgColor.rgb for row in sections] == ["FFF1F5F9"] * len(sections)
    total = next(row for row in rows if str(row[1].value).startswith("JUMLAH BELANJA"))
    assert total[2].font.b
    assert total[2].fill.fgColor.rgb == "FFE2E8F0"
    assert total[0].value is None  # no code on a total row
    # Detail rows: hairline borders, numbers right-aligned at the top, the category indented.
    program = next(row for row in rows if row[0].value == program_code(0, 0))
    sub = next(row for row in rows if row[0].value == f"{program_code(0, 0)}.2.01.0001")
    assert sub[1].border.bottom.style == "hair"
    assert (sub[2].alignment.horizontal, sub[2].alignment.vertical) == ("right", "top")
    assert sub[7].alignment.indent == 1
    assert sheet.row_dimensions[program[0].row].outline_level == 0
    assert sheet.row_dimensions[program[0].row + 1].outline_level == 1
    assert sheet.sheet_properties.outlinePr.summaryBelow is False
    # Printed: the print area covers the table and the signature, the footer names the region.
    assert sheet.print_area.endswith(f"!$A$1:$H${sheet.max_row}")
    assert sheet.oddFooter.left.text == f"Kabupaten Uji Laporan · Tahun {YEAR} s.d. Triwulan III"
    assert sheet.oddFooter.right.text == "Halaman &P dari &N"
    assert sheet.print_options.horizontalCentered
    assert (sheet.page_margins.left, sheet.page_margins.bottom) == (0.4, 0.6)


def test_a_long_name_gets_a_row_tall_enough_to_print_it(as_bpkad, region):
    long_name = "Penyediaan Jasa Pemeliharaan, Biaya Pemeliharaan dan Pajak Kendaraan " * 3
    from budget.models import SubKegiatan

    sub = SubKegiatan.objects.get(region=region, kode=f"{program_code(0, 0)}.2.01.0001")
    SubKegiatan.objects.filter(pk=sub.pk).update(nama=long_name.strip())
    sheet = workbook(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}&opd={opd_code(0)}"))
    row = next(row for row in sheet.iter_rows() if row[0].value == sub.kode)
    assert row[1].value == long_name.strip()
    assert row[1].alignment.wrap_text
    assert sheet.row_dimensions[row[0].row].height >= 3 * 13


# The PDF -------------------------------------------------------------------------------------


def test_the_region_pdf_names_the_region_period_and_printing_time_with_the_services_figures(
    as_bpkad, region, printed_at
):
    response = fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}")
    reader, text = pdf_text(response)
    assert "Laporan Realisasi Anggaran — Penyerapan Anggaran" in text
    assert "KABUPATEN UJI LAPORAN" in text.upper()
    assert "Tahun 2026 s.d. Triwulan III" in text
    assert FIXED_LABEL in text
    assert "Rupiah" in text
    total = totals(region)[Jenis.BELANJA.value]
    assert f"JUMLAH BELANJA DAERAH {format_number(total.pagu)}" in text
    assert format_number(total.realisasi_kumulatif) in text
    assert format_percent(round2(total.serapan)) in text
    program = absorption(region=region, tahun=YEAR, triwulan=TW, level="program", opd=opd_code(1))[
        0
    ]
    assert f"{program.kode} {program.nama} {format_number(program.pagu)}" in text
    assert format_percent(round2(program.serapan)) in text
    assert "Kepala BPKAD" in text
    assert "inline" in response["Content-Disposition"]
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_an_opd_pdf_shows_its_73_73_percent_and_its_programs(client, treasurer, printed_at):
    client.force_login(treasurer)
    _reader, text = pdf_text(fetch(client, f"/laporan/lra.pdf{PERIOD}&opd={opd_code(0)}"))
    assert f"{opd_name(0)} ({opd_code(0)})" in text
    assert "Tahun 2026 s.d. Triwulan III" in text
    assert FIXED_LABEL in text
    assert (
        "JUMLAH BELANJA DAERAH 4.000.000 3.000.000 2.949.200 1.050.800 73,73% Kurang Efektif"
        in text
    )
    assert "80,00%" in text  # program 1
    assert "64,33%" in text  # program 2
    assert "Pengguna Anggaran" in text
    assert "Kepala BPKAD" in text
    # TW III: the absorption categories are the year's, and said to be provisional.
    assert "kategori diukur terhadap pagu setahun: sementara sampai TW IV" in text


def test_the_lra_is_signed_by_the_regions_signatory_set_in_the_admin(as_bpkad, region, printed_at):
    Region.objects.filter(pk=region.pk).update(
        ttd_nama="Drs. Hadi Prasetyo",
        ttd_nip="19680505 199203 1 004",
        ttd_jabatan="Kepala BPKAD Kabupaten Uji",
        ttd_tempat="Kota Uji",
    )
    _reader, text = pdf_text(fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}&opd={opd_code(0)}"))
    assert "Kota Uji," in text
    assert "Kepala BPKAD Kabupaten Uji" in text
    assert "Drs. Hadi Prasetyo" in text
    assert "NIP. 19680505 199203 1 004" in text
    sheet = openpyxl.load_workbook(
        io.BytesIO(fetch(as_bpkad, f"/laporan/lra.xlsx{PERIOD}").content)
    ).active
    assert sheet is not None
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Drs. Hadi Prasetyo" in texts
    assert "NIP. 19680505 199203 1 004" in texts


def outline(reader: PdfReader) -> list:
    """The PDF's bookmarks as (title, page index, [titles beneath])."""
    entries, items = [], list(reader.outline)
    for i, item in enumerate(items):
        if isinstance(item, list):
            continue
        following = items[i + 1] if i + 1 < len(items) else None
        beneath = following if isinstance(following, list) else []
        titles = [b.title for b in beneath if not isinstance(b, list)]
        entries.append((item.title, reader.get_destination_page_number(item), titles))
    return entries


def page_texts(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_region_pdf_is_a_recapitulation_then_every_opd_under_its_own_bookmark(
    as_bpkad, region, printed_at
):
    reader, text = pdf_text(fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}"))
    entries = outline(reader)
    assert [title for title, _page, _beneath in entries] == [
        "Rekapitulasi per perangkat daerah",
        *(f"{opd_code(i)} {opd_name(i)}" for i in range(SMALL.opds)),
    ]
    assert [page for _title, page, _beneath in entries] == sorted(
        page for _title, page, _beneath in entries
    )
    # Each part's sections beneath it; only OPD 0 has financing.
    every = ["PENDAPATAN DAERAH", "BELANJA DAERAH", "PEMBIAYAAN DAERAH"]
    assert [beneath for _title, _page, beneath in entries] == [every, every] + [
        every[:2] for _ in range(SMALL.opds - 1)
    ]
    # The recapitulation: one row per OPD and jenis above the region's total.
    recap = " ".join(page_texts(reader)[: entries[1][1]])
    assert "rekapitulasi per perangkat daerah" in recap
    for row in absorption(region=region, tahun=YEAR, triwulan=TW, level="opd"):
        if row.jenis != Jenis.PEMBIAYAAN.value:
            assert f"{row.kode} {row.nama} {format_number(row.pagu)}" in recap
    total = totals(region)[Jenis.BELANJA.value]
    assert f"JUMLAH BELANJA DAERAH {format_number(total.pagu)}" in recap
    # Financing by kelompok: receipts and disbursements never added together.
    financing = absorption(
        region=region, tahun=YEAR, triwulan=TW, level="akun", depth=2, jenis=Jenis.PEMBIAYAAN.value
    )
    assert [row.kode for row in financing] == ["6.1", "6.2"]
    for row in financing:
        assert f"{row.kode} {row.nama} {format_number(row.pagu)}" in recap


@pytest.mark.parametrize("susunan", ["program", "rekening"])
def test_an_opd_printed_alone_has_the_very_pages_of_its_part_of_the_region_pdf(
    as_bpkad, region, printed_at, susunan
):
    whole, _text = pdf_text(fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}&susunan={susunan}"))
    alone, _text = pdf_text(
        fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}&susunan={susunan}&opd={opd_code(1)}")
    )
    first = next(page for title, page, _ in outline(whole) if title.startswith(opd_code(1)))
    pages = page_texts(alone)
    assert page_texts(whole)[first : first + len(pages)] == pages
    assert outline(alone) == [
        (f"{opd_code(1)} {opd_name(1)}", 0, ["PENDAPATAN DAERAH", "BELANJA DAERAH"])
    ]
    assert alone.pages[0].mediabox == whole.pages[first].mediabox


def test_the_pdf_by_rekening_lists_the_account_groups(as_bpkad, region, printed_at):
    _reader, text = pdf_text(fetch(as_bpkad, f"/laporan/lra.pdf{PERIOD}&susunan=rekening"))
    for kode, nama in [("5.1", "Belanja Operasi"), ("5.2", "Belanja Modal"), ("4.1", "")]:
        assert f"{kode} {nama}".strip() in text
    assert "susunan menurut rekening" in text


def test_the_known_answer_programs_of_magelang_print_as_published(client, region):
    """Dinas Pertanian dan Pangan, Kabupaten Magelang, 2019: serapan and category of every
    program and of the whole (73,73%, Kurang Efektif) as the reference data give them."""
    magelang_kode = "33.08"
    run_command(
        "import_dpa",
        REFERENCE_DIR / "magelang-2019-dpa.csv",
        region_kode=magelang_kode,
        region_nama="Kabupaten Magelang",
        no_progress=True,
    )
    run_command(
        "import_realisasi",
        REFERENCE_DIR / "magelang-2019-realisasi.csv",
        region_kode=magelang_kode,
        no_progress=True,
    )
    magelang = Region.objects.get(kode=magelang_kode)
    client.force_login(person(magelang, GROUP_KEPALA, name="bupati_magelang"))
    _reader, text = pdf_text(fetch(client, "/laporan/lra.pdf?tahun=2019&triwulan=4"))
    assert "Kabupaten Magelang" in text
    assert "Tahun 2019 s.d. Triwulan IV" in text
    with open(REFERENCE_DIR / "magelang-2019-expected.csv", encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    assert len(expected) >= 4
    for row in expected:
        kode, kategori = row["kode_program"], row["kategori_serapan"] or "—"
        if kode == "TOTAL":  # the study's belanja langsung: the report's belanja total
            kode = "JUMLAH BELANJA DAERAH"
        # A program with nothing budgeted has no serapan: a dash, never 0%.
        percent = row["serapan_persen"].replace(".", ",") + "%" if row["serapan_persen"] else "—"
        shown = re.search(rf"{re.escape(kode)} [^%—]*? {re.escape(percent)} ", text)
        assert shown, kode
        assert text[shown.end() :].startswith(kategori), kode


# The ranking sheet ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_ranking_pdf_is_one_page_listing_every_ranked_opd(client, regions, size, printed_at):
    region = regions[size]
    client.force_login(person(region, GROUP_KEPALA, name=f"kepala_{size}"))
    reader, text = pdf_text(client.get(f"/peringkat/cetak.pdf{PERIOD}"))
    assert len(reader.pages) == 1
    ranked, unranked = opd_ranking(region=region, tahun=YEAR, triwulan=TW)
    assert len(ranked) == (SMALL if size == "small" else LARGE).opds
    assert not unranked
    for r in ranked:
        assert r.row.kode in text
        assert r.row.nama in text
    assert region.nama in text
    assert "Tahun 2026 s.d. Triwulan III" in text
    assert FIXED_LABEL in text
    first = ranked[0].row
    assert f"{first.nama} {first.kode}" in text
    assert format_percent(round2(first.capaian_kas)) in text


def test_the_ranking_pdf_follows_the_chosen_measure_and_shows_the_obstacles(
    client, treasurer, treasurer_opd
):
    from budget.models import QuarterReport

    QuarterReport.objects.update_or_create(
        opd=treasurer_opd,
        tahun=YEAR,
        triwulan=TW,
        defaults={"region": treasurer_opd.region, "kendala": ["pengadaan", "juknis"]},
    )
    client.force_login(treasurer)  # the ranking is public inside the pemda
    _reader, text = pdf_text(client.get(f"/peringkat/cetak.pdf{PERIOD}&ukuran=serapan"))
    assert "diurutkan menurut serapan anggaran" in text
    assert "Keterlambatan pengadaan barang/jasa atau tender;" in text
    ranked, _unranked = opd_ranking(
        region=treasurer_opd.region, tahun=YEAR, triwulan=TW, measure="serapan"
    )
    names = [r.row.nama for r in ranked]
    positions = [text.index(f"{name} {r.row.kode}") for name, r in zip(names, ranked, strict=True)]
    assert positions == sorted(positions)


# Who may print what ----------------------------------------------------------------------------

OWN_OPD = f"&opd={opd_code(0)}"
OTHER_OPD = f"&opd={opd_code(1)}"


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("treasurer", f"/laporan/lra.pdf{PERIOD}{OWN_OPD}", 200),
        ("treasurer", f"/laporan/lra.xlsx{PERIOD}{OWN_OPD}", 200),
        ("treasurer", f"/laporan/lra.xlsx{PERIOD}{OTHER_OPD}", 403),
        ("treasurer", f"/laporan/lra.pdf{PERIOD}{OTHER_OPD}", 403),
        ("treasurer", f"/laporan/lra.xlsx{PERIOD}", 403),
        ("treasurer", f"/laporan/lra.pdf{PERIOD}", 403),
        ("treasurer", f"/peringkat/cetak.pdf{PERIOD}", 200),
        ("treasurer", f"/laporan/{PERIOD}", 200),
        ("other_treasurer", f"/laporan/lra.xlsx{PERIOD}{OWN_OPD}", 403),
        ("kepala_daerah", f"/laporan/lra.xlsx{PERIOD}", 200),
        ("kepala_daerah", f"/laporan/lra.xlsx{PERIOD}{OTHER_OPD}", 200),
        ("kepala_daerah", f"/peringkat/cetak.pdf{PERIOD}", 200),
        ("bpkad", f"/laporan/lra.xlsx{PERIOD}{OTHER_OPD}&susunan=rekening", 200),
        ("bpkad", f"/laporan/{PERIOD}", 200),
        ("nobody", f"/laporan/lra.xlsx{PERIOD}{OWN_OPD}", 403),
        ("nobody", f"/peringkat/cetak.pdf{PERIOD}", 403),
        ("nobody", f"/laporan/{PERIOD}", 403),
    ],
)
def test_reports_obey_the_pages_permissions(client, request, region, role, path, status):
    user = (
        person(region, None, name="tanpa_peran")
        if role == "nobody"
        else request.getfixturevalue(role)
    )
    client.force_login(user)
    assert fetch(client, path).status_code == status


@pytest.mark.parametrize(
    "path", ["/laporan/", "/laporan/lra.xlsx", "/laporan/lra.pdf", "/peringkat/cetak.pdf"]
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(anonymous, path):
    response = anonymous.get(path + PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_treasurers_report_page_offers_only_their_own_opd(client, treasurer, region):
    client.force_login(treasurer)
    page = client.get(f"/laporan/{PERIOD}").content.decode()
    assert f'value="{opd_code(0)}"' in page
    assert f'value="{opd_code(1)}"' not in page
    assert "Seluruh pemda" not in page


def test_the_report_page_offers_the_region_every_opd_both_arrangements_and_formats(as_bpkad):
    page = as_bpkad.get(f"/laporan/{PERIOD}&opd={opd_code(2)}&susunan=rekening").content.decode()
    assert "Seluruh pemda — Kabupaten Uji Laporan" in page
    for i in range(SMALL.opds):
        assert f'value="{opd_code(i)}"' in page
    assert f'<option value="{opd_code(2)}" selected>' in page
    assert 'value="rekening" checked' in page
    assert 'formaction="/laporan/lra.pdf"' in page
    assert 'formaction="/laporan/lra.xlsx"' in page
    assert f"/peringkat/cetak.pdf?tahun={YEAR}&amp;triwulan={TW}" in page


@pytest.mark.parametrize(
    ("path", "link"),
    [
        (f"/{PERIOD}", f"/laporan/lra.pdf?tahun={YEAR}&amp;triwulan={TW}&amp;susunan=program"),
        (f"/{PERIOD}", f"/laporan/lra.xlsx?tahun={YEAR}&amp;triwulan={TW}&amp;susunan=program"),
        (f"/{PERIOD}", f"/peringkat/cetak.pdf?tahun={YEAR}&amp;triwulan={TW}"),
        (
            f"/opd/{opd_code(1)}/{PERIOD}",
            f"/laporan/lra.xlsx?tahun={YEAR}&amp;triwulan={TW}&amp;opd={opd_code(1)}",
        ),
        (f"/peringkat/{PERIOD}", f"/peringkat/cetak.pdf?tahun={YEAR}&amp;triwulan={TW}"),
    ],
)
def test_the_pages_link_to_their_reports(as_bpkad, path, link):
    page = as_bpkad.get(path).content.decode()
    assert link in page
    found = re.search(re.escape(link) + r'[^"]*', page)
    assert found is not None
    target = found.group(0).replace("&amp;", "&")
    assert fetch(as_bpkad, target).status_code == 200


# Bad parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?tahun=abc&triwulan=zz", 200),  # the latest quarter, as on the pages
        ("?tahun=1999", 200),
        ("?tahun=2026&triwulan=9", 200),
        ("?tahun=99999999999999999999&triwulan=-1", 200),
        ("?susunan=bulanan", 400),
        ("?opd=abc", 400),
        ("?opd=%00", 400),
        ("?opd=1.02.0.00.0.00.01.0000'--", 400),
        ("?opd=9.99.0.00.0.00.01.0000", 404),
        ("?susunan=", 200),
        ("?opd=", 200),
    ],
)
@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_bad_parameters_are_refused_or_fall_back_never_an_error(as_bpkad, query, status, fmt):
    response = fetch(as_bpkad, f"/laporan/lra.{fmt}{query}")
    assert response.status_code == status


def test_a_bad_period_falls_back_to_the_latest_quarter_with_data(as_bpkad, printed_at):
    _reader, text = pdf_text(fetch(as_bpkad, "/laporan/lra.pdf?tahun=abc&triwulan=7"))
    assert "Tahun 2026 s.d. Triwulan III" in text


@pytest.mark.parametrize("query", ["?ukuran=lain", "?tahun=x&triwulan=0", "?ukuran="])
def test_the_ranking_pdf_falls_back_on_bad_parameters(as_bpkad, query):
    response = as_bpkad.get(f"/peringkat/cetak.pdf{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_post_is_not_allowed(as_bpkad):
    assert as_bpkad.post("/laporan/lra.xlsx").status_code == 405


def test_a_region_without_a_dpa_shows_the_empty_page_instead_of_a_report(client, db):
    empty = Region.objects.create(kode="33.96", nama="Kabupaten Kosong")
    client.force_login(person(empty, GROUP_BPKAD, name="bpkad_kosong"))
    for path in ("/laporan/", "/laporan/lra.xlsx", "/laporan/lra.pdf", "/peringkat/cetak.pdf"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Belum ada data" in response.content.decode(), path


# Query counts --------------------------------------------------------------------------------

# Every report starts with 6: session, user, the user's roles, their region, the years and who
# reported which quarter (the roll-ups and the reports handed in: budget.coverage). Then
# the criteria bands 1 and the totals 1; by program 1 for the three program levels (one pass,
# GROUPING SETS) and 3 for revenue and financing accounts (one at each of three depths, the
# names joined); by rekening 3; belanja by fund source 1.
# The region's report is a background job: the request records it (3: expired jobs purged 2,
# the job 1), the task runs (here inside the request: the job 1, its lock 1, running 1, the
# user's roles 1, the region 1, two phases 2, the report's 7 or 6, done 1, unlock 1), and the
# request notes the task's id and reads the job back (2).
QUERIES = {
    f"/laporan/lra.xlsx{PERIOD}": 27,
    f"/laporan/lra.xlsx{PERIOD}&susunan=rekening": 26,
    # + the OPD
    f"/laporan/lra.xlsx{PERIOD}&opd={opd_code(0)}": 14,
    f"/laporan/lra.pdf{PERIOD}&opd={opd_code(0)}": 14,
    f"/laporan/lra.pdf{PERIOD}&opd={opd_code(0)}&susunan=rekening": 13,
    # + bands 1, this quarter's and the previous quarter's ranking in one pass 1, the reports'
    # status 1
    f"/peringkat/cetak.pdf{PERIOD}": 9,
    # + the OPDs to choose from
    f"/laporan/{PERIOD}": 7,
}


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("path", list(QUERIES))
def test_a_report_costs_the_same_number_of_queries_whatever_the_data(
    client, regions, db, django_assert_num_queries, size, path
):
    region = regions[size]
    client.force_login(person(region, GROUP_BPKAD, name=f"bpkad_{size}"))
    with django_assert_num_queries(QUERIES[path]):
        response = client.get(path)
    region_job = path.startswith("/laporan/lra.") and "opd=" not in path
    assert response.status_code == (302 if region_job else 200)


# The region's PDF is printed OPD by OPD: the workbook's fixed part (27 less the report's 7 or
# 6 and its two phases: 18), the recapitulation 6 (bands, totals, the OPDs' figures, financing
# by kelompok 1, belanja by fund source 1, the OPDs), its phases 3 (figures, layout, none of
# the OPDs done yet); then per OPD its report (6 by program, 5 by rekening: the bands are
# shared) and the count of OPDs done on the job's page 1. Never the lines.
REGION_PDF_QUERIES = {"program": (27, 7), "rekening": (27, 6)}


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("susunan", list(REGION_PDF_QUERIES))
def test_the_region_pdf_costs_a_fixed_number_of_queries_and_so_many_per_opd(
    client, regions, db, django_assert_num_queries, size, susunan
):
    region = regions[size]
    client.force_login(person(region, GROUP_BPKAD, name=f"bpkad_{size}"))
    fixed, per_opd = REGION_PDF_QUERIES[susunan]
    with django_assert_num_queries(fixed + per_opd * region.opd_set.count()):
        response = client.get(f"/laporan/lra.pdf{PERIOD}&susunan={susunan}")
    assert response.status_code == 302


# Labels ----------------------------------------------------------------------------------------


def test_the_printing_time_is_written_the_indonesian_way_in_the_regions_time_zone():
    assert lra.tanggal_waktu(FIXED_PRINT) == "23 November 2026 19.05 WIB"
    assert lra.tanggal(datetime(2026, 1, 1, 1, 0, tzinfo=UTC)) == "1 Januari 2026"
    assert lra.periode(2026, 3) == "Tahun 2026 s.d. Triwulan III"


def test_a_sheet_whose_rows_differ_from_their_count_makes_no_file(region, monkeypatch):
    """The rows are counted before they are made (the sheet's head names the last): a layout
    that writes other than it counted is refused with a message, never a file with a wrong
    head."""
    from django.utils import translation

    from dashboard.reports import xlsx

    counted = xlsx._section_height
    monkeypatch.setattr(xlsx, "_section_height", lambda section: counted(section) + 1)
    report = lra.lra_report(region=region, tahun=YEAR, triwulan=TW)
    with translation.override("id"), pytest.raises(RuntimeError) as refused:
        xlsx.lra_workbook(report)
    message = str(refused.value)
    assert "kesalahan tata letak laporan, tidak ada berkas yang dibuat" in message
    assert re.search(r"berakhir di baris \d+, bukan di baris \d+", message)
