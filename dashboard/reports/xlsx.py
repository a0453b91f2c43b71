"""The LRA report as a workbook ready to print: real numbers with number formats, a frozen
header, landscape A4 fitted to the page width, the header row repeated on every page.

Written by xlsxwriter in `constant_memory` mode: each row goes to disk once it is complete, so
a region of ten thousand sub kegiatan costs what its rows cost to write, not an in-memory
model of every cell. Rows are therefore written strictly top to bottom, and every format is
made once per workbook (`_Formats`). `#,##0` is Excel's "thousands with the locale's
separator": an Indonesian Excel or LibreOffice shows `1.234.567`.
"""

import io
import math
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from budget.selectors import AbsorptionRow
from budget.spreadsheet import spreadsheet_safe
from dashboard.reports.lra import LraLine, LraReport, LraSection

AMOUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "#,##0.00"  # serapan in percent as the service rounds it: 73.73
UNDEFINED = "—"  # a ratio over a zero pagu (DESIGN §2)

# Arial: the font every office machine has (Liberation Sans, its metric twin, elsewhere).
FONT = "Arial"
BASE: dict[str, Any] = {"font_name": FONT, "font_size": 10}
BOLD = {**BASE, "bold": True}
GROUP = {**BASE, "bold": True, "font_color": "#334155"}
TITLE = {**BASE, "bold": True, "font_size": 14}
SUBTITLE = {**BASE, "bold": True, "font_size": 12}
MUTED = {**BASE, "italic": True, "font_color": "#475569", "font_size": 9}
THIN, HAIR = 1, 7  # xlsxwriter's border styles
THIN_COLOUR, HAIR_COLOUR = "#94A3B8", "#CBD5E1"
HEADER_BORDER = {
    "top": THIN,
    "bottom": THIN,
    "top_color": THIN_COLOUR,
    "bottom_color": THIN_COLOUR,
    "left": HAIR,
    "right": HAIR,
    "left_color": HAIR_COLOUR,
    "right_color": HAIR_COLOUR,
}
ROW_BORDER = {
    "bottom": HAIR,
    "bottom_color": HAIR_COLOUR,
    "left": HAIR,
    "right": HAIR,
    "left_color": HAIR_COLOUR,
    "right_color": HAIR_COLOUR,
}
TOTAL_BORDER = HEADER_BORDER
HEADER_FILL = {"pattern": 1, "bg_color": "#E2E8F0"}
SECTION_FILL = {"pattern": 1, "bg_color": "#F1F5F9"}
TOTAL_FILL = {"pattern": 1, "bg_color": "#E2E8F0"}
WRAP = {"text_wrap": True, "valign": "top"}
NUMBER = {"align": "right", "valign": "top"}
KATEGORI = {"align": "left", "valign": "top", "indent": 1}
LINE_HEIGHT = 13  # points, one line of Arial 10
URAIAN_WIDTH = 56
WIDTH = 8  # columns
SHOWN_AMOUNTS = ("pagu", "kas_kumulatif", "realisasi_kumulatif", "sisa")  # columns 3 to 6
OPTIONS = {
    "constant_memory": True,
    # Text is text: a name from an import file never becomes a formula, a link or a number.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def _columns(report: LraReport) -> list[tuple[str, float]]:
    return [
        (gettext("Code"), 21),
        (gettext("Description"), URAIAN_WIDTH),
        (gettext("Pagu (Rupiah)"), 19),
        (gettext("Cash Plan through %(tw)s (Rupiah)") % {"tw": report.tw}, 19),
        (gettext("Realisasi through %(tw)s (Rupiah)") % {"tw": report.tw}, 19),
        (gettext("Budget Left (Rupiah)"), 19),
        (gettext("Absorption (%)"), 10),
        (gettext("Category"), 15),
    ]


class _Formats:
    """Each combination of font, fill, border and alignment made once per workbook (Excel
    keeps a table of them; a format per cell would bloat it and slow the writer)."""

    def __init__(self, book: Workbook):
        self.book = book
        self._made: dict[tuple[str, ...], Format] = {}
        self._rows: dict[tuple[tuple[str, ...], int], tuple[Format, ...]] = {}

    def get(self, *parts: str, **extra: Any) -> Format:
        key = (*parts, *(f"{k}={v}" for k, v in sorted(extra.items())))
        made = self._made.get(key)
        if made is None:
            properties: dict[str, Any] = {}
            for part in parts:
                properties.update(_PARTS[part])
            properties.update(extra)
            made = self._made[key] = self.book.add_format(properties)
        return made

    def row(self, look: tuple[str, ...], indent: int) -> tuple[Format, ...]:
        """The formats of an amount row's cells: kode, uraian, amount, percent, kategori."""
        made = self._rows.get((look, indent))
        if made is None:
            made = self._rows[(look, indent)] = (
                self.get(*look, "wrap"),
                # Excel indents only left-aligned text.
                self.get(*look, "wrap", align="left", indent=indent),
                self.get(*look, "number", "amount"),
                self.get(*look, "number", "percent"),
                self.get(*look, "kategori"),
            )
        return made


_PARTS: dict[str, dict[str, Any]] = {
    "base": BASE,
    "bold": BOLD,
    "group": GROUP,
    "title": TITLE,
    "subtitle": SUBTITLE,
    "muted": MUTED,
    "header_border": HEADER_BORDER,
    "row_border": ROW_BORDER,
    "total_border": TOTAL_BORDER,
    "header_fill": HEADER_FILL,
    "section_fill": SECTION_FILL,
    "total_fill": TOTAL_FILL,
    "wrap": WRAP,
    "number": NUMBER,
    "kategori": KATEGORI,
    "amount": {"num_format": AMOUNT_FORMAT},
    "percent": {"num_format": PERCENT_FORMAT},
    "center": {"align": "center"},
    "header": {"align": "center", "valign": "vcenter", "text_wrap": True},
}


class _Sheet:
    """The worksheet and its formats, written top to bottom; `r` is the last row written
    (1-based, as the report's layout counts), each text cell passed through
    `spreadsheet_safe` and written as a string."""

    def __init__(self, sheet: Worksheet, formats: _Formats):
        self.sheet = sheet
        self.formats = formats

    def text(self, r: int, c: int, value: str, fmt: Format | None) -> None:
        self.sheet.write_string(r - 1, c - 1, spreadsheet_safe(value), fmt)

    def number(self, r: int, c: int, value: Decimal, fmt: Format) -> None:
        # A Decimal goes into the file as its own digits (xlsxwriter formats it with
        # `.16G`), not through a float.
        self.sheet.write_number(r - 1, c - 1, value, fmt)

    def blank(self, r: int, c: int, fmt: Format) -> None:
        self.sheet.write_blank(r - 1, c - 1, None, fmt)

    def merged(self, r: int, first: int, last: int, value: str, fmt: Format) -> None:
        self.sheet.merge_range(r - 1, first - 1, r - 1, last - 1, spreadsheet_safe(value), fmt)


def lra_workbook(report: LraReport) -> bytes:
    out = io.BytesIO()
    book = Workbook(out, OPTIONS)
    book.set_properties(
        {
            "title": f"{report.title} {report.region.nama} {report.period_label}",
            "author": "Serapan",
        }
    )
    worksheet = book.add_worksheet("LRA")
    sheet = _Sheet(worksheet, _Formats(book))
    columns = _columns(report)

    header_row = _heading(sheet, report) + 2
    _column_headers(sheet, columns, header_row=header_row)
    r = header_row
    for section in report.sections:
        r = _section(sheet, section, r=r)
    last_row = _signature(sheet, report, r=r + 3)

    worksheet.freeze_panes(header_row, 2)  # below the header, right of kode and uraian
    # The program (or kelompok) row sits above the detail it folds.
    worksheet.outline_settings(True, False, False, False)
    _page_setup(worksheet, report, header_row=header_row, last_row=last_row)
    if report.sources:
        _sources_sheet(book, sheet.formats, report)
    book.close()
    return out.getvalue()


def _sources_sheet(book: Workbook, formats: _Formats, report: LraReport) -> None:
    """Belanja by fund source on a sheet of its own, in the LRA sheet's columns: the same
    belanja again, by the fund source of its DPA lines (never added to the LRA's totals)."""
    worksheet = book.add_worksheet(gettext("Fund sources"))
    sheet = _Sheet(worksheet, formats)
    header_row = _heading(sheet, report) + 2
    _column_headers(sheet, _columns(report), header_row=header_row)
    r = header_row + 1
    fmt = sheet.formats.get("bold", "section_fill", "row_border")
    sheet.text(r, 1, "5", fmt)
    sheet.text(r, 2, gettext("SPENDING BY FUND SOURCE"), fmt)
    for c in range(3, WIDTH + 1):
        sheet.blank(r, c, fmt)
    for row in report.sources:
        r += 1
        _amount_row(sheet, r, row, kode="", uraian=row.nama, look=("base", "row_border"))
    total = next((s.total for s in report.sections if s.jenis == "belanja" and s.total), None)
    if total is not None:
        r += 1
        label = gettext("TOTAL REGIONAL SPENDING")
        _amount_row(
            sheet, r, total, kode="", uraian=label, look=("bold", "total_fill", "total_border")
        )
    worksheet.freeze_panes(header_row, 2)
    _page_setup(worksheet, report, header_row=header_row, last_row=r)


def _heading(sheet: _Sheet, report: LraReport) -> int:
    """The title block, each line merged across the table; returns its last row."""
    heading = [
        (report.title, "title"),
        (report.region.nama.upper(), "subtitle"),
        (report.scope_label, "bold"),
        (
            report.period_label
            + " · "
            + gettext("arranged by %(susunan)s") % {"susunan": report.susunan_label},
            "base",
        ),
        (report.printed_label + " · " + gettext("amounts in Rupiah"), "muted"),
    ]
    for r, (text, font) in enumerate(heading, start=1):
        sheet.merged(r, 1, WIDTH, text, sheet.formats.get(font))
    return len(heading)


def _column_headers(sheet: _Sheet, columns: list[tuple[str, float]], *, header_row: int) -> None:
    fmt = sheet.formats.get("bold", "header_fill", "header_border", "header")
    for c, (_label, col_width) in enumerate(columns):
        sheet.sheet.set_column(c, c, col_width)
    sheet.sheet.set_row(header_row - 1, 30)
    for c, (label, _col_width) in enumerate(columns, start=1):
        sheet.text(header_row, c, label, fmt)


def _section(sheet: _Sheet, section: LraSection, *, r: int) -> int:
    """One section below row `r`: its title, note, lines and total; returns its last row."""
    r += 1
    fmt = sheet.formats.get("bold", "section_fill", "row_border")
    sheet.text(r, 1, section.kode, fmt)
    sheet.text(r, 2, section.title, fmt)
    for c in range(3, WIDTH + 1):
        sheet.blank(r, c, fmt)
    if section.note:
        r += 1
        sheet.text(r, 2, section.note, sheet.formats.get("muted"))
    for line in section.lines:
        r += 1
        _line_row(sheet, r, line)
    if section.total is not None and section.total_label is not None:
        r += 1
        _amount_row(
            sheet,
            r,
            section.total,
            kode="",
            uraian=section.total_label,
            look=("bold", "total_fill", "total_border"),
        )
    return r


def _line_row(sheet: _Sheet, r: int, line: LraLine) -> None:
    font = ("bold" if line.level == 1 else "group") if line.subtotal else "base"
    indent = 2 * (line.level - 1)
    height = _fit_height(line.row.nama, indent=indent)
    # Collapsible in Excel: the program (or kelompok) row stays, its detail folds.
    level = line.level - 1 if line.level > 1 else 0
    if height is not None or level:
        sheet.sheet.set_row(r - 1, height, None, {"level": level})
    _amount_row(
        sheet,
        r,
        line.row,
        kode=line.row.kode,
        uraian=line.row.nama,
        look=(font, "row_border"),
        indent=indent,
    )


def _signature(sheet: _Sheet, report: LraReport, *, r: int) -> int:
    """The signature block from row `r` in the last two columns; returns its last row."""
    region = report.region  # the signatory BPKAD sets in the admin; blanks to sign by hand
    sign = [
        (f"{region.ttd_tempat}, " if region.ttd_tempat else "") + report.printed_date,
        region.ttd_jabatan or gettext("Head of BPKAD"),
        None,
        None,
        None,
        region.ttd_nama or "(……………………………………)",
        f"NIP. {region.ttd_nip}",
    ]
    fmt = sheet.formats.get("base", "center")
    for offset, sign_text in enumerate(sign):
        if sign_text:
            sheet.merged(r + offset, WIDTH - 1, WIDTH, sign_text, fmt)
    return r + len(sign) - 1


def _fit_height(text: str, *, indent: int) -> float | None:
    """The height a wrapped name needs, None for one line: neither Excel nor LibreOffice
    grows a row on opening a file, so a long name would print over the row below."""
    # Measured in LibreOffice with Arial 10: about 1.3 characters of mixed-case text per unit
    # of column width; capitals are wider.
    per_line = (URAIAN_WIDTH - indent) * (1.0 if text.isupper() else 1.3)
    lines = max(1, math.ceil(len(text) / per_line))
    return LINE_HEIGHT * lines + 2 if lines > 1 else None


def _amount_row(
    sheet: _Sheet,
    r: int,
    row: AbsorptionRow,
    *,
    kode: str,
    uraian: str,
    look: tuple[str, ...],
    indent: int = 0,
) -> None:
    kode_format, uraian_format, amount, percent, kategori = sheet.formats.row(look, indent)
    sheet.text(r, 1, kode, kode_format)
    sheet.text(r, 2, uraian, uraian_format)
    # The amounts and the one measure shown, read straight from the row (a region's report
    # writes ten thousand rows and more).
    amounts = row.amounts
    for c, key in enumerate(SHOWN_AMOUNTS, start=3):
        sheet.number(r, c, amounts[key], amount)
    serapan = row.measure("serapan")
    if serapan is not None and serapan.ratio is not None:
        sheet.number(r, 7, serapan.persen, percent)  # type: ignore[arg-type]  # ratio is set
    else:
        sheet.text(r, 7, UNDEFINED, percent)
    label = serapan.label if serapan is not None else None
    sheet.text(r, 8, label or UNDEFINED, kategori)


def _page_setup(worksheet: Worksheet, report: LraReport, *, header_row: int, last_row: int) -> None:
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.fit_to_pages(1, 0)  # one page wide, as many pages down as needed
    worksheet.center_horizontally()
    worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    worksheet.repeat_rows(header_row - 1)
    worksheet.print_area(0, 0, last_row - 1, WIDTH - 1)
    # Header and footer codes: &P page, &N pages, &8 the size; "&&" prints an ampersand.
    left = f"{report.region.nama} · {report.period_label}".replace("&", "&&")
    right = gettext("Page &P of &N")
    worksheet.set_footer(f"&L&8{left}&R&8{right}")
