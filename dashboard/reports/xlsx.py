"""The LRA report as a workbook ready to print: real numbers with number formats, a frozen
header, landscape A4 fitted to the page width, the header row repeated on every page, the
program (or kelompok) rows folding the detail beneath them.

Written as SpreadsheetML text row by row (`dashboard.reports.ooxml`): a region of ten
thousand sub kegiatan costs what its rows cost to format, each kind of row's cell styles
looked up once (`_Formats`), the text inline. `#,##0` is Excel's "thousands with the
locale's separator": an Indonesian Excel or LibreOffice shows `1.234.567`.
"""

import math
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from budget.money import format_number
from budget.selectors import AbsorptionRow
from budget.spreadsheet import spreadsheet_safe
from dashboard.reports import ooxml
from dashboard.reports.collector import collector_paused
from dashboard.reports.lra import LraLine, LraReport, LraSection
from dashboard.reports.ooxml import Alignment, Border, Edge, Font, Style, text_cell

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
THIN, HAIR = "thin", "hair"
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
HEADER_FILL = {"bg_color": "#E2E8F0"}
SECTION_FILL = {"bg_color": "#F1F5F9"}
TOTAL_FILL = {"bg_color": "#E2E8F0"}
WRAP = {"text_wrap": True, "valign": "top"}
NUMBER = {"align": "right", "valign": "top"}
KATEGORI = {"align": "left", "valign": "top", "indent": 1}
LINE_HEIGHT = 13  # points, one line of Arial 10
URAIAN_WIDTH = 56
WIDTH = 8  # columns
SIGNATURE_GAP = 3  # rows from the last section's to the signature's first
SHEET_NAME = "LRA"
# The width Excel stores for a column of n characters of the default font: n plus its
# padding (5 pixels of a 7-pixel character).
WIDTH_PADDING = 0.7109375


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


def _colour(value: str | None) -> str | None:
    return value.lstrip("#").upper() if value else None


def _style(properties: dict[str, Any]) -> Style:
    """A cell format from the look's properties (font_*, bold, italic, bg_color, the four
    borders and their colours, align, valign, indent, text_wrap, num_format)."""
    p = properties

    def edge(side: str) -> Edge | None:
        style = p.get(side)
        return Edge(style, _colour(p[f"{side}_color"]) or "000000") if style else None

    valign = p.get("valign")
    return Style(
        font=Font(
            name=p.get("font_name", "Calibri"),
            size=p.get("font_size", 11),
            bold=p.get("bold", False),
            italic=p.get("italic", False),
            color=_colour(p.get("font_color")),
        ),
        fill=_colour(p.get("bg_color")),
        border=Border(edge("left"), edge("right"), edge("top"), edge("bottom")),
        alignment=Alignment(
            horizontal=p.get("align"),
            vertical="center" if valign == "vcenter" else valign,
            wrap=p.get("text_wrap", False),
            indent=p.get("indent", 0),
        ),
        num_format=p.get("num_format"),
    )


