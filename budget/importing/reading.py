"""Reading an import file (CSV UTF-8 or XLSX first sheet) into rows of text.

Every cell is read as text (codes must never become numbers); amounts are parsed later with
their row and column known; the text of an XLSX number cell keeps its number (`NumberText`).
Files that are not what they claim are refused with a reason.

The header is read at once; the rows are streamed (`Rows`): a file of any size is read one
record at a time, so that the memory an import needs is what its validation keeps, not the
file twice over. What can only be known at the end of the file (a NUL byte, a row with more
fields than the header, an unterminated quote, bytes that are not UTF-8) is refused when the
rows have been read, before anything is written, as one ImportRefused for the whole file.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import IO, BinaryIO, cast, overload

from django.utils.translation import gettext as _

from budget.importing.errors import ImportRefused, RowError
from budget.logs import logs_refusal
from budget.money import NumberText

XLSX_MAGIC = b"PK\x03\x04"
MAX_FORMULAS_REPORTED = 20
MAX_NUL_REPORTED = 20
MAX_FIELD_COUNT_REPORTED = 20
# How much of a CSV is looked at to tell a binary (or UTF-16) file from text.
SNIFF_BYTES = 65536
# A UTF-8 character takes at most 4 bytes: enough bytes for the first SNIFF_BYTES characters.
HEAD_BYTES = 4 * SNIFF_BYTES
CHUNK = 1 << 20

Record = tuple[int, dict[str, str]]  # (spreadsheet row number, cells by column)


class Rows(Sequence[Record]):
    """The rows of a file, read again from the file each time they are iterated (never held).

    Blank rows are skipped and not counted; the row numbers are those of the file. `len()`
    reads the file once (then remembers); indexing reads up to the row asked for.
    """

    def __init__(self, records: Callable[[], Iterator[Record]]):
        self._records = records
        self._len: int | None = None

    def __iter__(self) -> Iterator[Record]:
        n = 0
        for record in self._records():
            n += 1
            yield record
        self._len = n

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for _record in self)
        return self._len

    def __bool__(self) -> bool:
        if self._len is not None:
            return self._len > 0
        return next(iter(self._records()), None) is not None

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | Sequence[Record]:
        if isinstance(index, slice) or index < 0:
            return list(self)[index]
        found = next(islice(iter(self), index, None), None)
        if found is None:
            raise IndexError(index)
        return found


@dataclass
class Table:
    columns: list[str]
    # A list for a table built in memory (the demo); `Rows` for a file, read again on each
    # pass; a job's progress wraps either (dashboard.tasks). Iterated, counted, indexed.
    rows: Sequence[Record]


@logs_refusal("file")
def read_table(source: str | Path | BinaryIO, *, name: str | None = None) -> Table:
    """Read a file's header; its rows are read as they are iterated.

    `name` (for uploads) tells the extension when `source` is a stream; a stream must stay
    open while the rows are read (one that cannot seek is read into memory)."""
    if isinstance(source, str | Path):
        name = name or str(source)
        head, opener = _open_path(Path(source))
    else:
        head, opener = _open_stream(source)
    name = (name or "").lower()
    if not head.strip():
        raise ImportRefused([RowError(None, None, _("the file is empty"))])
    if head.startswith(XLSX_MAGIC):
        with opener() as f:
            return _read_xlsx(f.read())
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportRefused(
            [RowError(None, None, _("the file is named as a spreadsheet but is not an XLSX file"))]
        )
    return _read_csv(head, opener)


Opener = Callable[[], IO[bytes]]


def _open_path(path: Path) -> tuple[bytes, Opener]:
    """The first bytes of the file (past any blank start), and how to read it again."""
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            if not head.strip():
                head = _skip_blank(f, head)
    except OSError as exc:
        raise ImportRefused([RowError(None, None, _("cannot read the file: %s") % exc)]) from None

    def opener() -> IO[bytes]:
        return path.open("rb")

    return head, opener


def _open_stream(stream: IO[bytes]) -> tuple[bytes, Opener]:
    if not stream.seekable():  # read once into memory, so that the rows can be read again
        stream = io.BytesIO(stream.read())
    start = stream.tell()
    head = stream.read(HEAD_BYTES)
    if not head.strip():
        head = _skip_blank(stream, head)

    def opener() -> IO[bytes]:
        stream.seek(start)
        return cast(IO[bytes], _Unclosed(stream))

    return head, opener


def _skip_blank(f: IO[bytes], head: bytes) -> bytes:
    """A start of the file that is not only blank, or b"" when the whole file is blank."""
    while True:
        chunk = f.read(CHUNK)
        if not chunk:
            return b""
        if chunk.strip():
            return chunk


class _Unclosed(io.BufferedIOBase):
    """A caller's stream, read through without being closed."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._stream.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _refuse(message: str) -> ImportRefused:
    return ImportRefused([RowError(None, None, message)])


