"""Text written into CSV and XLSX files, safe to open in a spreadsheet (CSV or formula injection).

A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` for a formula, and a leading
tab or carriage return can hide one of them from the eye: a name like `=HYPERLINK(...)` or
`-cmd|' /C calc'!A0` would run when the export is opened. OWASP's advice is to write such text
with a leading single quote, which the spreadsheet shows as text. The importers refuse text
that starts with the same characters (`budget.importing.common.check_text`), so what Serapan
reads in and what it writes out obey one rule: `FORMULA_PREFIXES`.

Only text is touched: amounts and percentages stay numbers (a negative Decimal is a number,
not text that starts with `-`).
"""

from collections.abc import Iterable
from typing import Any, Final, Protocol, TypeVar, cast

# The characters a spreadsheet reads as the start of a formula (OWASP "CSV Injection").
FORMULA_PREFIXES: Final = frozenset({"=", "+", "-", "@", "\t", "\r"})
QUOTE: Final = "'"

T = TypeVar("T")


def starts_like_a_formula(text: str) -> bool:
    return text[:1] in FORMULA_PREFIXES


def spreadsheet_safe(value: T) -> T:
    """`value` as a spreadsheet cell: text that starts like a formula gets a leading `'`;
    anything else (numbers, None, other text) is returned unchanged."""
    if isinstance(value, str) and starts_like_a_formula(value):
        return cast(T, QUOTE + value)
    return value


class _Sheet(Protocol):
    def iter_rows(self) -> Iterable[Iterable[Any]]: ...


def make_sheet_safe(sheet: _Sheet) -> None:
    """Pass every text cell of an openpyxl worksheet through `spreadsheet_safe`, once it is
    written: openpyxl itself stores a text beginning with `=` as a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and starts_like_a_formula(cell.value):
                cell.value = spreadsheet_safe(cell.value)
