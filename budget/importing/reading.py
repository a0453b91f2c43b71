"""Reading an import file (CSV UTF-8 or XLSX first sheet) into rows of text.

Every cell is read as text (codes must never become numbers); amounts are parsed later with
their row and column known; the text of an XLSX number cell keeps its number (`NumberText`).
Files that are not what they claim are refused with a reason.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
from django.utils.translation import gettext as _

from budget.importing.errors import ImportRefused, RowError
from budget.logs import logs_refusal
from budget.money import NumberText

XLSX_MAGIC = b"PK\x03\x04"
MAX_FORMULAS_REPORTED = 20
MAX_NUL_REPORTED = 20
# How much of a CSV is looked at to tell a binary (or UTF-16) file from text.
SNIFF_BYTES = 65536


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, cells by column)


@logs_refusal("file")
def read_table(source: str | Path | BinaryIO, *, name: str | None = None) -> Table:
    """Read a whole file. `name` (for uploads) tells the extension when `source` is a stream."""
    if isinstance(source, str | Path):
        name = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImportRefused(
                [RowError(None, None, _("cannot read the file: %s") % exc)]
            ) from None
    else:
        data = source.read()
    name = (name or "").lower()
    if not data.strip():
        raise ImportRefused([RowError(None, None, _("the file is empty"))])
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportRefused(
            [RowError(None, None, _("the file is named as a spreadsheet but is not an XLSX file"))]
        )
    return _read_csv(data)


def _refuse(message: str) -> ImportRefused:
    return ImportRefused([RowError(None, None, message)])


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:SNIFF_BYTES]:
            raise _refuse(_("the file is binary, not a CSV text file")) from None
        raise _refuse(
            _("the file is not UTF-8 text (byte %(pos)d); save the CSV as UTF-8")
            % {"pos": exc.start + 1}
        ) from None
    if text[:SNIFF_BYTES].count("\x00") * 100 > len(text[:SNIFF_BYTES]):
        # NUL bytes all over the start: UTF-16 or a binary file, not text with a stray NUL.
        raise _refuse(_("the file is binary, not a CSV text file"))
    # Blank lines above the header are dropped but counted, like the blank lines kept below.
    body = text.lstrip("\r\n\t ")
    header_row = 1 + text[: len(text) - len(body)].count("\n")
    text = body
    # Spreadsheets in an Indonesian locale save CSV with semicolons; the header tells which.
    header = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=header.count)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,  # the header is read as a row, so that its names are seen as written
            index_col=False,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            # Blank lines are rows of the file too: kept here (and skipped later) so that the
            # row numbers in error messages are those the user sees in a spreadsheet.
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        m = _FIELDS_RE.search(str(exc))
        if m:
            expected, line, saw = (int(g) for g in m.groups())
            raise ImportRefused(
                [
                    RowError(
                        header_row + line - 1,
                        None,
                        _("the row has %(saw)d fields but the header has %(expected)d")
                        % {"saw": saw, "expected": expected},
                    )
                ]
            ) from None
        raise _refuse(_("the CSV cannot be read: %s") % str(exc).strip()) from None
    except (pd.errors.EmptyDataError, ValueError) as exc:
        raise _refuse(_("the CSV cannot be read: %s") % str(exc).strip()) from None
    table = _table_from_frame(frame, header_row=header_row)
    if "\x00" in text:  # one scan of the whole text; the cells only when it finds one
        _refuse_nul_cells(table, header_row=header_row)
    return table


_FIELDS_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_xlsx(data: bytes) -> Table:
    try:
        frame = pd.read_excel(
            io.BytesIO(data),
            engine="calamine",
            sheet_name=0,
            header=None,
            dtype=object,  # numbers stay numbers here, so that _cell_text can mark them
            keep_default_na=False,
            na_filter=False,
        )
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _refuse(_("the spreadsheet cannot be read: %s") % str(exc).strip()) from None
    table = _table_from_frame(frame)
    _refuse_nul_cells(table, header_row=1)  # a cell written as _x0000_ reads as a NUL
    formulas = _xlsx_formula_cells(data)
    if formulas:
        errors = []
        for col_letter, row in formulas[:MAX_FORMULAS_REPORTED]:
            index = _column_index(col_letter)
            column = table.columns[index] if index < len(table.columns) else col_letter
            errors.append(RowError(row, column, _("the cell holds a formula; paste values only")))
        raise ImportRefused(errors)
    return table


def _table_from_frame(frame: pd.DataFrame, *, header_row: int = 1) -> Table:
    """`frame` holds the header as its first row (read with header=None)."""
    records = list(frame.itertuples(index=False, name=None))
    if not records:
        raise _refuse(_("the file has no header row"))
    columns = [_cell_text(c).lower() for c in records[0]]
    # Spreadsheets often carry empty columns after the last header: drop them when they are
    # empty all the way down; an unnamed column with data is an error in the header.
    while (
        columns
        and columns[-1] == ""
        and all(_cell_text(r[len(columns) - 1]) == "" for r in records)
    ):
        columns.pop()
    if not columns or all(c == "" for c in columns):
        raise _refuse(_("the file has no header row"))
    errors = []
    for index, name in enumerate(columns):
        if name == "":
            errors.append(
                RowError(
                    header_row,
                    _column_letter(index),
                    _("the column has data but no name in the header"),
                )
            )
    if errors:
        raise ImportRefused(errors)
    rows = []
    for offset, record in enumerate(records[1:]):
        cells: dict[str, str] = {}
        for col, value in zip(columns, record, strict=False):
            cells.setdefault(col, _cell_text(value))  # a repeated column is refused by its name
        if not any(cells.values()):
            continue  # blank lines at the end of a spreadsheet carry nothing
        rows.append((header_row + 1 + offset, cells))
    return Table(columns=columns, rows=rows)


def _refuse_nul_cells(table: Table, *, header_row: int) -> None:
    """A NUL byte anywhere in the file, with its row and column: PostgreSQL stores no NUL in
    text, and a NUL is never part of a name or an amount (a damaged file or a bad export)."""
    message = _("the cell holds a NUL byte (character 0); the file is damaged or not plain text")
    errors = [
        RowError(header_row, _column_letter(index), message)
        for index, name in enumerate(table.columns)
        if "\x00" in name
    ]
    for row, cells in table.rows:
        errors.extend(RowError(row, column, message) for column, v in cells.items() if "\x00" in v)
    if errors:
        raise ImportRefused(errors[:MAX_NUL_REPORTED])


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # missing cell: NaN
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An XLSX number cell: the same text as before, and the number for parse_amount.
        return NumberText(value)
    return str(value).strip()


_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]+)"')
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"')
_REL_RE2 = re.compile(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
# Cells may carry a namespace prefix (<x:c>, <x:f>) in files written by other tools.
_FORMULA_CELL_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')


def _xlsx_formula_cells(data: bytes) -> list[tuple[str, int]]:
    """(column letter, row) of every formula cell on the first sheet.

    calamine gives a formula's cached value (or nothing), so formulas are found in the sheet's
    XML: an imported amount must be the number the user typed, not one computed somewhere.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            path = _first_sheet_path(z)
            if path is None:
                return []
            xml = z.read(path)
    except (zipfile.BadZipFile, KeyError):
        return []
    return [(m.group(1).decode(), int(m.group(2))) for m in _FORMULA_CELL_RE.finditer(xml)]


def _first_sheet_path(z: zipfile.ZipFile) -> str | None:
    workbook = z.read("xl/workbook.xml")
    m = _SHEET_RE.search(workbook)
    if not m:
        return None
    rid = m.group(1)
    rels = z.read("xl/_rels/workbook.xml.rels")
    targets = {i: t for i, t in _REL_RE.findall(rels)}
    targets.update({i: t for t, i in _REL_RE2.findall(rels)})
    target = targets.get(rid)
    if target is None:
        return None
    target = target.decode().lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1
