"""Shared fixtures: import files written into tmp_path and the Magelang reference region."""

from pathlib import Path

import pytest

from budget.models import Region
from tests.helpers import REFERENCE_DIR, ImportFiles, run_command


@pytest.fixture
def files(tmp_path) -> ImportFiles:
    """Writes CSV and XLSX import files into tmp_path: `files.csv(rows)`, `files.xlsx(rows)`."""
    return ImportFiles(tmp_path)


@pytest.fixture
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture
def magelang(db) -> Region:
    """The Magelang 2019 reference files imported through the commands, as an operator would."""
    run_command("import_dpa", REFERENCE_DIR / "magelang-2019-dpa.csv", no_progress=True)
    run_command("import_realisasi", REFERENCE_DIR / "magelang-2019-realisasi.csv", no_progress=True)
    return Region.objects.get()
