"""The LRA report as a workbook ready to print: real numbers with number formats, a frozen
header, landscape A4 fitted to the page width, the header row repeated on every page."""

import io
import math

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import Outline, PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from budget.selectors import AbsorptionRow
from budget.spreadsheet import make_sheet_safe
from dashboard.reports.lra import LraLine, LraReport, LraSection

AMOUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "#,##0.00"  # serapan in percent as the service rounds it: 73.73
UNDEFINED = "—"  # a ratio over a zero pagu (DESIGN §2)

# Arial: the font every office machine has (Liberation Sans, its metric twin, elsewhere).
FONT = "Arial"
BASE = Font(name=FONT, size=10)
BOLD = Font(name=FONT, size=10, bold=True)
GROUP = Font(name=FONT, size=10, bold=True, color="334155")
TITLE = Font(name=FONT, bold=True, size=14)
SUBTITLE = Font(name=FONT, bold=True, size=12)
MUTED = Font(name=FONT, italic=True, color="475569", size=9)
HEADER_FILL = PatternFill("solid", fgColor="E2E8F0")
SECTION_FILL = PatternFill("solid", fgColor="F1F5F9")
TOTAL_FILL = PatternFill("solid", fgColor="E2E8F0")
THIN = Side(style="thin", color="94A3B8")
HAIR = Side(style="hair", color="CBD5E1")
HEADER_BORDER = Border(top=THIN, bottom=THIN, left=HAIR, right=HAIR)
ROW_BORDER = Border(bottom=HAIR, left=HAIR, right=HAIR)
TOTAL_BORDER = Border(top=THIN, bottom=THIN, left=HAIR, right=HAIR)
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER = Alignment(horizontal="right", vertical="top")
KATEGORI = Alignment(horizontal="left", vertical="top", indent=1)
LINE_HEIGHT = 13  # points, one line of Arial 10
URAIAN_WIDTH = 56


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


def lra_workbook(report: LraReport) -> bytes:
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # pragma: no cover - a new workbook holds one
        raise TypeError(f"a new workbook should hold one worksheet, not {sheet!r}")
    sheet.title = "LRA"
    book.properties.title = f"{report.title} {report.region.nama} {report.period_label}"
    book.properties.creator = "Serapan"
    columns = _columns(report)
    width = len(columns)

    header_row = _heading(sheet, report, width=width) + 2
    _column_headers(sheet, columns, header_row=header_row)
    r = header_row
    for section in report.sections:
        r = _section(sheet, section, r=r, width=width)
    last_row = _signature(sheet, report, r=r + 3, width=width)

    sheet.freeze_panes = f"C{header_row + 1}"
    sheet.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    _page_setup(
        sheet,
        report,
        header_row=header_row,
        last_row=last_row,
        last_column=get_column_letter(width),
    )
    # Names come from import files and the admin: none may reach Excel as a formula.
    make_sheet_safe(sheet)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(sheet: Worksheet, report: LraReport, *, width: int) -> int:
    """The title block, each line merged across the table; returns its last row."""
    heading = [
        (report.title, TITLE),
        (report.region.nama.upper(), SUBTITLE),
        (report.scope_label, BOLD),
        (
            report.period_label
            + " · "
            + gettext("arranged by %(susunan)s") % {"susunan": report.susunan_label},
            None,
        ),
        (report.printed_label + " · " + gettext("amounts in Rupiah"), MUTED),
    ]
    for r, (text, font) in enumerate(heading, start=1):
        sheet.cell(r, 1, text).font = font or BASE
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    return len(heading)


def _column_headers(sheet: Worksheet, columns: list[tuple[str, float]], *, header_row: int) -> None:
    for c, (label, col_width) in enumerate(columns, start=1):
        cell: Cell | MergedCell = sheet.cell(header_row, c, label)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(c)].width = col_width
    sheet.row_dimensions[header_row].height = 30


