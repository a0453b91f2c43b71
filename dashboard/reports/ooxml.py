"""A small SpreadsheetML (XLSX) writer for one printable sheet, written as text row by row.

What the LRA workbook needs and no more: cell styles (font, fill, border, alignment, number
format), text written inline (no table of shared strings kept to the end), numbers, merged
cells, row heights and outline levels, column widths, frozen panes and the print set-up
(orientation, paper, fit to the page width, centring, margins, repeated title rows, print
area, footer). A general writer (xlsxwriter) spends most of a ten-thousand-row report in its
per-cell bookkeeping: here a row is one formatted string, its cells' styles looked up once
per kind of row (docs/PERFORMANCE.md).

The parts follow ECMA-376 (Office Open XML, SpreadsheetML), in the order of its schema; the
tests open the file with openpyxl and read the cells, styles, outline and print set-up back.
"""

import io
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape, quoteattr

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# XML 1.0 has no place for most control characters; SpreadsheetML writes any character as
# _xHHHH_, so a text that already holds such a sequence has its underscore escaped too.
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
# The first custom number format id (0-163 are Excel's built-in formats).
FIRST_NUM_FMT = 164


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plain(text: str) -> str:
    """Text outside a cell (properties, footer) as XML content: escaped, and without the
    control characters XML cannot hold."""
    return escape(_CONTROL.sub("", text))


def column(c: int) -> str:
    """The letter of column `c` (1-based; this writer's sheets are narrower than 27)."""
    return COLUMNS[c - 1]


def _spreadsheet_escape(match: re.Match[str]) -> str:
    text = match.group(0)
    if text.startswith("_x"):
        return "_x005F" + text
    return f"_x{ord(text):04X}_"


