"""Amounts, years, quarters and codes take the digits 0-9 only, and the dot is read by one rule
(issue 9): a dot before exactly three digits groups thousands, a dot before one or two final
digits is the decimal point, anything else is refused; a spreadsheet's number cell is the
number it holds."""

from decimal import Decimal

import pytest
from django.utils import translation

from budget.importing import read_table
from budget.importing.dpa import import_dpa
from budget.models import DpaLine, Realisasi
from budget.money import AmountError, NumberText, parse_amount
from tests.factories import dpa_row, realisasi_row
from tests.helpers import dpa_refused, places, realisasi_refused, run_command

FULLWIDTH = "１２３"
ARABIC_INDIC = "١٢٣"
PERSIAN = "۱۲۳"


def id_text(msgid: str, **values) -> str:
    with translation.override("id"):
        return translation.gettext(msgid) % values


def digit_refusal(raw: str, char: str) -> str:
    return id_text(
        "%(raw)r contains %(char)r, a digit other than 0-9; type it with the digits 0-9",
        raw=raw,
        char=char,
    )


# --- digits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "char"),
    [
        (FULLWIDTH, "１"),
        (ARABIC_INDIC, "١"),
        (PERSIAN, "۱"),
        ("Rp １.２３４,００", "１"),
        ("12３", "３"),
        ("1.000.٥٠٠", "٥"),
        ("１e3", "１"),
    ],
)
def test_an_amount_with_a_digit_other_than_0_to_9_is_refused_naming_it(raw, char):
    with translation.override("id"), pytest.raises(AmountError) as excinfo:
        parse_amount(raw)
    assert str(excinfo.value) == digit_refusal(raw, char)
    assert "angka selain 0-9" in str(excinfo.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("kas_tw1", "１０００００"),  # the row's plan still adds up, read the ASCII way
        ("pagu", "٤٠٠٠٠٠"),
        ("tahun", "２０２４"),
        ("kode_rekening", "５.1.02.01.01.0001"),
        ("kode_opd", "1.02.0.00.0.00.01.٠٠٠٠"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_dpa_file_with_such_a_digit_is_refused_with_row_and_column(files, column, value, kind):
    rows = [dpa_row(), dpa_row(**{"kode_rekening": "5.1.02.01.01.0002", column: value})]
    path = files.csv(rows) if kind == "csv" else files.xlsx(rows)
    errors = dpa_refused(path)
    assert (3, column) in places(errors)
    message = next(e.message for e in errors if (e.row, e.column) == (3, column))
    assert "0-9" in message
    assert not DpaLine.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("realisasi", "٥٠٠٠٠"),
        ("realisasi", "Rp ５０.０００"),
        ("triwulan", "１"),
        ("tahun", "٢٠٢٤"),
    ],
)
def test_a_realisasi_file_with_such_a_digit_is_refused_with_row_and_column(files, column, value):
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    errors = realisasi_refused(files.csv([realisasi_row(**{column: value})]))
    assert places(errors) == {(2, column)}
    assert "0-9" in errors[0].message
    assert not Realisasi.objects.exists()


# --- the dot ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234", "1234.00"),  # a dot before three digits groups thousands
        ("500.000", "500000.00"),  # as the entry page shows a stored amount
        ("12.345.678", "12345678.00"),
        ("Rp 1.234", "1234.00"),
        ("1.234,00", "1234.00"),
        ("1.234,5", "1234.50"),
        ("1.5", "1.50"),  # a dot before one or two final digits is the decimal point
        ("1.23", "1.23"),
        ("42498101625.50", "42498101625.50"),
    ],
)
def test_the_dot_is_read_by_one_rule(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "1234.567",  # three decimals, and no thousands grouping either
        "1.234.56",  # grouped, then a decimal point: two conventions in one number
        "1.23.456",  # a group of two
        "1.2345",
        "1,234",  # an English thousands comma
        "1,234.56",
        "1.234.567,891",
    ],
)
def test_text_the_rule_cannot_read_is_refused(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)


def test_a_spreadsheet_number_is_the_number_it_holds_not_text_read_by_the_dot_rule():
    assert parse_amount("1.234") == Decimal("1234.00")
    with pytest.raises(AmountError) as excinfo:
        parse_amount(NumberText(1.234))  # one and 234 thousandths: more than two decimals
    assert "1.234" in str(excinfo.value)
    assert parse_amount(NumberText(12.5)) == Decimal("12.50")
    assert parse_amount(NumberText(400000)) == Decimal("400000.00")
    assert NumberText(1.234) == "1.234"  # the same text for everything else (codes, years)


def number_row(**cells: object) -> dict[str, object]:
    """A DPA row for an XLSX file: `cells` are written as they are (numbers as number cells),
    the rest as text."""
    return {**dpa_row(), **cells}


@pytest.mark.django_db
def test_an_xlsx_number_cell_holding_1_234_is_refused_not_read_as_1234(files):
    rows = [number_row(pagu=1.234, kas_tw1=1.234, kas_tw2=0, kas_tw3=0, kas_tw4=0)]
    errors = dpa_refused(files.xlsx(rows))
    assert places(errors) == {(2, "pagu"), (2, "kas_tw1")}
    assert not DpaLine.objects.exists()


@pytest.mark.django_db
def test_xlsx_number_cells_and_text_cells_import_by_their_kind(files):
    rows = [
        number_row(pagu=400000, kas_tw1=100000.5, kas_tw2=99999.5, kas_tw3="100.000", kas_tw4=1e5),
        number_row(
            kode_rekening="5.1.02.01.01.0002",
            tahun=2024,
            pagu="1.234",
            kas_tw1="1.234",
            kas_tw2=0,
            kas_tw3=0,
            kas_tw4=0,
        ),
    ]
    import_dpa(table=read_table(files.xlsx(rows)))
    lines = {line.account.kode: line for line in DpaLine.objects.select_related("account")}
    first, second = lines["5.1.02.01.01.0001"], lines["5.1.02.01.01.0002"]
    assert (first.pagu, first.kas_tw1, first.kas_tw3) == (
        Decimal("400000.00"),
        Decimal("100000.50"),
        Decimal("100000.00"),
    )
    assert (second.tahun, second.pagu) == (2024, Decimal("1234.00"))
