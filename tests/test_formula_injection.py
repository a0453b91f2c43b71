"""CSV and formula injection (issue 9): text a spreadsheet would run as a formula is written with
a leading `'` in every CSV and XLSX export, numbers stay numbers, and the importers refuse
exactly the text the exporters neutralise."""

import csv
import io
import string
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from budget.importing.common import check_text
from budget.importing.errors import RowError
from budget.spreadsheet import FORMULA_PREFIXES, spreadsheet_safe
from tests.factories import (
    AccountFactory,
    DpaLineFactory,
    KegiatanFactory,
    OpdFactory,
    ProgramFactory,
    RealisasiFactory,
    RegionFactory,
    SubKegiatanFactory,
    dpa_row,
)
from tests.helpers import dpa_refused, fetch, places, run_command

HYPERLINK = '+HYPERLINK("http://x","y")'
CMD = "-cmd|' /C calc'!A0"
SUM = "=SUM(1+1)*cmd|' /C calc'!A0"
AT = "@SUM(A1)"
TAB = "\t=1+1"
CR = "\r=1+1"
HOSTILE = (HYPERLINK, CMD, SUM, AT, TAB, CR)
YEAR = 2024


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_gets_a_leading_quote(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [Decimal("-1500.00"), -3, Decimal("0.00"), 12.5, None, "Dinas Kesehatan", "1.02.01", ""],
)
def test_numbers_and_ordinary_text_are_left_as_they_are(value):
    assert spreadsheet_safe(value) == value
    assert type(spreadsheet_safe(value)) is type(value)


def _refused(text: str) -> bool:
    errors: list[RowError] = []
    check_text(text, 2, "uraian", errors)
    return bool(errors)


def test_the_importers_refuse_exactly_the_leading_characters_the_exports_neutralise():
    candidates = set(string.printable) | {"\u00a0", "—", "'"}
    refused = {c for c in candidates if _refused(c + "Belanja")}
    neutralised = {c for c in candidates if spreadsheet_safe(c + "Belanja") != c + "Belanja"}
    assert refused == neutralised == FORMULA_PREFIXES


def test_a_character_inside_the_text_is_no_formula():
    assert not _refused("Belanja Alat-Bahan = ATK + lain-lain @ kantor")


@pytest.mark.parametrize(
    ("column", "text"),
    [("nama_opd", HYPERLINK), ("uraian", CMD), ("nama_program", AT), ("nama_kegiatan", SUM)],
)
def test_an_import_refuses_a_name_that_starts_like_a_formula(db, files, column, text):
    errors = dpa_refused(files.csv([dpa_row(**{column: text})]))
    assert places(errors) == {(2, column)}
    assert repr(text[:1]) in errors[0].message


# --- every export ----------------------------------------------------------------------------


@pytest.fixture
def hostile_region(db):
    """One OPD whose every name starts like a formula, with a belanja line spent beyond its
    pagu in TW I (a negative sisa), and another OPD behind its cash plan."""
    region = RegionFactory.create(nama=AT + " Kabupaten")
    opd = OpdFactory.create(region=region, nama=HYPERLINK)
    program = ProgramFactory.create(region=region, nama=SUM)
    kegiatan = KegiatanFactory.create(region=region, program=program, nama=AT)
    sub = SubKegiatanFactory.create(region=region, kegiatan=kegiatan, nama=TAB)
    account = AccountFactory.create(region=region, uraian=CMD)
    line = DpaLineFactory.create(
        region=region, opd=opd, sub_kegiatan=sub, account=account, tahun=YEAR
    )
    RealisasiFactory.create(line=line, triwulan=1, jumlah=line.pagu + Decimal("500.00"))
    # A second OPD, behind its cash plan in TW I: a negative gap to plan in the ranking.
    behind = DpaLineFactory.create(region=region, opd__nama=CR, tahun=YEAR)
    RealisasiFactory.create(line=behind, triwulan=1, jumlah=Decimal("100000.00"))
    return region


@pytest.fixture
def treasurer_opd(hostile_region):
    """The role fixtures of tests/conftest.py live in the hostile region."""
    return hostile_region.opd_set.get(nama=HYPERLINK)


@pytest.fixture
def reader(bpkad) -> Client:
    client = Client()
    client.force_login(bpkad)
    return client


def _csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_cells(content: bytes) -> list[openpyxl.cell.cell.Cell]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _assert_no_live_text(texts: list[str]) -> None:
    """No text starts like a formula; a CSV's negative amount (`-500.00`) is a number."""
    live = [t for t in texts if t[:1] in FORMULA_PREFIXES and not _is_number(t)]
    assert live == [], live


