"""Files refused as a whole, before any row is looked at: what they are, their header.

Each case is checked through both the service (row and column of every error) and the command
(exit status non-zero, the place of the error on stderr). Messages are about to be translated,
so only rows, columns and stable fragments (column names, codes, numbers) are asserted.
"""

import pytest

from budget.importing import read_table
from budget.models import DpaLine, Realisasi, Region
from budget.money import parse_amount
from tests.factories import (
    DPA_COLUMNS,
    DPA_OPTIONAL_COLUMNS,
    REALISASI_COLUMNS,
    dpa_row,
    realisasi_row,
)
from tests.helpers import (
    dpa_refused,
    places,
    places_in,
    realisasi_refused,
    refusal,
    run_command,
)

pytestmark = pytest.mark.django_db

MONTH_COLUMNS = [f"kas_bulan_{m}" for m in range(1, 13)]
CONTRACT_DPA_HEADER = (
    "tahun,kode_opd,nama_opd,kode_program,nama_program,kode_kegiatan,nama_kegiatan,"
    "kode_sub_kegiatan,nama_sub_kegiatan,kode_rekening,uraian,pagu,kas_tw1,kas_tw2,kas_tw3,kas_tw4"
)
CONTRACT_REALISASI_HEADER = "tahun,triwulan,kode_opd,kode_sub_kegiatan,kode_rekening,realisasi"


def nothing_written():
    return not Region.objects.exists() and not DpaLine.objects.exists()


@pytest.fixture
def dpa(files):
    """The realisasi importer needs a DPA to match: one belanja line."""
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)


# --- what the file is -------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_it_refuses_an_empty_file(files, data):
    path = files.raw(data)
    errors = dpa_refused(path)
    assert places(errors) == {(None, None)}
    error, stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert stderr.strip()
    assert nothing_written()


def test_it_refuses_a_dpa_file_with_a_header_but_no_rows(files):
    path = files.csv([], DPA_COLUMNS)
    assert places(dpa_refused(path)) == {(None, None)}
    error, _stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert nothing_written()


def test_it_refuses_a_realisasi_file_with_a_header_but_no_rows(files, dpa):
    path = files.csv([], REALISASI_COLUMNS)
    assert places(realisasi_refused(path)) == {(None, None)}
    refusal("import_realisasi", path)


def test_it_refuses_a_binary_file(files):
    path = files.raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" * 4, name="dpa.csv")
    assert places(dpa_refused(path)) == {(None, None)}
    error, _stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert nothing_written()


def test_it_refuses_a_file_named_xlsx_that_is_not_a_spreadsheet(files):
    path = files.raw(b"tahun,kode_opd\n2024,x\n", name="dpa.xlsx")
    assert places(dpa_refused(path)) == {(None, None)}


def test_it_refuses_a_corrupt_xlsx_file(files):
    path = files.raw(b"PK\x03\x04" + b"\x01garbage" * 20, name="dpa.xlsx")
    assert places(dpa_refused(path)) == {(None, None)}
    refusal("import_dpa", path)


def test_it_refuses_a_csv_that_is_not_utf8_and_says_at_which_byte(files):
    path = files.csv(
        [dpa_row(nama_opd="Dinas Pekerjaan Umum dan Penataan Ruang é")], encoding="cp1252"
    )
    errors = dpa_refused(path)
    assert places(errors) == {(None, None)}
    offset = path.read_bytes().index(b"\xe9") + 1
    assert str(offset) in errors[0].message
    refusal("import_dpa", path)
    assert nothing_written()