class _Formats:
    """Each combination of font, fill, border and alignment made once per workbook (Excel
    keeps a table of them; a format per cell would bloat it)."""

    def __init__(self) -> None:
        self.styles = ooxml.Styles()
        self._made: dict[tuple[str, ...], int] = {}
        self._rows: dict[tuple[tuple[str, ...], int], tuple[int, ...]] = {}

    def get(self, *parts: str, **extra: Any) -> int:
        key = (*parts, *(f"{k}={v}" for k, v in sorted(extra.items())))
        made = self._made.get(key)
        if made is None:
            properties: dict[str, Any] = {}
            for part in parts:
                properties.update(_PARTS[part])
            properties.update(extra)
            made = self._made[key] = self.styles.add(_style(properties))
        return made

    def row(self, look: tuple[str, ...], indent: int) -> tuple[int, ...]:
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
    """The rows of the sheet, written top to bottom (`r` is 1-based, as the report's layout
    counts); each text cell passed through `spreadsheet_safe` and written as text."""

    def __init__(self, formats: _Formats):
        self.formats = formats
        self.rows: list[str] = []
        self.merged: list[str] = []
        self._labels: dict[str, str] = {}

    def label(self, text: str) -> str:
        """A category's text as a cell's content, escaped once per workbook."""
        made = self._labels.get(text)
        if made is None:
            made = self._labels[text] = ooxml.xml_text(text)
        return made

    def row(self, r: int, cells: str, *, height: float | None = None, level: int = 0) -> None:
        self.rows.append(ooxml.row_xml(r, cells, height=height, level=level))

    def drain(self) -> list[str]:
        """The rows made since the last drain, handed over and forgotten here."""
        rows, self.rows = self.rows, []
        return rows

    def text(self, r: int, c: int, value: str, fmt: int) -> str:
        return text_cell(f"{ooxml.column(c)}{r}", fmt, spreadsheet_safe(value))

    def blanks(self, r: int, first: int, last: int, fmt: int) -> str:
        return "".join(
            ooxml.blank_cell(f"{ooxml.column(c)}{r}", fmt) for c in range(first, last + 1)
        )

    def merged_cells(self, r: int, first: int, last: int, value: str, fmt: int) -> str:
        """A text across columns `first` to `last`: the first cell holds it, the others
        carry its format (so that the fill and borders cover the merged range)."""
        self.merged.append(f"{ooxml.column(first)}{r}:{ooxml.column(last)}{r}")
        return self.text(r, first, value, fmt) + self.blanks(r, first + 1, last, fmt)


@collector_paused()
def lra_workbook(report: LraReport) -> bytes:
    formats = _Formats()
    sheet = _Sheet(formats)
    columns = _columns(report)

    header_row = _heading(sheet, report) + 2
    _column_headers(sheet, columns, header_row=header_row)
    # The sections' rows are made as the writer takes them (`_body`), so the last row is
    # counted first: the sheet's head and the print area name it.
    sections_end = header_row + sum(_section_height(section) for section in report.sections)
    last_row = sections_end + SIGNATURE_GAP + len(_signature_lines(report)) - 1

    outline = max((line.level - 1 for s in report.sections for line in s.lines), default=0)
    sheets = [
        _ooxml_sheet(
            SHEET_NAME,
            sheet,
            report,
            columns,
            header_row=header_row,
            last_row=last_row,
            outline_levels=outline,
            rows=_body(sheet, report, header_row=header_row, last_row=last_row),
        )
    ]
    if report.sources:
        sheets.append(_sources_sheet(formats, report))
    return ooxml.workbook(
        sheets,
        formats.styles,
        title=f"{report.title} {report.region.nama} {report.period_label}",
        author="Serapan",
        created=report.printed_at,
    )


def _ooxml_sheet(
    name: str,
    sheet: _Sheet,
    report: LraReport,
    columns: list[tuple[str, float]],
    *,
    header_row: int,
    last_row: int,
    outline_levels: int = 0,
    rows: Iterable[str] | None = None,
) -> ooxml.Sheet:
    """A sheet of the LRA's layout: frozen below its header and right of kode and uraian, the
    header repeated on every printed page, A4 landscape one page wide, footed by the region
    and the period."""
    # Header and footer codes: &P page, &N pages, &8 the size; "&&" prints an ampersand.
    left = f"{report.region.nama} · {report.period_label}".replace("&", "&&")
    right = gettext("Page &P of &N")
    return ooxml.Sheet(
        name=name,
        widths=[width + WIDTH_PADDING for _label, width in columns],
        rows=sheet.rows if rows is None else rows,
        last_row=last_row,
        last_column=WIDTH,
        merged=sheet.merged,
        freeze=(header_row, 2),
        outline_levels=outline_levels,
        repeat_rows=(header_row, header_row),
        print_area=f"A1:{ooxml.column(WIDTH)}{last_row}",
        page=ooxml.PageSetup(
            landscape=True,
            paper=9,  # A4
            fit_width=1,  # one page wide, as many pages down as needed
            fit_height=0,
            center_horizontally=True,
            margins=(0.4, 0.4, 0.5, 0.6),
            footer=f"&L&8{left}&R&8{right}",
        ),
    )


