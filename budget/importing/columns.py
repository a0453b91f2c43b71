"""The columns of the import files, declared once (DESIGN.md §4 "Import files").

Each column says how a cell is parsed, whether the file must carry it, on which lines it is
filled, and the model field its value is stored in (matched against, for the realisasi
file's codes); its maximum length is that field's. The importers parse by these tables, the
DPA import compares and writes the line fields they name, the web import builds its XLSX
templates from them, and the tests and the benchmark write their files by them.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from budget.codes import (
    CodeError,
    parse_account_code,
    parse_kegiatan_code,
    parse_opd_code,
    parse_program_code,
    parse_sub_kegiatan_code,
)
from budget.importing.common import check_text, model_field, parse_quarter, parse_year
from budget.importing.errors import RowError
from budget.models import (
    Account,
    DpaLine,
    Kegiatan,
    Opd,
    Program,
    Realisasi,
    RealisasiFisik,
    SubKegiatan,
)
from budget.money import CENT, AmountError, cents_of, parse_amount


class Need(StrEnum):
    REQUIRED = "required"  # in every file, never empty
    # In every file; filled on belanja (5.x) lines, empty on pendapatan (4.x) and pembiayaan
    # (6.x) lines, which are not budgeted under a program.
    BELANJA = "belanja"
    OPTIONAL = "optional"  # a file may leave the column out; an empty cell means none


@dataclass(frozen=True)
class Kind:
    """How a cell is read. `parse(column, raw, row, errors, parent)` returns the value, or
    None after appending the reason to `errors`; `parent` is the value of the column this one
    lies `within`. Amounts of one line are summed across the rows that make it; values of the
    other kinds must agree."""

    name: str
    parse: Callable[..., Any]
    summed: bool = False
    xlsx_format: str | None = None  # of the cells of an XLSX template


def _year(column, raw, row, errors, parent):
    return parse_year(raw, row, column.name, errors)


def _quarter(column, raw, row, errors, parent):
    return parse_quarter(raw, row, column.name, errors)


def _code(parse):
    def read(column, raw, row, errors, parent):
        try:
            return parse(raw, parent)
        except CodeError as exc:
            errors.append(RowError(row, column.name, str(exc)))
            return None

    return read


# The code parsers (memoised in budget.codes) are looked up when a cell is read. An import
# reads a column's cells through a `cell_reader`, which remembers each text it read well.
def _opd(raw, parent):
    return parse_opd_code(raw)


def _program(raw, parent):
    return parse_program_code(raw)


def _kegiatan(raw, parent):
    return parse_kegiatan_code(raw, program=parent) if parent else parse_kegiatan_code(raw)


def _sub_kegiatan(raw, parent):
    return parse_sub_kegiatan_code(raw, kegiatan=parent) if parent else parse_sub_kegiatan_code(raw)


def _account(raw, parent):
    return parse_account_code(raw)


def _text(column, raw, row, errors, parent):
    return check_text(raw, row, column.name, errors, max_length=column.max_length)


# The common case of a file written by a program: whole rupiah or rupiah and sen, digits only.
# Read as parse_amount reads it (the same Decimal), without its checks for everything else.
_PLAIN_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,2})?", re.ASCII)


def _amount(column, raw, row, errors, parent) -> Decimal | None:
    if type(raw) is str and _PLAIN_AMOUNT.fullmatch(raw):
        return Decimal(raw).quantize(CENT)
    try:
        return parse_amount(raw)
    except AmountError as exc:
        errors.append(RowError(row, column.name, str(exc)))
        return None


# The same plain amount, read as whole sen (int): `cell_reader(..., cents=True)`.
PLAIN_CENTS = re.compile(r"(\d{1,18})(?:\.(\d\d?))?", re.ASCII)


def _amount_cents(column, raw, row, errors, parent) -> int | None:
    if type(raw) is str:
        plain = PLAIN_CENTS.fullmatch(raw)
        if plain is not None:
            whole, sen = plain.groups()
            if sen is None:
                return int(whole) * 100
            return int(whole) * 100 + int(sen) * (10 if len(sen) == 1 else 1)
    value = _amount(column, raw, row, errors, parent)
    return None if value is None else cents_of(value)


def _choice(column, raw, row, errors, parent) -> str | None:
    """One of the field's choices, matched whatever the case and the spaces around and inside,
    stored as the choice spells it; an empty cell is "" (none)."""
    text = " ".join(raw.split()).casefold()
    if not text:
        return ""
    for value in column.choices:
        if value.casefold() == text:
            return value
    errors.append(
        RowError(
            row,
            column.name,
            _("%(raw)r is not one of the accepted values: %(choices)s")
            % {"raw": raw, "choices": ", ".join(column.choices)},
        )
    )
    return None


def _percent(column, raw, row, errors, parent) -> Decimal | None:
    from budget.fisik import PercentError, parse_percent

    try:
        return parse_percent(raw)
    except PercentError as exc:
        errors.append(RowError(row, column.name, str(exc)))
        return None


def _reason(column, raw, row, errors, parent):
    return check_text(raw, row, column.name, errors, required=False)


YEAR = Kind("year", _year)
QUARTER = Kind("quarter", _quarter)
OPD_CODE = Kind("code", _code(_opd), xlsx_format="@")
PROGRAM_CODE = Kind("code", _code(_program), xlsx_format="@")
KEGIATAN_CODE = Kind("code", _code(_kegiatan), xlsx_format="@")
SUB_KEGIATAN_CODE = Kind("code", _code(_sub_kegiatan), xlsx_format="@")
ACCOUNT_CODE = Kind("code", _code(_account), xlsx_format="@")
TEXT = Kind("text", _text)
AMOUNT = Kind("amount", _amount, summed=True, xlsx_format="#,##0")
CHOICE = Kind("choice", _choice)
PERCENT = Kind("percent", _percent, xlsx_format="0.00")
REASON = Kind("text", _reason)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    model: type[Model]
    field: str  # the model field the value is stored in (or matched against)
    need: Need = Need.REQUIRED
    plan: str | None = None  # DPA cash plan columns: "triwulan" or "bulan"
    within: str | None = None  # the code column whose code this one must start with
    key: bool = False  # identifies the DPA line (with the quarter, a realisasi figure)

    # Cached: read for every cell of a file (a frozen dataclass still has its __dict__).
    @cached_property
    def max_length(self) -> int | None:
        return model_field(self.model, self.field).max_length

    @cached_property
    def choices(self) -> list[str]:
        """The values a choice column accepts ([] for the other columns)."""
        if self.kind is not CHOICE:
            return []
        return [value for value, _label in model_field(self.model, self.field).flatchoices]

    @cached_property
    def writes_line(self) -> bool:
        """A field of the DPA line itself (not its key, not master data)."""
        return self.model is DpaLine and not self.key

    def parse(self, raw: str, row: int, errors: list[RowError], values: dict[str, Any]):
        parent = values.get(self.within) if self.within else None
        return self.kind.parse(self, raw, row, errors, parent)


DPA: tuple[Column, ...] = (
    Column("tahun", YEAR, DpaLine, "tahun", key=True),
    Column("kode_opd", OPD_CODE, Opd, "kode", key=True),
    Column("nama_opd", TEXT, Opd, "nama"),
    Column("kode_program", PROGRAM_CODE, Program, "kode", Need.BELANJA),
    Column("nama_program", TEXT, Program, "nama", Need.BELANJA),
    Column("kode_kegiatan", KEGIATAN_CODE, Kegiatan, "kode", Need.BELANJA, within="kode_program"),
    Column("nama_kegiatan", TEXT, Kegiatan, "nama", Need.BELANJA),
    Column(
        "kode_sub_kegiatan",
        SUB_KEGIATAN_CODE,
        SubKegiatan,
        "kode",
        Need.BELANJA,
        within="kode_kegiatan",
        key=True,
    ),
    Column("nama_sub_kegiatan", TEXT, SubKegiatan, "nama", Need.BELANJA),
    Column("kode_rekening", ACCOUNT_CODE, Account, "kode", key=True),
    # An account's name is kept once known: uraian in a DPA file often names the komponen.
    Column("uraian", TEXT, Account, "uraian"),
    Column("pagu", AMOUNT, DpaLine, "pagu"),
    *(Column(f"kas_tw{q}", AMOUNT, DpaLine, f"kas_tw{q}", plan="triwulan") for q in range(1, 5)),
    # SIPD exports the cash plan by month: months 1-3 add up to TW I, 4-6 to TW II, and so on.
    *(
        Column(f"kas_bulan_{m}", AMOUNT, DpaLine, f"kas_tw{(m + 2) // 3}", plan="bulan")
        for m in range(1, 13)
    ),
    Column("sumber_dana", CHOICE, DpaLine, "sumber_dana", Need.OPTIONAL),
)

REALISASI: tuple[Column, ...] = (
    Column("tahun", YEAR, DpaLine, "tahun", key=True),
    Column("triwulan", QUARTER, Realisasi, "triwulan", key=True),
    Column("kode_opd", OPD_CODE, Opd, "kode", key=True),
    # Empty for pendapatan and pembiayaan; a belanja row without it matches no DPA line.
    Column("kode_sub_kegiatan", SUB_KEGIATAN_CODE, SubKegiatan, "kode", Need.BELANJA, key=True),
    Column("kode_rekening", ACCOUNT_CODE, Account, "kode", key=True),
    Column("realisasi", AMOUNT, Realisasi, "jumlah"),
)

# Realisasi fisik (DESIGN §4, its own file): a sub kegiatan's cumulative physical progress at
# the end of a quarter. `alasan`, optional, is the reason for a figure below the quarter
# before (budget.fisik): a file without it imports whatever does not fall.
FISIK: tuple[Column, ...] = (
    Column("tahun", YEAR, RealisasiFisik, "tahun", key=True),
    Column("triwulan", QUARTER, RealisasiFisik, "triwulan", key=True),
    Column("kode_opd", OPD_CODE, Opd, "kode", key=True),
    Column("kode_sub_kegiatan", SUB_KEGIATAN_CODE, SubKegiatan, "kode", key=True),
    Column("fisik_persen", PERCENT, RealisasiFisik, "persen"),
    Column("alasan", REASON, RealisasiFisik, "alasan", Need.OPTIONAL),
)

CASH_PLANS = ("triwulan", "bulan")


def columns(
    table: Iterable[Column], *, plan: str | None = "triwulan", optional: bool = False
) -> list[Column]:
    """The columns of one file layout, in the contract's order: those of every file, the cash
    plan `plan` (None: no cash plan column), and the optional ones when `optional`."""
    return [
        c
        for c in table
        if (c.plan is None or c.plan == plan) and (optional or c.need is not Need.OPTIONAL)
    ]


def names(cols: Iterable[Column]) -> list[str]:
    return [c.name for c in cols]


def by_name(table: Iterable[Column]) -> dict[str, Column]:
    return {c.name: c for c in table}


# The public lists the importers, the web import and the tests use, in the contract's order.
DPA_COLUMNS = names(columns(DPA))  # the contract's header: cash plan by quarter
BASE_COLUMNS = names(columns(DPA, plan=None))
QUARTER_COLUMNS = names(c for c in DPA if c.plan == "triwulan")
MONTH_COLUMNS = names(c for c in DPA if c.plan == "bulan")
HIERARCHY_COLUMNS = names(c for c in DPA if c.need is Need.BELANJA)
DPA_OPTIONAL_COLUMNS = names(c for c in DPA if c.need is Need.OPTIONAL)
REALISASI_COLUMNS = names(columns(REALISASI))
FISIK_COLUMNS = names(columns(FISIK))
FISIK_OPTIONAL_COLUMNS = names(c for c in FISIK if c.need is Need.OPTIONAL)
# The DPA line's own fields in the contract's order, each with the first column that gives it
# (the months of a quarter give its kas_tw field too, and are read the same way).
LINE_FIELDS: dict[str, Column] = {}
for _column in DPA:
    if _column.writes_line:
        LINE_FIELDS.setdefault(_column.field, _column)


# How many distinct texts of one column a reader remembers (a province's file names some
# 40 000 sub kegiatan); past that, texts are parsed every time.
MEMO_LIMIT = 1 << 18


class CellReader:
    """How an importer reads the cells of one column: `reader(raw, row, errors, parent)`
    returns what `column.parse` does (None once the reason is appended to `errors`), `parent`
    being the value of the column this one lies `within` (`cell_reader`)."""

    __slots__ = ("column", "memo", "parse")

    def __init__(self, column: Column, parse: Callable[..., Any], memo: dict | None):
        self.column = column
        self.parse = parse
        # By text (and parent): the values of the texts read well. None for amounts. A row
        # loop may look a text up here itself before calling the reader.
        self.memo = memo

    def __call__(self, raw: Any, row: int, errors: list[RowError], parent: Any) -> Any:
        memo = self.memo
        if memo is None or type(raw) is not str:
            return self.parse(self.column, raw, row, errors, parent)
        key = raw if parent is None else (raw, parent)
        value = memo.get(key, _MISS)
        if value is not _MISS:
            return value
        before = len(errors)
        value = self.parse(self.column, raw, row, errors, parent)
        if len(errors) == before and len(memo) < MEMO_LIMIT:
            memo[key] = value
        return value


_MISS = object()


def cell_reader(column: Column, *, cents: bool = False) -> CellReader:
    """The reader of `column`'s cells for one file (an import makes its own, so nothing it
    remembers outlives the file).

    A file repeats its years, codes and names on every row: each distinct text is parsed once
    (`memo`), and a text refused is parsed again on each row, so that each row gets its own
    error. Only exact `str` cells are remembered: an XLSX number cell (`NumberText`) with the
    same text may read otherwise. Amounts differ on every row and are not remembered; `cents`
    reads them as whole sen (int), by the same fast path for a plain number (`PLAIN_CENTS`)."""
    if column.kind.summed:
        return CellReader(column, _amount_cents if cents else column.kind.parse, None)
    return CellReader(column, column.kind.parse, {})