def test_it_reads_a_utf8_csv_with_a_byte_order_mark(files):
    path = files.csv([dpa_row(nama_opd="Dinas Pangan é")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    table = read_table(path)
    assert table.columns == DPA_COLUMNS
    assert table.rows[0][1]["nama_opd"] == "Dinas Pangan é"


def test_it_refuses_a_missing_file():
    error, stderr = refusal("import_dpa", "/nonexistent/dpa.csv")
    assert error.returncode != 0
    assert "/nonexistent/dpa.csv" in stderr


# --- the header -------------------------------------------------------------------------------


def test_it_refuses_a_file_whose_header_is_not_the_dpa_header(files):
    path = files.csv([["2024", "a", "b"]], ["year", "office", "budget"])
    errors = dpa_refused(path)
    assert {e.row for e in errors} == {1}
    text = " ".join(e.message for e in errors)
    for column in ("tahun", "kode_opd", "pagu", "kas_tw1", "year", "office", "budget"):
        assert column in text
    error, stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert {row for row, _col in places_in(stderr, DPA_COLUMNS)} == {1}
    assert nothing_written()


def test_it_names_the_missing_columns(files):
    columns = [c for c in DPA_COLUMNS if c not in ("pagu", "kas_tw3")]
    path = files.csv([dpa_row()], columns)
    [error] = dpa_refused(path)
    assert error.row == 1
    assert "pagu" in error.message
    assert "kas_tw3" in error.message
    assert "kode_opd" not in error.message


def test_the_column_lists_are_the_contracts():
    """The importers' table gives the headers as DESIGN.md section 4 spells them."""
    assert CONTRACT_DPA_HEADER.split(",") == DPA_COLUMNS
    assert CONTRACT_REALISASI_HEADER.split(",") == REALISASI_COLUMNS
    assert [f"kas_bulan_{m}" for m in range(1, 13)] == MONTH_COLUMNS
    assert DPA_OPTIONAL_COLUMNS == ["sumber_dana"]


def test_it_names_the_unknown_columns(files):
    path = files.csv(
        [{**dpa_row(), "catatan": "x", "sumber_dana_lain": "DAU"}],
        [*DPA_COLUMNS, "catatan", "sumber_dana_lain"],
    )
    [error] = dpa_refused(path)
    assert error.row == 1
    assert "catatan" in error.message
    assert "sumber_dana_lain" in error.message
    refusal("import_dpa", path)
    assert nothing_written()


def test_the_optional_sumber_dana_column_is_a_known_column(files):
    run_command("import_dpa", files.csv([dpa_row(sumber_dana="DAU")]), no_progress=True)
    assert DpaLine.objects.get().sumber_dana == "DAU"


def test_the_realisasi_file_has_no_sumber_dana_column(files, dpa):
    path = files.csv(
        [{**realisasi_row(), "sumber_dana": "DAU"}], [*REALISASI_COLUMNS, "sumber_dana"]
    )
    [error] = realisasi_refused(path)
    assert error.row == 1
    assert "sumber_dana" in error.message


def test_a_header_in_capitals_and_with_spaces_around_the_names_is_accepted(files):
    path = files.csv([list(dpa_row().values())], [f" {c.upper()} " for c in DPA_COLUMNS])
    assert read_table(path).columns == DPA_COLUMNS


def test_it_refuses_a_header_giving_the_cash_plan_both_by_quarter_and_by_month(files):
    path = files.csv([dpa_row()], DPA_COLUMNS + MONTH_COLUMNS)
    [error] = dpa_refused(path)
    assert error.row == 1
    assert "kas_tw1" in error.message
    assert "kas_bulan_1" in error.message


def test_it_refuses_a_realisasi_file_with_a_dpa_header(files, dpa):
    path = files.csv([dpa_row()])
    errors = realisasi_refused(path)
    assert {e.row for e in errors} == {1}
    assert "triwulan" in " ".join(e.message for e in errors)
    assert "pagu" in " ".join(e.message for e in errors)
    error, stderr = refusal("import_realisasi", path)
    assert error.returncode != 0


def test_it_refuses_a_dpa_file_with_a_realisasi_header(files):
    path = files.csv([realisasi_row()])
    errors = dpa_refused(path)
    assert {e.row for e in errors} == {1}
    assert nothing_written()


# --- spreadsheets -----------------------------------------------------------------------------


def test_it_refuses_an_xlsx_file_with_a_formula_and_names_its_row_and_column(files):
    rows = [dpa_row(), dpa_row(kode_rekening="5.1.02.01.01.0002", pagu="=100000*4")]
    path = files.xlsx(rows, DPA_COLUMNS)
    errors = dpa_refused(path)
    assert places(errors) == {(3, "pagu")}
    error, stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert places_in(stderr, DPA_COLUMNS) == {(3, "pagu")}
    assert nothing_written()


def test_it_reports_every_formula_cell_of_a_spreadsheet(files):
    rows = [
        dpa_row(kas_tw1="=50000*2"),
        dpa_row(kode_rekening="5.1.02.01.01.0002", nama_opd="=A1", kas_tw4="=SUM(M3:O3)"),
    ]
    path = files.xlsx(rows, DPA_COLUMNS)
    assert places(dpa_refused(path)) == {(2, "kas_tw1"), (3, "nama_opd"), (3, "kas_tw4")}


def test_it_refuses_a_realisasi_spreadsheet_with_a_formula(files, dpa):
    path = files.xlsx([realisasi_row(realisasi="=25000*2")], REALISASI_COLUMNS)
    assert places(realisasi_refused(path)) == {(2, "realisasi")}
    assert not Realisasi.objects.exists()


def test_it_reads_numbers_typed_into_spreadsheet_cells(files):
    row: dict[str, object] = {
        **dpa_row(),
        "tahun": 2024,
        "pagu": 400000,
        "kas_tw1": 100000,
        "kas_tw2": 100000.5,
        "kas_tw3": 99999.5,
        "kas_tw4": 100000,
    }
    table = read_table(files.xlsx([row], DPA_COLUMNS))
    [(number, cells)] = table.rows
    assert number == 2
    assert cells["kode_opd"] == "1.02.0.00.0.00.01.0000"
    assert parse_amount(cells["pagu"]) == parse_amount("400000")
    assert parse_amount(cells["kas_tw2"]) == parse_amount("100000.50")


def test_an_xlsx_file_gives_the_fund_source_of_each_line_in_its_canonical_spelling(files):
    rows = [
        dpa_row(sumber_dana="dak fisik"),
        dpa_row(kode_rekening="5.1.02.01.01.0002", sumber_dana=" PAD "),
        dpa_row(kode_rekening="5.1.02.01.01.0003") | {"sumber_dana": None},  # an empty cell
        dpa_row(kode_rekening="5.1.02.01.01.0004", sumber_dana="Bantuan keuangan provinsi"),
    ]
    path = files.xlsx(rows, [*DPA_COLUMNS, "sumber_dana"])
    run_command("import_dpa", path, no_progress=True)
    assert dict(DpaLine.objects.values_list("account__kode", "sumber_dana")) == {
        "5.1.02.01.01.0001": "DAK Fisik",
        "5.1.02.01.01.0002": "PAD",
        "5.1.02.01.01.0003": "",
        "5.1.02.01.01.0004": "Bantuan Keuangan Provinsi",
    }


def test_an_xlsx_file_with_a_fund_source_in_free_text_is_refused_with_row_and_column(files):
    rows = [
        dpa_row(sumber_dana="DAU"),
        dpa_row(kode_rekening="5.1.02.01.01.0002", sumber_dana="APBN"),
        dpa_row(kode_rekening="5.1.02.01.01.0003") | {"sumber_dana": 2024},  # a number cell
    ]
    path = files.xlsx(rows, [*DPA_COLUMNS, "sumber_dana"])
    errors = dpa_refused(path)
    assert places(errors) == {(3, "sumber_dana"), (4, "sumber_dana")}
    assert "APBN" in errors[0].message
    assert "DAK Non Fisik" in errors[0].message
    error, stderr = refusal("import_dpa", path, no_progress=True)
    assert error.returncode == 1
    assert places_in(stderr, [*DPA_COLUMNS, "sumber_dana"]) == {
        (3, "sumber_dana"),
        (4, "sumber_dana"),
    }
    assert nothing_written()


def test_blank_rows_of_a_file_are_skipped_and_the_row_numbers_stay_those_of_the_file(files):
    path = files.csv([dpa_row(), {}, dpa_row(kode_rekening="5.1.02.01.01.0002", pagu="x")])
    text = path.read_text().replace(",,,,,,,,,,,,,,,\n", "\n")
    path.write_text(text)
    assert places(dpa_refused(path)) == {(4, "pagu")}


def test_blank_rows_of_a_spreadsheet_keep_the_row_numbers_of_the_sheet(files):
    rows = [
        dpa_row(),
        [None] * len(DPA_COLUMNS),
        dpa_row(kode_rekening="5.1.02.01.01.0002", pagu="x"),
    ]
    path = files.xlsx(rows, DPA_COLUMNS)
    assert places(dpa_refused(path)) == {(4, "pagu")}


# --- header shapes that pandas would otherwise rename or shift -------------------------------


def test_it_names_a_column_that_appears_twice_in_the_header(files):
    row = dpa_row()
    path = files.csv([[*row.values(), row["pagu"]]], [*DPA_COLUMNS, "pagu"])
    errors = dpa_refused(path)
    assert (1, "pagu") in places(errors)
    assert nothing_written()


def test_it_ignores_empty_columns_after_the_header(files):
    row = dpa_row()
    path = files.csv([[*row.values(), "", ""]], [*DPA_COLUMNS, "", ""])
    run_command("import_dpa", path, no_progress=True)
    assert DpaLine.objects.count() == 1


def test_it_refuses_a_column_with_data_but_no_name(files):
    row = dpa_row()
    path = files.csv([[*row.values(), "oops"]], [*DPA_COLUMNS, ""])
    errors = dpa_refused(path)
    assert (1, "Q") in places(errors)  # the 17th column, as a spreadsheet letters it
    assert nothing_written()


def test_it_refuses_a_first_row_with_more_fields_than_the_header(files):
    row = dpa_row()
    path = files.csv([[*row.values(), "extra"], list(row.values())], DPA_COLUMNS)
    errors = dpa_refused(path)
    assert [e.row for e in errors] == [2]
    assert "17" in str(errors[0])
    assert "16" in str(errors[0])
    assert nothing_written()


def test_it_finds_formulas_in_a_spreadsheet_written_with_namespace_prefixes(files):
    import zipfile

    path = files.xlsx([dpa_row()])
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    # Rewrite the pagu cell of row 2 (column L) as a prefixed formula cell.
    start = xml.index('<c r="L2"')
    end = xml.index("</c>", start) + len("</c>")
    xml = xml[:start] + '<x:c r="L2"><x:f>1+1</x:f><x:v>2</x:v></x:c>' + xml[end:]
    xml = xml.replace(
        "<worksheet ",
        '<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
        1,
    )
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert (2, "pagu") in places(dpa_refused(path))
    assert nothing_written()


def test_it_refuses_a_csv_whose_quoted_field_is_never_closed_and_names_its_row(files):
    rows = [dpa_row(kode_rekening=f"5.1.02.01.01.000{i}") for i in (1, 2, 3)]
    path = files.csv(rows)
    lines = path.read_text().splitlines(keepends=True)
    # Row 4's uraian opens a quote that nothing closes: the rest of the file would be one cell.
    lines[3] = lines[3].replace(",Belanja", ',"Belanja', 1)
    path.write_text("".join(lines))
    errors = dpa_refused(path)
    assert places(errors) == {(4, None)}
    assert "tanda kutip" in errors[0].message  # Indonesian, not the CSV module's English
    error, stderr = refusal("import_dpa", path)
    assert error.returncode != 0
    assert "baris 4" in stderr
    assert nothing_written()


def test_a_quote_opened_in_the_middle_of_a_file_is_refused_at_its_row(files):
    rows = [dpa_row(kode_rekening=f"5.1.02.01.01.000{i}") for i in (1, 2, 3)]
    path = files.csv(rows)
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace(",Belanja", ',"Belanja', 1)
    path.write_text("".join(lines))
    assert {e.row for e in dpa_refused(path)} == {3}
    assert nothing_written()


def test_every_row_with_more_fields_than_the_header_is_named(files):
    row = list(dpa_row().values())
    path = files.csv([row, [*row, "x"], row, [*row, "y", "z"]], DPA_COLUMNS)
    assert [e.row for e in dpa_refused(path)] == [3, 5]
    assert nothing_written()


def test_the_rows_of_a_file_are_read_again_from_the_file_not_held(files):
    """read_table() reads the header; the rows are streamed each time they are iterated."""
    path = files.csv([dpa_row(), dpa_row(kode_rekening="5.1.02.01.01.0002")])
    table = read_table(path)
    assert not isinstance(table.rows, list)
    assert [n for n, _cells in table.rows] == [2, 3]
    assert [n for n, _cells in table.rows] == [2, 3]
    assert len(table.rows) == 2