def _sources_sheet(formats: _Formats, report: LraReport) -> ooxml.Sheet:
    """Belanja by fund source on a sheet of its own, in the LRA sheet's columns: the same
    belanja again, by the fund source of its DPA lines (never added to the LRA's totals)."""
    sheet = _Sheet(formats)
    columns = _columns(report)
    header_row = _heading(sheet, report) + 2
    _column_headers(sheet, columns, header_row=header_row)
    r = header_row + 1
    fmt = sheet.formats.get("bold", "section_fill", "row_border")
    sheet.row(
        r,
        sheet.text(r, 1, "5", fmt)
        + sheet.text(r, 2, gettext("SPENDING BY FUND SOURCE"), fmt)
        + sheet.blanks(r, 3, WIDTH, fmt),
    )
    for row in report.sources:
        r += 1
        sheet.row(
            r, _amount_cells(sheet, r, row, kode="", uraian=row.nama, look=("base", "row_border"))
        )
    total = next((s.total for s in report.sections if s.jenis == "belanja" and s.total), None)
    if total is not None:
        r += 1
        label = gettext("TOTAL REGIONAL SPENDING")
        sheet.row(
            r,
            _amount_cells(
                sheet, r, total, kode="", uraian=label, look=("bold", "total_fill", "total_border")
            ),
        )
    return _ooxml_sheet(
        gettext("Fund sources"), sheet, report, columns, header_row=header_row, last_row=r
    )


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
        sheet.row(r, sheet.merged_cells(r, 1, WIDTH, text, sheet.formats.get(font)))
    return len(heading)


def _column_headers(sheet: _Sheet, columns: list[tuple[str, float]], *, header_row: int) -> None:
    fmt = sheet.formats.get("bold", "header_fill", "header_border", "header")
    cells = "".join(
        sheet.text(header_row, c, label, fmt) for c, (label, _width) in enumerate(columns, start=1)
    )
    sheet.row(header_row, cells, height=30)


def _body(sheet: _Sheet, report: LraReport, *, header_row: int, last_row: int) -> Iterator[str]:
    """The sheet's rows: those made already (the heading), then the sections' and the
    signature's, handed on a chunk at a time as they are made."""
    last = header_row
    for section in report.sections:
        for reached in _section(sheet, section, r=last):
            last = reached
            if len(sheet.rows) >= ooxml.CHUNK_ROWS:
                yield from sheet.drain()
    end = _signature(sheet, report, r=last + SIGNATURE_GAP)
    if end != last_row:  # _section_height and _section disagree: a bug, never a bad file
        raise RuntimeError(
            gettext(
                "The workbook's sheet ends on row %(end)s, not on row %(counted)s as counted "
                "beforehand: a fault in the report's layout, no file was made."
            )
            % {"end": format_number(Decimal(end)), "counted": format_number(Decimal(last_row))}
        )
    yield from sheet.drain()


def _section_height(section: LraSection) -> int:
    """The rows `_section` writes: its title, its note, its lines and its total."""
    total = section.total is not None and section.total_label is not None
    return 1 + bool(section.note) + len(section.lines) + total


def _section(sheet: _Sheet, section: LraSection, *, r: int) -> Iterator[int]:
    """One section below row `r`: its title, note, lines and total; yields the row reached
    as it goes, its last row last (`_section_height` rows in all)."""
    r += 1
    fmt = sheet.formats.get("bold", "section_fill", "row_border")
    sheet.row(
        r,
        sheet.text(r, 1, section.kode, fmt)
        + sheet.text(r, 2, section.title, fmt)
        + sheet.blanks(r, 3, WIDTH, fmt),
    )
    if section.note:
        r += 1
        sheet.row(r, sheet.text(r, 2, section.note, sheet.formats.get("muted")))
    for line in section.lines:
        r += 1
        _line_row(sheet, r, line)
        yield r
    if section.total is not None and section.total_label is not None:
        r += 1
        sheet.row(
            r,
            _amount_cells(
                sheet,
                r,
                section.total,
                kode="",
                uraian=section.total_label,
                look=("bold", "total_fill", "total_border"),
            ),
        )
    yield r


# The look of a line's row: a group's by its level, a detail row's.
_LINE_LOOKS = {
    (True, 1): ("bold", "row_border"),
    (True, 2): ("group", "row_border"),
    (True, 3): ("group", "row_border"),
    (False, 1): ("base", "row_border"),
    (False, 2): ("base", "row_border"),
    (False, 3): ("base", "row_border"),
}