# --- CSV -------------------------------------------------------------------------------------


def _read_csv(head: bytes, opener: Opener) -> Table:
    _check_text_start(head, opener)
    with opener() as f:
        header_row, lines = _below_blank_lines(_text_lines(f, opener))
        first_line = next(lines)
        # Spreadsheets in an Indonesian locale save CSV with semicolons; the header tells which.
        sep = max((",", ";", "\t"), key=first_line.split("\n", 1)[0].count)
        records = _csv_records(chain([first_line], lines), sep, first_row=header_row)
        header = next(records)
        next(records, None)  # a header whose quote is never closed is refused here
    layout = _Layout.of(header, header_row=header_row)

    def body() -> Iterator[list[str]]:
        with opener() as f:
            _row, lines = _below_blank_lines(_text_lines(f, opener))
            records = _csv_records(lines, sep, first_row=header_row)
            next(records)  # the header
            yield from records

    return layout.table(body, header_row=header_row, text=True)


def _check_text_start(head: bytes, opener: Opener) -> None:
    """Refuse a binary (or UTF-16) file by its first bytes, before any row is read."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        start = decoder.decode(head, final=len(head) < HEAD_BYTES)
    except UnicodeDecodeError:
        raise _not_utf8(opener) from None
    start = start[:SNIFF_BYTES]
    if start.count("\x00") * 100 > len(start):
        # NUL bytes all over the start: UTF-16 or a binary file, not text with a stray NUL.
        raise _refuse(_("the file is binary, not a CSV text file"))


def _not_utf8(opener: Opener) -> ImportRefused:
    """The refusal of a file that is not UTF-8: binary, or at which byte (the error's path
    only, so the whole file is read here)."""
    with opener() as f:
        data = f.read()
    if b"\x00" in data[:SNIFF_BYTES]:
        return _refuse(_("the file is binary, not a CSV text file"))
    try:
        data.decode("utf-8-sig")
        pos = len(data)  # pragma: no cover - a decoder that failed once fails again
    except UnicodeDecodeError as exc:
        pos = exc.start
    return _refuse(
        _("the file is not UTF-8 text (byte %(pos)d); save the CSV as UTF-8") % {"pos": pos + 1}
    )


def _text_lines(f: IO[bytes], opener: Opener) -> Iterator[str]:
    """The file's lines as text (line ends kept, as the csv module wants them)."""
    text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError:
        raise _not_utf8(opener) from None


def _below_blank_lines(lines: Iterator[str]) -> tuple[int, Iterator[str]]:
    """The header's row number, and the lines from the header on: blank lines above it are
    dropped but counted, like the blank lines kept below."""
    row = 1
    for line in lines:
        if line.strip("\r\n\t "):
            return row, chain([line.lstrip("\r\n\t ")], lines)
        row += 1
    raise _refuse(_("the file has no header row"))  # pragma: no cover - refused as empty


