"""Helpers the tests share: import files written into a folder, commands run as an operator
runs them."""

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl.worksheet.worksheet import Worksheet

from budget.importing import ImportRefused, RowError, read_table
from budget.importing.dpa import import_dpa
from budget.importing.realisasi import import_realisasi
from tests.factories import DPA_COLUMNS

REFERENCE_DIR = Path(__file__).parent / "reference"


def _header(
    rows: list[Mapping[str, object] | list[object]], columns: list[str] | None
) -> list[str]:
    """The columns given, else the keys of the first row (a dict), else the DPA columns."""
    if columns is not None:
        return columns
    if not rows:
        return DPA_COLUMNS
    if not isinstance(rows[0], Mapping):
        raise TypeError("rows written as lists need their columns")
    return list(rows[0])


class ImportFiles:
    """Writes import files into a temporary folder and returns their paths."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._n = 0

    def _path(self, name: str | None, suffix: str) -> Path:
        self._n += 1
        return self.folder / (name or f"file{self._n}{suffix}")

    def csv(
        self,
        rows: Iterable[Mapping[str, object] | list[object]],
        columns: list[str] | None = None,
        *,
        sep: str = ",",
        name: str | None = None,
        encoding: str = "utf-8",
    ) -> Path:
        """Rows are dicts (written under `columns`) or lists (written as they are)."""
        rows = list(rows)
        columns = _header(rows, columns)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=sep, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns] if isinstance(row, Mapping) else row)
        path = self._path(name, ".csv")
        path.write_bytes(out.getvalue().encode(encoding))
        return path

    def xlsx(
        self,
        rows: Iterable[Mapping[str, object] | list[object]],
        columns: list[str] | None = None,
        *,
        name: str | None = None,
    ) -> Path:
        """The first sheet holds the header and rows; a value starting with = is a formula."""
        rows = list(rows)
        columns = _header(rows, columns)
        book = openpyxl.Workbook()
        sheet = book.active
        assert isinstance(sheet, Worksheet)  # a new workbook holds one worksheet
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns] if isinstance(row, Mapping) else row)
        path = self._path(name, ".xlsx")
        book.save(path)
        return path

    def raw(self, data: bytes, *, name: str = "raw.csv") -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path


def run_command(name: str, *args: object, **options: object) -> str:
    """Run a management command and return what it printed on stdout."""
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def report(**options: object) -> dict:
    """`absorption_report --format json` with the given options, parsed."""
    return json.loads(run_command("absorption_report", format="json", **options))


def refusal(name: str, *args: object, **options: object) -> tuple[CommandError, str]:
    """Run a command that must fail; return the CommandError and what it printed on stderr."""
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(name, *[str(a) for a in args], stdout=io.StringIO(), stderr=err, **options)
    return excinfo.value, err.getvalue()


def places_in(stderr: str, columns: list[str]) -> set[tuple[int | None, str | None]]:
    """(row, column) of every error line a command printed.

    Reads only the numbers and column names before the first colon, so that it does not depend
    on the words around them (the messages are being translated)."""
    places = set()
    for line in stderr.splitlines():
        prefix = line.split(":", 1)[0] if ":" in line else ""
        numbers = re.findall(r"\d+", prefix)
        named = [c for c in columns if re.search(rf"\b{re.escape(c)}\b", prefix)]
        places.add((int(numbers[0]) if numbers else None, named[-1] if named else None))
    return places


def dpa_refused(path: Path, **options: Any) -> list[RowError]:
    """The errors with which the DPA service refuses a file (fails if it accepts it)."""
    with pytest.raises(ImportRefused) as excinfo:
        import_dpa(table=read_table(path), **options)
    return excinfo.value.errors


def realisasi_refused(path: Path, **options: Any) -> list[RowError]:
    with pytest.raises(ImportRefused) as excinfo:
        import_realisasi(table=read_table(path), **options)
    return excinfo.value.errors


def places(errors: list[RowError]) -> set[tuple[int | None, str | None]]:
    return {(e.row, e.column) for e in errors}


def fetch(client, url: str, data: Mapping[str, Any] | None = None):
    """A report as the browser ends up with it: an OPD's answered at once; the region's made
    by a background job, whose page offers the file (with the immediate backend of the tests
    the job has run by the time its page answers)."""
    response = client.get(url, data)
    if response.status_code != 302 or not response["Location"].startswith("/tugas/"):
        return response
    page = client.get(response["Location"])
    assert page.status_code == 200
    found = re.search(r'href="(/tugas/[^"]+/berkas)"', page.content.decode())
    assert found is not None, page.content.decode()
    return client.get(found.group(1))


def page_text(response) -> str:
    """A page as a person reads it: tags removed, whitespace collapsed, no space left before a
    comma or a full stop that followed an inline tag."""
    import re

    flat = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    return re.sub(r" ([,.;:])", r"\1", flat)