def _line_row(sheet: _Sheet, r: int, line: LraLine) -> None:
    row, level = line.row, line.level
    indent = 2 * (level - 1)
    cells = _amount_cells(
        sheet,
        r,
        row,
        kode=row.kode,
        uraian=row.nama,
        look=_LINE_LOOKS[(line.subtotal, level)],
        indent=indent,
    )
    # Collapsible in Excel: the program (or kelompok) row stays, its detail folds.
    sheet.row(r, cells, height=_fit_height(row.nama, indent=indent), level=level - 1)


def _signature_lines(report: LraReport) -> list[str | None]:
    """The signature block's lines, None for the space to sign in."""
    region = report.region  # the signatory BPKAD sets in the admin; blanks to sign by hand
    return [
        (f"{region.ttd_tempat}, " if region.ttd_tempat else "") + report.printed_date,
        region.ttd_jabatan or gettext("Head of BPKAD"),
        None,
        None,
        None,
        region.ttd_nama or "(……………………………………)",
        f"NIP. {region.ttd_nip}",
    ]


def _signature(sheet: _Sheet, report: LraReport, *, r: int) -> int:
    """The signature block from row `r` in the last two columns; returns its last row."""
    sign = _signature_lines(report)
    fmt = sheet.formats.get("base", "center")
    for offset, sign_text in enumerate(sign):
        if sign_text:
            row = r + offset
            sheet.row(row, sheet.merged_cells(row, WIDTH - 1, WIDTH, sign_text, fmt))
    return r + len(sign) - 1


def _fit_height(text: str, *, indent: int) -> float | None:
    """The height a wrapped name needs, None for one line: neither Excel nor LibreOffice
    grows a row on opening a file, so a long name would print over the row below."""
    # Measured in LibreOffice with Arial 10: about 1.3 characters of mixed-case text per unit
    # of column width; capitals are wider.
    per_line = (URAIAN_WIDTH - indent) * (1.0 if text.isupper() else 1.3)
    lines = max(1, math.ceil(len(text) / per_line))
    return LINE_HEIGHT * lines + 2 if lines > 1 else None


def _amount_cells(
    sheet: _Sheet,
    r: int,
    row: AbsorptionRow,
    *,
    kode: str,
    uraian: str,
    look: tuple[str, ...],
    indent: int = 0,
) -> str:
    """The cells of an amount row (kode, uraian, the amounts in columns C to F, serapan in
    G, its category in H) as one string: a region's report writes ten thousand rows and
    more, so the amounts and the one measure shown are read straight from the row and
    written without a call per cell."""
    kode_format, uraian_format, amount, percent, kategori = sheet.formats.row(look, indent)
    amounts = row.amounts
    number = ooxml.number
    serapan = row.measure("serapan")
    if serapan is not None and serapan.ratio is not None:
        shown = f'<c r="G{r}" s="{percent}"><v>{number(serapan.persen)}</v></c>'  # type: ignore[arg-type]
        band = serapan.band
        label = band.label if band is not None else UNDEFINED
    else:
        shown = text_cell(f"G{r}", percent, UNDEFINED)
        label = UNDEFINED
    # A code of digits and dots (every code the importers accept) is its own cell text.
    if kode and kode.replace(".", "").isdigit():
        code = f'<c r="A{r}" s="{kode_format}" t="inlineStr"><is><t>{kode}</t></is></c>'
    else:
        code = text_cell(f"A{r}", kode_format, spreadsheet_safe(kode))
    return (
        f"{code}{text_cell(f'B{r}', uraian_format, spreadsheet_safe(uraian))}"
        f'<c r="C{r}" s="{amount}"><v>{number(amounts["pagu"])}</v></c>'
        f'<c r="D{r}" s="{amount}"><v>{number(amounts["kas_kumulatif"])}</v></c>'
        f'<c r="E{r}" s="{amount}"><v>{number(amounts["realisasi_kumulatif"])}</v></c>'
        f'<c r="F{r}" s="{amount}"><v>{number(amounts["sisa"])}</v></c>'
        f'{shown}<c r="H{r}" s="{kategori}" t="inlineStr"><is>{sheet.label(label)}</is></c>'
    )