def _csv_records(lines: Iterable[str], sep: str, *, first_row: int) -> Iterator[list[str]]:
    """The records from the header on; an unterminated quoted field is refused with its row."""
    buffered: list[str] = []  # the lines of the record being read

    def feed() -> Iterator[str]:
        for line in lines:
            buffered.append(line)
            yield line

    row = first_row - 1
    last: list[str] = []
    for record in csv.reader(feed(), delimiter=sep, strict=False):
        row += 1
        last, buffered[:] = buffered[:], []
        yield record
    # A quote left open swallows the rest of the file into the last record, which the lenient
    # reader hands on as if it were closed.
    if last and _unterminated(last, sep):
        raise ImportRefused(
            [
                RowError(
                    row,
                    None,
                    _(
                        'a quoted field starts in this row and its closing quote (") is '
                        "missing: the rest of the file would be read as one cell"
                    ),
                )
            ]
        )


def _unterminated(lines: list[str], sep: str) -> bool:
    """Whether a record read over several lines ends inside a quoted field (the file ended
    first): a strict reader says "unexpected end of data" where the lenient one gave up."""
    try:
        list(csv.reader(lines, delimiter=sep, strict=True))
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


# --- the header and the rows, for both kinds of file -----------------------------------------


@dataclass
class _Layout:
    """The columns a header names. Spreadsheets often carry empty columns after the last
    header: dropped when they are empty all the way down; an unnamed column with data is an
    error in the header."""

    header: list[str]  # every cell of the header row, as text
    columns: list[str]  # the named columns, up to the last one with a name

    @classmethod
    def of(cls, header: Sequence[object], *, header_row: int) -> "_Layout":
        names = [_cell_text(c).lower() for c in header]
        width = len(names)
        while width and names[width - 1] == "":
            width -= 1
        if not width:
            raise _refuse(_("the file has no header row"))
        return cls(header=names, columns=names[:width])

    def table(
        self,
        records: Callable[[], Iterable[Sequence[object]]],
        *,
        header_row: int,
        text: bool = False,
    ) -> Table:
        """The table of these records; `text`: every cell of every record is a str (a CSV's)."""
        unnamed = [i for i, c in enumerate(self.columns) if c == ""]
        nul_in_header = [i for i, c in enumerate(self.header) if "\x00" in c]
        if unnamed or nul_in_header:
            # The header is refused as a whole, with what the rows add to its refusal.
            check = _Pass(self, header_row, text)
            for _record in check.rows(records()):
                pass
            raise check.refusal(unnamed=unnamed, nul_in_header=nul_in_header) or _refuse(
                _("the file has no header row")  # pragma: no cover - refused above
            )
        rows = Rows(lambda: self._rows(records(), header_row, text))
        return Table(columns=self.columns, rows=rows)

    def _rows(
        self, records: Iterable[Sequence[object]], header_row: int, text: bool
    ) -> Iterator[Record]:
        check = _Pass(self, header_row, text)
        yield from check.rows(records)
        refusal = check.refusal()
        if refusal is not None:
            raise refusal


