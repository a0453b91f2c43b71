"""Amounts: parsed into exact Decimals (ambiguous text refused), formatted the Indonesian way."""

from decimal import Decimal

import pytest

from budget.money import AmountError, format_number, format_percent, format_rupiah, parse_amount


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42498101625", "42498101625.00"),
        ("42498101625.50", "42498101625.50"),
        ("42498101625.5", "42498101625.50"),
        ("0", "0.00"),
        ("Rp 42.498.101.625,00", "42498101625.00"),
        ("Rp42.498.101.625,00", "42498101625.00"),
        ("Rp. 1.000", "1000.00"),
        ("rp 1.000,5", "1000.50"),
        ("42.498.101.625", "42498101625.00"),
        ("1.234", "1234.00"),
        ("1.555", "1555.00"),  # a dot before three digits groups thousands
        ("1,5", "1.50"),
        ("1,25", "1.25"),
        ("1.234.567,89", "1234567.89"),
        (" 1 000 ", "1000.00"),
        ("1\u00a0000", "1000.00"),
    ],
)
def test_it_parses_plain_and_indonesian_amounts_exactly(raw, expected):
    value = parse_amount(raw)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4.2498101625e10", "42498101625.00"),
        ("4.2498101625E+10", "42498101625.00"),
        ("1E2", "100.00"),
        ("1.5e1", "15.00"),
    ],
)
def test_it_reads_the_scientific_notation_a_spreadsheet_writes_for_a_large_number(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


def test_it_takes_numbers_a_spreadsheet_gives_as_int_float_or_decimal():
    assert parse_amount(470412200) == Decimal("470412200.00")
    assert parse_amount(42498101625.5) == Decimal("42498101625.50")
    assert parse_amount(0.1) == Decimal("0.10")
    assert parse_amount(Decimal("12.3")) == Decimal("12.30")


@pytest.mark.parametrize(
    "raw",
    [
        "1,234,567",  # US grouping: 1234567 or 1.234567? refused, not guessed
        "1,234",
        "1.234,567",
        "1.23.4",
        "12.34.567",
        "abc",
        "Rp",
        "satu juta",
        "1 juta",
        "1.000,-",
        "nan",
        "inf",
        "0x10",
        "1e",
        "--5",
        "-(5)",
        "(-5)",
        "- -5",
    ],
)
def test_it_refuses_text_that_is_not_an_unambiguous_amount(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["=1+1", "=SUM(A1:A3)", " =1+1"])
def test_it_refuses_a_formula(raw):
    with pytest.raises(AmountError) as excinfo:
        parse_amount(raw)
    assert "=" in str(excinfo.value)


@pytest.mark.parametrize("raw", ["-5", "-1.000", "(1.000)", "Rp -5", -5, Decimal("-0.01")])
def test_it_refuses_a_negative_amount(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


def test_it_accepts_a_negative_amount_when_the_caller_allows_it():
    assert parse_amount("-5", allow_negative=True) == Decimal("-5.00")
    assert parse_amount("(1.000)", allow_negative=True) == Decimal("-1000.00")
    assert parse_amount("Rp -1.000,50", allow_negative=True) == Decimal("-1000.50")


def test_minus_zero_is_zero():
    assert parse_amount("-0") == Decimal("0.00")


@pytest.mark.parametrize(
    "raw", ["1.5555", "1.234.567,891", "0,001", 12.345, Decimal("0.001"), "1.5e-3"]
)
def test_it_refuses_an_amount_with_more_than_two_decimal_places(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0"])
def test_it_refuses_an_empty_amount(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


@pytest.mark.parametrize("raw", [True, False, float("nan"), float("inf"), Decimal("NaN")])
def test_it_refuses_values_that_are_not_amounts(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


@pytest.mark.parametrize(
    "raw", ["1000000000000000000", "1e18", "1e30", "1" * 31, "1E+1000000", 1e20, 10**30]
)
def test_it_refuses_an_amount_too_large_for_the_database_with_an_amount_error(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


def test_the_largest_amount_the_database_holds_is_accepted():
    assert parse_amount("999999999999999999.99") == Decimal("999999999999999999.99")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567"), "Rp 1.234.567"),
        (Decimal("42498101625.00"), "Rp 42.498.101.625"),
        (Decimal("0"), "Rp 0"),
        (Decimal("999"), "Rp 999"),
        (Decimal("1000"), "Rp 1.000"),
        (Decimal("1234567.50"), "Rp 1.234.568"),
        (Decimal("1234567.49"), "Rp 1.234.567"),
        (Decimal("-1234567"), "Rp -1.234.567"),
    ],
)
def test_it_formats_rupiah_with_dots_between_thousands_and_no_sen(value, text):
    assert format_rupiah(value) == text


def test_it_formats_rupiah_with_sen_after_a_comma_when_asked():
    assert format_rupiah(Decimal("1234567.5"), decimals=2) == "Rp 1.234.567,50"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("73.73"), "73,73%"),
        (Decimal("73.725"), "73,73%"),
        (Decimal("89.995"), "90,00%"),
        (Decimal("100"), "100,00%"),
        (Decimal("0"), "0,00%"),
        (Decimal("1234.5"), "1.234,50%"),
    ],
)
def test_it_formats_a_percentage_with_a_decimal_comma(value, text):
    assert format_percent(value) == text


def test_an_undefined_amount_or_ratio_is_shown_as_a_dash():
    assert format_rupiah(None) == "—"
    assert format_percent(None) == "—"


def test_format_number_groups_thousands_and_rounds_half_up():
    assert format_number(Decimal("1234.5")) == "1.235"
    assert format_number(Decimal("2.5")) == "3"
    assert format_number(Decimal("1234.567"), decimals=2) == "1.234,57"
