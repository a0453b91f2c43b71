"""Amounts in the importers' refusals are written the Indonesian way (issue #11):
`Rp 48.000.000` and `67,46%`, never `48000000.00` or `67.46%`.

The cash plan's refusal and the realisasi above the pagu print `Rp 390.000`, as the others do.
"""

import re

import pytest

from tests.factories import dpa_row, realisasi_row
from tests.helpers import dpa_refused, realisasi_refused, run_command

pytestmark = pytest.mark.django_db

# 48000000.00, 0.50 or 67.46% (a Decimal as Python writes it); not 1.234.567 (Indonesian).
ENGLISH_NUMBER = re.compile(r"\d\.\d{2}\b|\d{4,}\.\d")


def test_the_pattern_tells_the_two_ways_apart():
    for english in ("48000000.00", "padahal pagu 400000.00", "capaian 67.46%", "0.50"):
        assert ENGLISH_NUMBER.search(english), english
    for indonesian in ("Rp 48.000.000", "Rp 1.234.567,50", "67,46%", "Rp 400.000", "2024 TW 1"):
        assert not ENGLISH_NUMBER.search(indonesian), indonesian


def _pagu_below_realised(files) -> list[str]:
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    run_command(
        "import_realisasi", files.csv([realisasi_row(realisasi="300000")]), no_progress=True
    )
    return [
        e.message
        for e in dpa_refused(
            files.csv(
                [dpa_row(pagu="200000", kas_tw1="0", kas_tw2="0", kas_tw3="0", kas_tw4="200000")]
            )
        )
    ]


def _cash_plan(files) -> list[str]:
    return [e.message for e in dpa_refused(files.csv([dpa_row(kas_tw4="90000")]))]


def _realisasi_above_pagu(files) -> list[str]:
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    return [e.message for e in realisasi_refused(files.csv([realisasi_row(realisasi="500000")]))]


@pytest.mark.parametrize(
    "refusal",
    [
        _pagu_below_realised,
        _cash_plan,
        _realisasi_above_pagu,
    ],
)
def test_no_refusal_of_an_import_writes_an_amount_the_english_way(files, refusal):
    messages = refusal(files)
    assert messages
    for message in messages:
        assert not ENGLISH_NUMBER.search(message), message