def xml_text(value: str) -> str:
    """`value` as the content of a <t> element (its opening tag included)."""
    # Printable text without "_x" (nearly every name) needs no more than the three entities;
    # the regular expression runs only on the rest.
    if not value.isprintable() or "_x" in value:
        value = _NEEDS_ESCAPE.sub(_spreadsheet_escape, value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def number(value: Decimal | int) -> str:
    """A number as the text of a <v>: a Decimal's own digits, never through a float (and
    never in exponent notation, which str gives a Decimal only for tiny or huge exponents)."""
    text = str(value)
    return format(value, "f") if "E" in text else text


# --- styles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Font:
    name: str = "Calibri"
    size: float = 11
    bold: bool = False
    italic: bool = False
    color: str | None = None  # RRGGBB; None: automatic

    def xml(self) -> str:
        parts = ["<b/>" if self.bold else "", "<i/>" if self.italic else ""]
        parts.append(f'<sz val="{self.size:g}"/>')
        if self.color:
            parts.append(f'<color rgb="FF{self.color}"/>')
        parts.append(f'<name val="{self.name}"/><family val="2"/>')
        return f"<font>{''.join(parts)}</font>"


@dataclass(frozen=True)
class Edge:
    style: str  # thin, hair, ...
    color: str  # RRGGBB


@dataclass(frozen=True)
class Border:
    left: Edge | None = None
    right: Edge | None = None
    top: Edge | None = None
    bottom: Edge | None = None

    def xml(self) -> str:
        def edge(name: str, e: Edge | None) -> str:
            if e is None:
                return f"<{name}/>"
            return f'<{name} style="{e.style}"><color rgb="FF{e.color}"/></{name}>'

        sides = (("left", self.left), ("right", self.right), ("top", self.top))
        body = "".join(edge(n, e) for n, e in (*sides, ("bottom", self.bottom)))
        return f"<border>{body}<diagonal/></border>"


@dataclass(frozen=True)
class Alignment:
    horizontal: str | None = None  # left, center, right
    vertical: str | None = None  # top, center, bottom
    wrap: bool = False
    indent: int = 0

    def xml(self) -> str:
        attrs = []
        if self.horizontal:
            attrs.append(f'horizontal="{self.horizontal}"')
        if self.vertical:
            attrs.append(f'vertical="{self.vertical}"')
        if self.indent:
            attrs.append(f'indent="{self.indent}"')
        if self.wrap:
            attrs.append('wrapText="1"')
        return f"<alignment {' '.join(attrs)}/>" if attrs else ""


@dataclass(frozen=True)
class Style:
    """One cell format: Excel keeps a table of them and each cell names one by its index."""

    font: Font = Font()
    fill: str | None = None  # RRGGBB of a solid fill
    border: Border = Border()
    alignment: Alignment = Alignment()
    num_format: str | None = None


class Styles:
    """The workbook's table of cell formats, each added once; `add` gives a style's index."""

    def __init__(self) -> None:
        self._index: dict[Style, int] = {Style(): 0}
        self._fonts: dict[Font, int] = {Font(): 0}
        # Fills 0 and 1 are reserved by the format (none, gray125).
        self._fills: dict[str | None, int] = {None: 0}
        self._borders: dict[Border, int] = {Border(): 0}
        self._num_formats: dict[str, int] = {}

    def add(self, style: Style) -> int:
        index = self._index.get(style)
        if index is None:
            index = self._index[style] = len(self._index)
            self._fonts.setdefault(style.font, len(self._fonts))
            if style.fill not in self._fills:
                self._fills[style.fill] = len(self._fills) + 1
            self._borders.setdefault(style.border, len(self._borders))
            if style.num_format:
                self._num_formats.setdefault(
                    style.num_format, FIRST_NUM_FMT + len(self._num_formats)
                )
        return index

    def _xf(self, style: Style) -> str:
        num_fmt = self._num_formats[style.num_format] if style.num_format else 0
        font, fill = self._fonts[style.font], self._fills[style.fill]
        border = self._borders[style.border]
        applied = "".join(
            f' apply{name}="1"'
            for name, applies in (
                ("NumberFormat", num_fmt),
                ("Font", font),
                ("Fill", fill),
                ("Border", border),
                ("Alignment", style.alignment != Alignment()),
            )
            if applies
        )
        head = (
            f'<xf numFmtId="{num_fmt}" fontId="{font}" fillId="{fill}" borderId="{border}"'
            f' xfId="0"{applied}'
        )
        alignment = style.alignment.xml()
        return f"{head}>{alignment}</xf>" if alignment else f"{head}/>"

    def xml(self) -> str:
        num_formats = "".join(
            f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>'
            for code, i in self._num_formats.items()
        )
        fills = ['<fill><patternFill patternType="none"/></fill>']
        fills.append('<fill><patternFill patternType="gray125"/></fill>')
        fills += [
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
            for c in self._fills
            if c is not None
        ]
        parts = [
            f'<numFmts count="{len(self._num_formats)}">{num_formats}</numFmts>'
            if self._num_formats
            else "",
            f'<fonts count="{len(self._fonts)}">{"".join(f.xml() for f in self._fonts)}</fonts>',
            f'<fills count="{len(fills)}">{"".join(fills)}</fills>',
            f'<borders count="{len(self._borders)}">'
            f"{''.join(b.xml() for b in self._borders)}</borders>",
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>",
            f'<cellXfs count="{len(self._index)}">'
            f"{''.join(self._xf(s) for s in self._index)}</cellXfs>",
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
            '<dxfs count="0"/><tableStyles count="0"/>',
        ]
        return f'{DECLARATION}<styleSheet xmlns="{MAIN_NS}">{"".join(parts)}</styleSheet>'


# --- cells ----------------------------------------------------------------------------------


def text_cell(ref: str, style: int, value: str) -> str:
    """A text cell; an empty text is a blank cell with the style."""
    if not value:
        return blank_cell(ref, style)
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is>{xml_text(value)}</is></c>'


def number_cell(ref: str, style: int, value: Decimal | int) -> str:
    return f'<c r="{ref}" s="{style}"><v>{number(value)}</v></c>'


def blank_cell(ref: str, style: int) -> str:
    return f'<c r="{ref}" s="{style}"/>'


def row_xml(r: int, cells: str, *, height: float | None = None, level: int = 0) -> str:
    attrs = f' ht="{height:g}" customHeight="1"' if height is not None else ""
    if level:
        attrs += f' outlineLevel="{level}"'
    return f'<row r="{r}"{attrs}>{cells}</row>'


# --- the sheet and the package --------------------------------------------------------------


@dataclass(frozen=True)
class PageSetup:
    landscape: bool = True
    paper: int = 9  # A4
    fit_width: int = 1  # pages across (0: as many as needed)
    fit_height: int = 0  # pages down
    center_horizontally: bool = True
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.6)  # left right top bottom
    footer: str = ""  # Excel's header and footer codes (&L, &R, &P, &N ...)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its rows (each from `row_xml`, in order), and how it shows and prints."""

    name: str
    widths: Sequence[float]  # of columns 1.. (characters, as Excel's column width)
    rows: Iterable[str]
    last_row: int
    last_column: int
    merged: Sequence[str] = ()  # "A1:H1", ...
    freeze: tuple[int, int] | None = None  # (rows above, columns left) that stay in view
    outline_levels: int = 0  # the deepest outline level of a row
    repeat_rows: tuple[int, int] | None = None  # printed at the top of every page (1-based)
    print_area: str | None = None  # "A1:H120"
    page: PageSetup = PageSetup()

    def _head(self, *, selected: bool = True) -> str:
        tab = ' tabSelected="1"' if selected else ""
        views = f'<sheetView{tab} workbookViewId="0"/>'
        if self.freeze:
            top, left = self.freeze
            corner = f"{column(left + 1)}{top + 1}"
            views = (
                f'<sheetView{tab} workbookViewId="0">'
                f'<pane xSplit="{left}" ySplit="{top}" topLeftCell="{corner}" '
                'activePane="bottomRight" state="frozen"/>'
                f'<selection pane="topRight" activeCell="{column(left + 1)}1" '
                f'sqref="{column(left + 1)}1"/>'
                f'<selection pane="bottomLeft" activeCell="A{top + 1}" sqref="A{top + 1}"/>'
                f'<selection pane="bottomRight" activeCell="{corner}" sqref="{corner}"/>'
                "</sheetView>"
            )
        # The summary (a program's row) sits above the rows it folds, not below.
        sheet_pr = '<outlinePr summaryBelow="0" summaryRight="0"/>'
        if self.page.fit_width or self.page.fit_height:
            sheet_pr += '<pageSetUpPr fitToPage="1"/>'
        level = f' outlineLevelRow="{self.outline_levels}"' if self.outline_levels else ""
        cols = "".join(
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
            for c, w in enumerate(self.widths, start=1)
        )
        return (
            f'{DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f"<sheetPr>{sheet_pr}</sheetPr>"
            f'<dimension ref="A1:{column(self.last_column)}{self.last_row}"/>'
            f"<sheetViews>{views}</sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"{level}/>'
            f"<cols>{cols}</cols><sheetData>"
        )

    def _tail(self) -> str:
        p = self.page
        merged = ""
        if self.merged:
            cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in self.merged)
            merged = f'<mergeCells count="{len(self.merged)}">{cells}</mergeCells>'
        left, right, top, bottom = p.margins
        setup = f'paperSize="{p.paper}"'
        if p.fit_width != 1:  # 1 is the schema's default
            setup += f' fitToWidth="{p.fit_width}"'
        if p.fit_height != 1:
            setup += f' fitToHeight="{p.fit_height}"'
        setup += f' orientation="{"landscape" if p.landscape else "portrait"}"'
        footer = (
            f"<headerFooter><oddFooter>{plain(p.footer)}</oddFooter></headerFooter>"
            if p.footer
            else ""
        )
        return (
            f"</sheetData>{merged}"
            + ('<printOptions horizontalCentered="1"/>' if p.center_horizontally else "")
            + f'<pageMargins left="{left:g}" right="{right:g}" top="{top:g}" '
            f'bottom="{bottom:g}" header="0.3" footer="0.3"/>'
            f"<pageSetup {setup}/>{footer}</worksheet>"
        )

    def defined_names(self, index: int = 0) -> str:
        """The sheet's print area and titles (`index`: its place in the workbook)."""
        names = []
        sheet = self.name if self.name.isalnum() else "'" + self.name.replace("'", "''") + "'"
        if self.print_area:
            first, last = self.print_area.split(":")
            area = f"{sheet}!{_absolute(first)}:{_absolute(last)}"
            names.append(
                f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">{area}</definedName>'
            )
        if self.repeat_rows:
            first_row, last_row = self.repeat_rows
            titles = f"{sheet}!${first_row}:${last_row}"
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{titles}</definedName>"
            )
        return "".join(names)