def _section(sheet: Worksheet, section: LraSection, *, r: int, width: int) -> int:
    """One section below row `r`: its title, note, lines and total; returns its last row."""
    r += 1
    sheet.cell(r, 1, section.kode)
    sheet.cell(r, 2, section.title)
    for c in range(1, width + 1):
        cell = sheet.cell(r, c)
        cell.font, cell.fill, cell.border = BOLD, SECTION_FILL, ROW_BORDER
    if section.note:
        r += 1
        sheet.cell(r, 2, section.note).font = MUTED
    for line in section.lines:
        r += 1
        _line_row(sheet, r, line)
    if section.total is not None and section.total_label is not None:
        r += 1
        _amount_row(sheet, r, section.total, kode="", uraian=section.total_label, font=BOLD)
        for c in range(1, width + 1):
            cell = sheet.cell(r, c)
            cell.fill, cell.border = TOTAL_FILL, TOTAL_BORDER
    return r


def _line_row(sheet: Worksheet, r: int, line: LraLine) -> None:
    font = (BOLD if line.level == 1 else GROUP) if line.subtotal else BASE
    _amount_row(sheet, r, line.row, kode=line.row.kode, uraian=line.row.nama, font=font)
    indent = 2 * (line.level - 1)
    # Excel indents only left-aligned text.
    sheet.cell(r, 2).alignment = Alignment(
        horizontal="left", vertical="top", wrap_text=True, indent=indent
    )
    _fit_height(sheet, r, line.row.nama, indent=indent)
    if line.level > 1:
        # Collapsible in Excel: the program (or kelompok) row stays, its detail folds.
        sheet.row_dimensions[r].outline_level = line.level - 1


def _signature(sheet: Worksheet, report: LraReport, *, r: int, width: int) -> int:
    """The signature block from row `r` in the last two columns; returns its last row."""
    sign = [
        report.printed_date,
        gettext("Head of BPKAD"),
        None,
        None,
        None,
        "(……………………………………)",
        "NIP. ",
    ]
    for offset, sign_text in enumerate(sign):
        if sign_text:
            cell = sheet.cell(r + offset, width - 1, sign_text)
            cell.font, cell.alignment = BASE, Alignment(horizontal="center")
            sheet.merge_cells(
                start_row=r + offset, start_column=width - 1, end_row=r + offset, end_column=width
            )
    return r + len(sign) - 1


def _fit_height(sheet: Worksheet, r: int, text: str, *, indent: int) -> None:
    """Give a wrapped name the lines it needs: neither Excel nor LibreOffice grows a row on
    opening a file, so a long name would print over the row below."""
    # Measured in LibreOffice with Arial 10: about 1.3 characters of mixed-case text per unit
    # of column width; capitals are wider.
    per_line = (URAIAN_WIDTH - indent) * (1.0 if text.isupper() else 1.3)
    lines = max(1, math.ceil(len(text) / per_line))
    if lines > 1:
        sheet.row_dimensions[r].height = LINE_HEIGHT * lines + 2


def _amount_row(
    sheet: Worksheet, r: int, row: AbsorptionRow, *, kode: str, uraian: str, font: Font
) -> None:
    values = [
        kode,
        uraian,
        row.pagu,
        row.kas_kumulatif,
        row.realisasi_kumulatif,
        row.sisa,
        row.serapan_persen if row.serapan_persen is not None else UNDEFINED,
        row.kategori_serapan or UNDEFINED,
    ]
    for c, value in enumerate(values, start=1):
        cell = sheet.cell(r, c, value)
        cell.font, cell.border, cell.alignment = font, ROW_BORDER, WRAP
        if 3 <= c <= 6:
            cell.number_format = AMOUNT_FORMAT
            cell.alignment = NUMBER
        elif c == 7:
            cell.number_format = PERCENT_FORMAT
            cell.alignment = NUMBER
        elif c == 8:
            cell.alignment = KATEGORI


def _page_setup(
    sheet: Worksheet, report: LraReport, *, header_row: int, last_row: int, last_column: str
) -> None:
    setup = sheet.page_setup
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = 0.5
    sheet.page_margins.bottom = 0.6
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{last_column}{last_row}"
    # Header and footer codes: &P page, &N pages; "&&" would print an ampersand.
    footer = sheet.oddFooter
    if footer is None:  # pragma: no cover - a worksheet is made with an empty header and footer
        raise RuntimeError("a new worksheet should have an (empty) footer")
    footer.left.text = f"{report.region.nama} · {report.period_label}".replace("&", "&&")
    footer.left.size = 8
    footer.right.text = gettext("Page &P of &N")
    footer.right.size = 8
