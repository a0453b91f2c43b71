"""Permendagri 90 codes: what is accepted, what is refused, and what a code tells about itself."""

import pytest

from budget.codes import (
    ACCOUNT_CHART,
    CodeError,
    Jenis,
    parse_account_code,
    parse_kegiatan_code,
    parse_opd_code,
    parse_program_code,
    parse_sub_kegiatan_code,
)


@pytest.mark.parametrize("code", ["1.02.0.00.0.00.01.0000", "3.27.0.00.0.00.01.0000"])
def test_it_accepts_an_opd_code_in_the_permendagri_90_form(code):
    assert parse_opd_code(code) == code


def test_it_strips_the_spaces_around_a_code():
    assert parse_opd_code("  1.02.0.00.0.00.01.0000 ") == "1.02.0.00.0.00.01.0000"
    assert parse_program_code("\t1.02.01\n") == "1.02.01"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "1.02",
        "1.2.0.00.0.00.01.0000",
        "1.02.0.00.0.00.01.000",
        "1.02.0.00.0.00.01.0000.1",
        "1-02-0-00-0-00-01-0000",
        "a.02.0.00.0.00.01.0000",
        "1.02.0.00.0.00.01.0000 x",
    ],
)
def test_it_refuses_an_opd_code_that_is_not_in_the_permendagri_90_form(code):
    with pytest.raises(CodeError):
        parse_opd_code(code)


@pytest.mark.parametrize("code", ["1.02.01", "3.27.15", "0.00.00"])
def test_it_accepts_a_program_code(code):
    assert parse_program_code(code) == code


@pytest.mark.parametrize(
    "code", ["", "1.2.1", "1.02", "1.02.001", "1.02.01.2", "1,02,01", "1.02.0a"]
)
def test_it_refuses_a_malformed_program_code(code):
    with pytest.raises(CodeError):
        parse_program_code(code)


def test_it_keeps_a_code_as_text_so_1_02_01_and_1_2_1_never_meet():
    assert parse_program_code("1.02.01") == "1.02.01"
    with pytest.raises(CodeError):
        parse_program_code("1.2.1")


def test_it_accepts_a_kegiatan_code_under_its_program():
    assert parse_kegiatan_code("1.02.01.2.01") == "1.02.01.2.01"
    assert parse_kegiatan_code("1.02.01.2.01", program="1.02.01") == "1.02.01.2.01"


@pytest.mark.parametrize("code", ["1.02.01", "1.02.01.2", "1.02.01.21.01", "1.02.01.2.1"])
def test_it_refuses_a_malformed_kegiatan_code(code):
    with pytest.raises(CodeError):
        parse_kegiatan_code(code)


def test_it_refuses_a_kegiatan_that_is_not_under_its_program():
    with pytest.raises(CodeError) as excinfo:
        parse_kegiatan_code("1.02.02.2.01", program="1.02.01")
    assert "1.02.02.2.01" in str(excinfo.value)
    assert "1.02.01" in str(excinfo.value)


def test_it_does_not_take_a_program_for_a_prefix_of_a_longer_program_code():
    # 1.02.0 is a textual prefix of 1.02.01.2.01 but not its program.
    with pytest.raises(CodeError):
        parse_kegiatan_code("1.02.01.2.01", program="1.02.0")


@pytest.mark.parametrize("code", ["1.02.01.2.01.0001", "1.02.01.2.01.01"])
def test_it_accepts_sub_kegiatan_codes_with_four_or_the_older_two_digits(code):
    assert parse_sub_kegiatan_code(code, kegiatan="1.02.01.2.01") == code


@pytest.mark.parametrize(
    "code", ["1.02.01.2.01", "1.02.01.2.01.1", "1.02.01.2.01.001", "1.02.01.2.01.00001"]
)
def test_it_refuses_a_malformed_sub_kegiatan_code(code):
    with pytest.raises(CodeError):
        parse_sub_kegiatan_code(code)


def test_it_refuses_a_sub_kegiatan_that_is_not_under_its_kegiatan():
    with pytest.raises(CodeError) as excinfo:
        parse_sub_kegiatan_code("1.02.01.2.02.0001", kegiatan="1.02.01.2.01")
    assert "1.02.01.2.02.0001" in str(excinfo.value)
    assert "1.02.01.2.01" in str(excinfo.value)


@pytest.mark.parametrize(
    ("code", "level", "jenis"),
    [
        ("4", 1, Jenis.PENDAPATAN),
        ("4.1", 2, Jenis.PENDAPATAN),
        ("4.1.01", 3, Jenis.PENDAPATAN),
        ("5.1.02.01.01.0001", 6, Jenis.BELANJA),
        ("5.2.02.05.01.0005", 6, Jenis.BELANJA),
        ("5.4", 2, Jenis.BELANJA),
        ("6.1.01.01.01.0001", 6, Jenis.PEMBIAYAAN),
        ("6.2.02", 3, Jenis.PEMBIAYAAN),
    ],
)
def test_an_account_code_tells_its_level_and_its_jenis(code, level, jenis):
    account = parse_account_code(code)
    assert account.kode == code
    assert account.level == level
    assert account.jenis == jenis


def test_an_account_whose_first_segment_is_not_4_5_or_6_has_no_jenis():
    assert parse_account_code("7.1.01").jenis is None
    assert parse_account_code("1").jenis is None


def test_an_account_code_gives_its_prefix_at_each_depth():
    account = parse_account_code("5.1.02.01.01.0001")
    assert [account.prefix(d) for d in range(1, 7)] == [
        "5",
        "5.1",
        "5.1.02",
        "5.1.02.01",
        "5.1.02.01.01",
        "5.1.02.01.01.0001",
    ]
    assert account.prefix(9) == "5.1.02.01.01.0001"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "5.",
        ".5",
        "5..02",
        "51.02",
        "5.1.2",
        "5.1.002",
        "5.1.02.1",
        "5.1.02.01.01.001",
        "5.1.02.01.01.0001.01",
        "5.1.02.01.01.00a1",
        "5 1 02",
        "5,1,02",
    ],
)
def test_it_refuses_a_malformed_account_code(code):
    with pytest.raises(CodeError):
        parse_account_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "\uff11.02.0.00.0.00.01.0000",  # full-width digit one
        "1.0\u0662.0.00.0.00.01.0000",  # Arabic-Indic digit two
    ],
)
def test_it_refuses_an_opd_code_with_digits_that_are_not_ascii(code):
    # They look like a valid code but would be stored as a second, different code.
    with pytest.raises(CodeError):
        parse_opd_code(code)


@pytest.mark.parametrize("code", ["\uff15.1", "5.\u00b9", "5.1.0\u0662"])
def test_it_refuses_an_account_code_with_digits_that_are_not_ascii(code):
    with pytest.raises(CodeError):
        parse_account_code(code)


def test_the_chart_names_every_kelompok_of_the_three_sides():
    for kode in ("4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2"):
        assert ACCOUNT_CHART[kode]
    assert ACCOUNT_CHART["5.1.02"] == "Belanja Barang dan Jasa"