def _absolute(ref: str) -> str:
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters) :]}"


def workbook(
    sheets: "Sheet | Sequence[Sheet]",
    styles: Styles,
    *,
    title: str,
    author: str,
    created: datetime,
) -> bytes:
    """The package of one sheet or several (the first one shown): their parts deflated into a
    ZIP, each sheet's rows streamed in."""
    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    out = io.BytesIO()
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION) as z:
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("docProps/app.xml", _app(sheets))
        z.writestr("docProps/core.xml", _core(title=title, author=author, stamp=stamp))
        z.writestr("xl/workbook.xml", _workbook(sheets))
        z.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        for n, sheet in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{n}.xml", "w") as part, _Deflater(part) as write:
                write(sheet._head(selected=n == 1).encode())
                chunk: list[str] = []
                for row in sheet.rows:
                    chunk.append(row)
                    if len(chunk) == CHUNK_ROWS:
                        write("".join(chunk).encode())
                        chunk.clear()
                write("".join(chunk).encode())
                write(sheet._tail().encode())
        # Last: rows made as they are written may add the styles they use.
        z.writestr("xl/styles.xml", styles.xml())
    return out.getvalue()


class _Deflater:
    """A sheet's text deflated into its ZIP part by a thread of its own, while this one makes
    the next rows: zlib and the CRC let go of Python's lock while they work, so on two cores
    a region's sheet is compressed in the time its rows take to make (`rows` a generator;
    with a list of rows made already there is less to overlap). Used as `with _Deflater(part)
    as write:`; an error of the thread is raised when the block ends."""

    def __init__(self, part: IO[bytes]):
        self._part = part
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=DEFLATE_QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._part.write(data)
                except BaseException as exc:  # raised in the caller's thread at the end
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def __enter__(self) -> Callable[[bytes], None]:
        self._thread.start()
        return self.write

    def __exit__(self, *exc_info: object) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc_info[0] is None:
            raise self._error


