"""Known answer: Dinas Pertanian dan Pangan, Kabupaten Magelang, 2019 (see tests/reference/).

The reference files are imported through the commands and the program-level report is compared
with magelang-2019-expected.csv, row by row. The expected values are read from that file only.
"""

import csv
from decimal import Decimal

import pytest

from tests.helpers import REFERENCE_DIR, report

pytestmark = pytest.mark.django_db


def expected_rows() -> dict[str, dict[str, str]]:
    with open(REFERENCE_DIR / "magelang-2019-expected.csv", encoding="utf-8", newline="") as f:
        return {row["kode_program"]: row for row in csv.DictReader(f)}


def expected_percent(text: str) -> float | None:
    return None if text == "" else float(Decimal(text))


def test_the_reference_expects_fifteen_programs_and_a_total():
    rows = expected_rows()
    assert len(rows) == 16
    assert "TOTAL" in rows


def test_every_program_of_the_magelang_report_matches_the_published_data(magelang):
    data = report(tahun=2019, level="program")
    expected = expected_rows()
    programs = {k: v for k, v in expected.items() if k != "TOTAL"}

    assert data["tahun"] == 2019
    assert data["triwulan"] == 4
    assert data["level"] == "program"
    assert [row["kode"] for row in data["rows"]] == sorted(programs)
    for row in data["rows"]:
        want = programs[row["kode"]]
        assert row["jenis"] == "belanja"
        assert row["nama"] == want["nama_program"]
        assert Decimal(row["pagu"]) == Decimal(want["pagu"]), row["kode"]
        assert Decimal(row["realisasi_kumulatif"]) == Decimal(want["realisasi"]), row["kode"]
        assert Decimal(row["sisa"]) == Decimal(want["pagu"]) - Decimal(want["realisasi"])
        assert row["serapan_persen"] == expected_percent(want["serapan_persen"]), row["kode"]
        assert row["kategori_serapan"] == (want["kategori_serapan"] or None), row["kode"]


def test_the_programs_without_budget_have_no_serapan_and_no_category(magelang):
    rows = {row["kode"]: row for row in report(tahun=2019, level="program")["rows"]}
    for kode, want in expected_rows().items():
        if want["serapan_persen"] == "":
            assert Decimal(rows[kode]["pagu"]) == Decimal("0")
            assert rows[kode]["serapan_persen"] is None
            assert rows[kode]["kategori_serapan"] is None
            assert rows[kode]["capaian_kas_persen"] is None
            assert rows[kode]["kategori_efisiensi"] is None


def test_the_pemda_total_matches_the_published_total(magelang):
    data = report(tahun=2019, level="pemda")
    want = expected_rows()["TOTAL"]
    [row] = data["rows"]
    assert row["jenis"] == "belanja"
    assert Decimal(row["pagu"]) == Decimal(want["pagu"])
    assert Decimal(row["realisasi_kumulatif"]) == Decimal(want["realisasi"])
    assert row["serapan_persen"] == expected_percent(want["serapan_persen"])
    assert row["kategori_serapan"] == want["kategori_serapan"]


def test_the_single_opd_adds_up_to_the_pemda_total(magelang):
    [opd] = report(tahun=2019, level="opd")["rows"]
    [pemda] = report(tahun=2019, level="pemda")["rows"]
    for field in ("pagu", "kas_kumulatif", "realisasi_kumulatif", "sisa", "serapan_persen"):
        assert opd[field] == pemda[field]


def test_the_amounts_are_exact_decimal_strings_to_the_sen(magelang):
    [row] = report(tahun=2019, level="pemda")["rows"]
    want = expected_rows()["TOTAL"]
    assert row["pagu"] == f"{Decimal(want['pagu']):.2f}"
    assert row["realisasi_kumulatif"] == f"{Decimal(want['realisasi']):.2f}"


def test_all_of_2019_was_realised_in_the_fourth_quarter(magelang):
    [tw3] = report(tahun=2019, triwulan=3, level="pemda")["rows"]
    assert Decimal(tw3["realisasi_kumulatif"]) == Decimal("0")
    assert tw3["serapan_persen"] == 0.0
    assert tw3["kategori_serapan"] == "Tidak Efektif"