def _assert_csv_safe(content: bytes, *names: str) -> list[list[str]]:
    cells = _csv_cells(content)
    flat = [value for row in cells for value in row]
    for name in names:
        assert "'" + name in flat
    _assert_no_live_text(flat)
    return cells


def _assert_xlsx_safe(content: bytes, *names: str) -> list:
    cells = _xlsx_cells(content)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for name in names:
        assert "'" + name.replace("\r", "\n") in texts  # XML reads a carriage return as \n
    _assert_no_live_text(texts)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return cells


EXPORTS = [
    pytest.param("/", {"_tabel": "opd"}, (HYPERLINK,), id="overview OPD table"),
    pytest.param("/opd/{opd}/", {"_tabel": "rincian"}, (SUM,), id="OPD page programs"),
    pytest.param(
        "/opd/{opd}/",
        {"_tabel": "rincian", "rinci": "sub_kegiatan", "induk": "{kegiatan}"},
        (TAB,),
        id="OPD page sub kegiatan",
    ),
    pytest.param("/opd/{opd}/", {"_tabel": "rekening", "akun": 6}, (CMD,), id="OPD accounts"),
    pytest.param("/peringkat/", {"_tabel": "peringkat"}, (HYPERLINK, CR), id="ranking"),
]


def _get(reader: Client, url: str, query: dict, region, fmt: str) -> bytes:
    opd = region.opd_set.get(nama=HYPERLINK)
    kegiatan = region.kegiatan_set.get(nama=AT)
    fill = {"opd": opd.kode, "kegiatan": kegiatan.kode}
    query = {k: v.format(**fill) if isinstance(v, str) else v for k, v in query.items()}
    response = reader.get(
        url.format(**fill), {**query, "_export": fmt, "tahun": YEAR, "triwulan": 1}
    )
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize(("url", "query", "names"), EXPORTS)
def test_every_csv_export_writes_formula_text_safely(reader, hostile_region, url, query, names):
    _assert_csv_safe(_get(reader, url, query, hostile_region, "csv"), *names)


@pytest.mark.parametrize(("url", "query", "names"), EXPORTS)
def test_every_xlsx_export_writes_formula_text_safely_and_keeps_numbers(
    reader, hostile_region, url, query, names
):
    cells = _assert_xlsx_safe(_get(reader, url, query, hostile_region, "xlsx"), *names)
    numbers = [c.value for c in cells if c.data_type == "n"]
    assert numbers, "amounts are exported as number cells"
    assert any(n < 0 for n in numbers), "a negative figure stays a (negative) number"


def test_the_ranking_csv_keeps_a_negative_gap_to_plan_a_number(reader, hostile_region):
    cells = _csv_cells(_get(reader, "/peringkat/", {"_tabel": "peringkat"}, hostile_region, "csv"))
    header, *rows = cells
    gap = header.index("Selisih dari rencana (Rp)")
    row = next(r for r in rows if r[header.index("OPD")] == "'" + CR)
    assert Decimal(row[gap]) == Decimal("-150000.00")  # a number, not "'-150000.00"


@pytest.mark.parametrize("susunan", ["program", "rekening"])
def test_the_lra_workbook_writes_formula_text_safely(reader, hostile_region, susunan):
    # The region's workbook is made by a background job (run at once in the tests).
    response = fetch(
        reader, "/laporan/lra.xlsx", {"tahun": YEAR, "triwulan": 1, "susunan": susunan}
    )
    assert response.status_code == 200
    names = (SUM, AT, TAB) if susunan == "program" else (CMD,)
    cells = _assert_xlsx_safe(response.content, *names)
    assert any(isinstance(c.value, str) and c.value.startswith("'@") for c in cells)  # region
    assert any(c.data_type == "n" and c.value < 0 for c in cells)  # the negative sisa


def test_absorption_report_csv_writes_formula_text_safely(hostile_region):
    out = run_command("absorption_report", tahun=YEAR, triwulan=1, level="opd", format="csv")
    cells = _assert_csv_safe(out.encode(), HYPERLINK)
    header, *rows = cells
    row = next(r for r in rows if r[header.index("nama")] == "'" + HYPERLINK)
    assert Decimal(row[header.index("sisa")]) == Decimal("-500.00")


@pytest.mark.parametrize(("level", "name"), [("program", SUM), ("akun", CMD)])
def test_absorption_report_csv_at_every_level(hostile_region, level, name):
    options = {"depth": 6} if level == "akun" else {}
    out = run_command(
        "absorption_report", tahun=YEAR, triwulan=1, level=level, format="csv", **options
    )
    _assert_csv_safe(out.encode(), name)