# zlib's level 6 (its default) takes about twice level 1's time on a region's sheet for a file
# a fifth smaller; the sheet's text repeats itself so much that level 1 is still ~12× smaller.
COMPRESSION = 1
CHUNK_ROWS = 1000
DEFLATE_QUEUE = 4  # chunks waiting for the deflating thread: the memory of a few, no more

_OFFICE = "application/vnd.openxmlformats-officedocument"
_PARTS = (
    ("/docProps/app.xml", f"{_OFFICE}.extended-properties+xml"),
    ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    ("/xl/styles.xml", f"{_OFFICE}.spreadsheetml.styles+xml"),
    ("/xl/workbook.xml", f"{_OFFICE}.spreadsheetml.sheet.main+xml"),
)


def _content_types(n_sheets: int) -> str:
    parts = [
        *_PARTS,
        *(
            (f"/xl/worksheets/sheet{n}.xml", f"{_OFFICE}.spreadsheetml.worksheet+xml")
            for n in range(1, n_sheets + 1)
        ),
    ]
    return (
        DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in parts)
        + "</Types>"
    )


ROOT_RELS = (
    DECLARATION + f'<Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)


def _workbook_rels(n_sheets: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, n_sheets + 1)
    )
    return (
        DECLARATION + f'<Relationships xmlns="{PKG_REL_NS}">{sheets}'
        f'<Relationship Id="rId{n_sheets + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _workbook(sheets: Sequence[Sheet]) -> str:
    listed = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, start=1)
    )
    names = "".join(sheet.defined_names(index) for index, sheet in enumerate(sheets))
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    return (
        f'{DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" '
        f'windowHeight="9660"/></bookViews><sheets>{listed}</sheets>'
        f'{defined}<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )


def _app(sheets: Sequence[Sheet]) -> str:
    titles = "".join(f"<vt:lpstr>{plain(sheet.name)}</vt:lpstr>" for sheet in sheets)
    return (
        f"{DECLARATION}<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
        '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>'
        f"Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{len(sheets)}</vt:i4></vt:variant>"
        f'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{len(sheets)}" '
        f'baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
        "<AppVersion>12.0000</AppVersion></Properties>"
    )


def _core(*, title: str, author: str, stamp: str) -> str:
    return (
        f"{DECLARATION}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{plain(title)}</dc:title><dc:creator>{plain(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{plain(author)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )
