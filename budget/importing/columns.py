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
    Jenis,
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
from budget.money import CENT, AmountError, parse_amount


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


# The code parsers are looked up when a cell is read, so that the benchmark can swap in
# memoised ones (scripts/benchmark.py, memoised_parsers).
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


def line_fields(cols: Iterable[Column], values: dict[str, Any]) -> dict[str, Any]:
    """The DPA line's own fields given by one row's `values`: the amounts of the columns that
    give one field (the months of a quarter) added up, None when one of them did not parse."""
    line: dict[str, Any] = {}
    for column in cols:
        if not column.writes_line or column.name not in values:
            continue
        value = values[column.name]
        if column.field in line and column.kind.summed:
            before = line[column.field]
            line[column.field] = None if before is None or value is None else before + value
        else:
            line[column.field] = value
    return line


def parse_cells(
    cols: Iterable[Column],
    cells: dict[str, str],
    row: int,
    errors: list[RowError],
    *,
    jenis: Jenis | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Parse one row's cells of `cols` into `values` (by column name), appending every reason
    to refuse one to `errors`. A column the file leaves out (an optional one) is skipped.

    Need.BELANJA columns are parsed on a belanja row and must be empty on a pendapatan or
    pembiayaan row; when `jenis` is None (a realisasi row, which its DPA line decides), an
    empty cell is None."""
    values = {} if values is None else values
    for column in cols:
        if column.name not in cells:
            continue
        raw = cells[column.name]
        if column.need is Need.BELANJA and jenis is not Jenis.BELANJA and not raw:
            values[column.name] = None
        elif column.need is Need.BELANJA and jenis is not None and jenis is not Jenis.BELANJA:
            errors.append(
                RowError(
                    row,
                    column.name,
                    _("must be empty: %(jenis)s lines are not budgeted under a program")
                    % {"jenis": jenis.value},
                )
            )
            values[column.name] = None
        else:
            values[column.name] = column.parse(raw, row, errors, values)
    return values
