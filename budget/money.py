"""Amounts: parsed from text into exact Decimals, formatted the Indonesian way for display.

Accepted: plain numbers (`42498101625`, `42498101625.50`) and Indonesian text
(`Rp 42.498.101.625,00`, `42.498.101.625`). Ambiguous text is refused rather than guessed.

The dot, by one rule: a dot followed by exactly three digits groups thousands (`1.234` is 1234,
and every group must have three digits: `1.23.456` is refused); a dot followed by one or two
digits at the end of a number without grouping is the decimal point (`1.5`, `42498101625.50`).
Nothing else is read (`1234.567`, `1.234.56`, `1,234`: refused). The only reading the rule
drops, `1.234` as one and 234 thousandths, would have three decimal places: no amount of
rupiah and sen has them. A spreadsheet's number cell is read as the number it holds
(`NumberText`), so a cell holding 1.234 is refused, not taken for 1234. Digits are 0-9 only.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, TypedDict

from django.utils.translation import gettext_lazy as _


class MoneyOptions(TypedDict):
    max_digits: int
    decimal_places: int


# Every amount is stored as DecimalField(max_digits=20, decimal_places=2). A TypedDict, so that
# `DecimalField(**MONEY)` is checked argument by argument.
MONEY: Final[MoneyOptions] = {"max_digits": 20, "decimal_places": 2}
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999999999.99")  # DecimalField(max_digits=20, decimal_places=2)

# Digits are ASCII only (re.ASCII): Python's \d and Decimal() also take full-width (１２３) and
# Arabic-Indic (١٢٣) digits, which no Indonesian finance document uses; such text is refused.
_PLAIN = re.compile(r"^\d+(\.\d{1,2})?$", re.ASCII)
# Indonesian grouping: dots between thousands, a comma before at most two decimals.
_INDONESIAN = re.compile(r"^\d{1,3}(\.\d{3})+(,\d{1,2})?$|^\d+,\d{1,2}$", re.ASCII)
# Scientific notation a spreadsheet may produce for a float cell, e.g. 4.2498101625e10.
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$", re.ASCII)


class AmountError(ValueError):
    pass


class NumberText(str):
    """The text of a spreadsheet cell that holds a number, keeping the number: an XLSX number
    cell holding 1.234 is one and 234 thousandths (refused: more than two decimal places),
    whereas the text `1.234` is one thousand two hundred and thirty-four by the Indonesian
    grouping."""

    number: int | float

    def __new__(cls, number: int | float) -> "NumberText":
        text = super().__new__(cls, str(number))
        text.number = number
        return text


def non_ascii_digit(text: str) -> str | None:
    """The first digit of `text` that is not one of 0-9 (full-width, Arabic-Indic, ...)."""
    if text.isascii():  # the common case, checked in C: no such digit
        return None
    return next((c for c in text if c.isdigit() and not c.isascii()), None)


def non_ascii_digit_message(raw: str, char: str) -> str:
    return _("%(raw)r contains %(char)r, a digit other than 0-9; type it with the digits 0-9") % {
        "raw": raw,
        "char": char,
    }


def parse_amount(raw: object, *, allow_negative: bool = False) -> Decimal:
    """Parse one amount into a Decimal with two places; raise AmountError with a reason."""
    if isinstance(raw, NumberText):
        raw = raw.number
    value = _to_decimal(raw)
    if not value.is_finite():
        raise AmountError(_("%(raw)r is not an amount") % {"raw": raw})
    # Checked before quantize(), which raises InvalidOperation past 28 significant digits;
    # copy_abs() is exact where abs() would overflow on an exponent like 1E+1000000.
    if value.copy_abs() > MAX_AMOUNT:
        raise AmountError(_("amount %(raw)s is too large") % {"raw": raw})
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise AmountError(
            _("%(raw)s has more than two decimal places (amounts are in rupiah and sen)")
            % {"raw": raw}
        )
    value = value.quantize(CENT)
    if value < 0 and not allow_negative:
        raise AmountError(_("amount %(raw)s is negative") % {"raw": raw})
    return value


def _to_decimal(raw: object) -> Decimal:
    if raw is None:
        raise AmountError(_("amount is empty"))
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, bool):
        raise AmountError(_("%(raw)r is not an amount") % {"raw": raw})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr() is the shortest text that reads back as the same float: the value typed.
        return Decimal(repr(raw))
    return _parse_text(str(raw))


def _parse_text(text: str) -> Decimal:
    original = text
    text = text.strip().replace("\u00a0", " ")
    if not text:
        raise AmountError(_("amount is empty"))
    if text.startswith("="):
        raise AmountError(
            _("%(raw)r is a formula, not a value; paste values only") % {"raw": original}
        )
    if (char := non_ascii_digit(text)) is not None:
        raise AmountError(non_ascii_digit_message(original, char))
    negative, text = _split_sign(text, original=original)
    number = _decimal_text(text, original=original)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only numbers
        raise AmountError(_("%(raw)r is not an amount") % {"raw": original}) from exc
    return -value if negative else value


def _split_sign(text: str, *, original: str) -> tuple[bool, str]:
    """Whether the amount is negative, and its digits without the currency and the spaces."""
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting notation for a negative
        negative, text = True, text[1:-1].strip()
    if text[:2].lower() == "rp":
        text = text[2:].lstrip(" .")
    text = text.replace(" ", "")
    if text.startswith("-"):
        if negative:  # "(-5)" or "--5": two signs are a typing error, not a positive amount
            raise AmountError(_("%(raw)r is not an amount") % {"raw": original})
        negative, text = True, text[1:]
    return negative, text


def _decimal_text(text: str, *, original: str) -> str:
    """The digits as `Decimal` reads them: Indonesian grouping and decimal comma undone."""
    if _PLAIN.match(text):
        return text
    if _INDONESIAN.match(text):
        return text.replace(".", "").replace(",", ".")
    if _SCIENTIFIC.match(text):
        return text
    raise AmountError(_("%(raw)r is not an amount") % {"raw": original})


def format_rupiah(value: Decimal | None, *, decimals: int = 0) -> str:
    """`Rp 1.234.567` (no sen by default, as budget reports print)."""
    if value is None:
        return "—"
    return "Rp " + format_number(value, decimals=decimals)


def format_number(value: Decimal, *, decimals: int = 0) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _sep, frac = f"{abs(rounded):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if decimals else f"{sign}{grouped}"


def format_percent(value: Decimal | None, *, decimals: int = 2) -> str:
    """`73,73%`; an undefined ratio is shown as a dash."""
    if value is None:
        return "—"
    return format_number(value, decimals=decimals) + "%"


def cents_of(value: Decimal) -> int:
    """An amount of rupiah and sen (two places at most) as whole sen: exact, and a third of a
    Decimal's memory (an import holds millions of amounts). More places raise ValueError: an
    amount is never rounded or cut silently (the forms, the API and the importers refuse them
    first, with a message)."""
    scaled = value.scaleb(2)
    cents = int(scaled)
    if cents != scaled:
        raise ValueError(f"{value} has more than two decimal places")
    return cents


def from_cents(cents: int) -> Decimal:
    """Whole sen as the amount with two places that `cents_of` read: 123456 -> 1234.56."""
    return Decimal(cents).scaleb(-2)


def money_text(cents: int) -> str:
    """Whole sen as PostgreSQL reads a numeric (COPY's text): 123456 -> "1234.56"."""
    if cents >= 100:
        text = str(cents)
        return text[:-2] + "." + text[-2:]
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    whole, sen = divmod(cents, 100)
    return f"{sign}{whole}.{sen:02d}"


def format_amount(value: Decimal) -> str:
    """`Rp 1.234.567` for whole rupiah, `Rp 1.234.567,50` when there are sen."""
    return format_rupiah(value, decimals=0 if value == value.to_integral_value() else 2)
