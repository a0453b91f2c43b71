"""The SpreadsheetML writer of the printable workbook (dashboard.reports.ooxml), read back by
openpyxl: text of any kind comes back as written, numbers as their own digits, every part is
well-formed XML, each format is stored once."""

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree

import openpyxl
import pytest

from dashboard.reports import ooxml
from dashboard.reports.ooxml import Alignment, Border, Edge, Font, PageSetup, Sheet, Style, Styles

TEXTS = [
    "Belanja Barang & Jasa <BLUD>",
    "  leading and trailing spaces  ",
    "a control\x01character and a tab\tinside",
    "literally _x0041_ in a name",
    "Ñ, é, — and 😀",
]
BOLD = Style(font=Font(name="Arial", size=10, bold=True), fill="E2E8F0")


def book(rows: list[str], styles: Styles, **kwargs) -> bytes:
    sheet = Sheet(
        name="LRA",
        widths=[20.7109375, 10.7109375],
        rows=rows,
        last_row=len(rows),
        last_column=2,
        **kwargs,
    )
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    return ooxml.workbook(sheet, styles, title="Judul & <uji>", author="Serapan", created=created)


def test_text_of_any_kind_comes_back_as_written():
    styles = Styles()
    s = styles.add(BOLD)
    rows = [
        ooxml.row_xml(r, ooxml.text_cell(f"A{r}", s, text)) for r, text in enumerate(TEXTS, start=1)
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(book(rows, styles))).active
    assert sheet is not None
    # A control character cannot be written in XML: it is written as SpreadsheetML's escape,
    # and a text that holds such an escape has its underscore escaped, as Excel reads them
    # (openpyxl shows the escapes as they are written).
    expected = [t.replace("\x01", "_x0001_").replace("_x0041_", "_x005F_x0041_") for t in TEXTS]
    assert [sheet.cell(r, 1).value for r in range(1, len(TEXTS) + 1)] == expected


def test_numbers_are_written_as_their_own_digits():
    styles = Styles()
    s = styles.add(Style(num_format="#,##0"))
    values: list[Decimal | int] = [
        Decimal("42498101625.50"),
        Decimal("-0.01"),
        Decimal("0.00"),
        Decimal("1E+3"),
        7,
    ]
    rows = [
        ooxml.row_xml(r, ooxml.number_cell(f"B{r}", s, v)) for r, v in enumerate(values, start=1)
    ]
    content = book(rows, styles)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>42498101625.50</v>" in xml
    assert "<v>1000</v>" in xml  # never in exponent notation
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert [sheet.cell(r, 2).value for r in range(1, 6)] == [42498101625.5, -0.01, 0, 1000, 7]
    assert sheet.cell(1, 2).number_format == "#,##0"


def test_every_part_is_well_formed_and_each_format_is_stored_once():
    styles = Styles()
    first = styles.add(BOLD)
    assert styles.add(Style(font=Font(name="Arial", size=10, bold=True), fill="E2E8F0")) == first
    hair = Edge("hair", "CBD5E1")
    other = styles.add(
        Style(
            border=Border(left=hair, right=hair, bottom=hair),
            alignment=Alignment(horizontal="left", vertical="top", wrap=True, indent=2),
        )
    )
    assert other == first + 1
    rows = [
        ooxml.row_xml(1, ooxml.text_cell("A1", first, "x") + ooxml.blank_cell("B1", other)),
        ooxml.row_xml(2, ooxml.text_cell("A2", first, "across") + ooxml.blank_cell("B2", first)),
    ]
    content = book(
        rows,
        styles,
        merged=["A2:B2"],
        freeze=(1, 1),
        repeat_rows=(1, 1),
        print_area="A1:B2",
        page=PageSetup(footer="&L&8Kabupaten A & B&R&8Halaman &P dari &N"),
    )
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            ElementTree.fromstring(z.read(name))  # noqa: S314 (our own output) raises if malformed
        styles_xml = z.read("xl/styles.xml").decode()
    assert '<cellXfs count="3">' in styles_xml  # the default and the two above
    loaded = openpyxl.load_workbook(io.BytesIO(content))
    assert loaded.properties.title == "Judul & <uji>"
    sheet = loaded.active
    assert sheet is not None
    assert sheet.freeze_panes == "B2"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddFooter.left.text == "Kabupaten A & B"
    assert sheet["B1"].alignment.indent == 2
    assert sheet["B1"].border.left.color.rgb == "FFCBD5E1"
    assert [str(m) for m in sheet.merged_cells.ranges] == ["A2:B2"]
    assert sheet.print_area.endswith("!$A$1:$B$2")


def test_rows_made_as_they_are_written_may_add_styles_and_their_errors_come_through():
    styles = Styles()

    def rows():
        # A style first used halfway through the sheet, as the LRA's rows are made while the
        # sheet is deflated (by a thread of its own).
        for r in range(1, 2 * ooxml.CHUNK_ROWS + 2):
            s = styles.add(BOLD) if r > ooxml.CHUNK_ROWS else 0
            yield ooxml.row_xml(r, ooxml.number_cell(f"A{r}", s, r))

    last = 2 * ooxml.CHUNK_ROWS + 1
    sheet = Sheet(name="LRA", widths=[10.7109375], rows=rows(), last_row=last, last_column=1)
    created = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    content = ooxml.workbook(sheet, styles, title="t", author="Serapan", created=created)
    read = openpyxl.load_workbook(io.BytesIO(content)).active
    assert read is not None
    assert [read.cell(r, 1).value for r in (1, ooxml.CHUNK_ROWS, last)] == [
        1,
        ooxml.CHUNK_ROWS,
        last,
    ]
    assert not read.cell(1, 1).font.b
    assert read.cell(last, 1).font.b

    def broken():
        yield ooxml.row_xml(1, ooxml.number_cell("A1", 0, 1))
        raise ValueError("a row that cannot be made")

    sheet = Sheet(name="LRA", widths=[10.7109375], rows=broken(), last_row=1, last_column=1)
    with pytest.raises(ValueError, match="cannot be made"):
        ooxml.workbook(sheet, styles, title="t", author="Serapan", created=created)