@dataclass
class _Pass:
    """One pass over the records: rows as cells by column, and what is wrong with the file,
    refused once the pass is over (nothing more is handed on after the first fault)."""

    layout: _Layout
    header_row: int
    text: bool = False  # every cell is a str (a CSV's): stripped, nothing else to read
    too_long: list[RowError] = field(default_factory=list)
    nul: list[RowError] = field(default_factory=list)
    data_beyond: int = 0  # one past the last column (named or not) with data

    def rows(self, records: Iterable[Sequence[object]]) -> Iterator[Record]:
        columns = self.layout.columns
        width, header_width = len(columns), len(self.layout.header)
        self.data_beyond = width
        # A repeated column keeps its first cell (it is refused by its name): cell by cell.
        unique = len(set(columns)) == width
        strip, cell_text, join = str.strip, _cell_text, "".join
        row = self.header_row
        for record in records:
            row += 1
            n = len(record)
            if n > header_width:
                if len(self.too_long) < MAX_FIELD_COUNT_REPORTED:
                    self.too_long.append(self._too_long(row, n))
                continue
            texts = list(map(strip if self.text else cell_text, record))  # type: ignore[arg-type]
            if n > self.data_beyond:
                self._note_data_beyond(texts)
            if n < width:  # a short row: the missing cells are empty
                texts.extend([""] * (width - n))
            if unique:
                cells = dict(zip(columns, texts, strict=False))
                blank = not any(texts if n <= width else texts[:width])
            else:
                cells = self._first_cells(texts)
                blank = not any(cells.values())
            if blank:
                continue  # blank lines at the end of a spreadsheet carry nothing
            if len(self.nul) < MAX_NUL_REPORTED and "\x00" in join(texts):
                self.nul.extend(self._nul_errors(row, texts))
            if not (self.too_long or self.nul or self.data_beyond > width):
                yield row, cells

    def _first_cells(self, texts: list[str]) -> dict[str, str]:
        cells: dict[str, str] = {}
        for col, value in zip(self.layout.columns, texts, strict=False):
            cells.setdefault(col, value)  # a repeated column is refused by its name
        return cells

    def _note_data_beyond(self, texts: list[str]) -> None:
        for i in range(len(texts) - 1, self.data_beyond - 1, -1):
            if texts[i]:
                self.data_beyond = i + 1
                return

    def refusal(
        self, *, unnamed: Sequence[int] = (), nul_in_header: Sequence[int] = ()
    ) -> ImportRefused | None:
        """In the order they were refused before the rows were streamed: the shape of the
        records, the header's unnamed columns, then the NUL bytes."""
        if self.too_long:
            return ImportRefused(self.too_long[:MAX_FIELD_COUNT_REPORTED])
        beyond = range(len(self.layout.columns), self.data_beyond)
        if unnamed or beyond:
            return ImportRefused(
                [
                    RowError(
                        self.header_row,
                        _column_letter(i),
                        _("the column has data but no name in the header"),
                    )
                    for i in [*unnamed, *beyond]
                ]
            )
        header = [
            RowError(self.header_row, _column_letter(i), NUL_MESSAGE()) for i in nul_in_header
        ]
        if header or self.nul:
            return ImportRefused([*header, *self.nul][:MAX_NUL_REPORTED])
        return None

    def _too_long(self, row: int, saw: int) -> RowError:
        return RowError(
            row,
            None,
            _("the row has %(saw)d fields but the header has %(expected)d")
            % {"saw": saw, "expected": len(self.layout.header)},
        )

    def _nul_errors(self, row: int, texts: list[str]) -> list[RowError]:
        """A NUL byte anywhere in the file, with its row and column: PostgreSQL stores no NUL
        in text, and a NUL is never part of a name or an amount (a damaged file or a bad
        export)."""
        columns = self.layout.columns
        return [
            RowError(row, columns[i], NUL_MESSAGE())
            for i, v in enumerate(texts[: len(columns)])
            if "\x00" in v and columns[i] not in columns[:i]
        ]


def NUL_MESSAGE() -> str:  # noqa: N802 - a message, translated when used
    return _("the cell holds a NUL byte (character 0); the file is damaged or not plain text")


# --- XLSX ------------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        first = next(iter(sheet.iter_rows()), None)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _refuse(_("the spreadsheet cannot be read: %s") % str(exc).strip()) from None
    if first is None:
        raise _refuse(_("the file has no header row"))
    layout = _Layout.of(first, header_row=1)

    def records() -> Iterator[Sequence[object]]:
        rows = sheet.iter_rows()
        next(rows, None)  # the header
        return rows

    table = layout.table(records, header_row=1)
    formulas = _xlsx_formula_cells(data)
    if formulas:
        # A cell written as _x0000_ reads as a NUL: refused first, as for a CSV.
        for _record in table.rows:
            pass
        errors = []
        for col_letter, row in formulas[:MAX_FORMULAS_REPORTED]:
            index = _column_index(col_letter)
            column = table.columns[index] if index < len(table.columns) else col_letter
            errors.append(RowError(row, column, _("the cell holds a formula; paste values only")))
        raise ImportRefused(errors)
    return table


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
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an XLSX number cell holding a whole number reads as one
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An XLSX number cell: the same text as before, and the number for parse_amount.
        return NumberText(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.isoformat()} 00:00:00"  # as a date cell read before (a datetime)
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
