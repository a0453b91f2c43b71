"""The Indonesian catalogue: import errors and summaries speak Bahasa Indonesia by default,
English comes back when asked for, and the committed catalogue is complete and compiled."""

import ast
import gettext
import re
from pathlib import Path
from typing import Any

import django_tables2
import pytest
from django.conf import settings
from django.utils import translation

from budget.importing import read_table
from budget.importing.dpa import import_dpa
from tests.factories import dpa_row, realisasi_row
from tests.helpers import dpa_refused, refusal, run_command

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"
# %(name)s, %(name)r, %(n)d, %s, %d ... (a literal %% is not a placeholder)
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxX]")
CASH_PLAN_ERROR = "baris 2, kolom kas_tw4: anggaran kas berjumlah 390000.00 padahal pagu 400000.00"


def read_po(path: Path) -> list[dict[str, Any]]:
    """Entries of a .po file: msgid, msgstr and flags (plural forms are not used here)."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] | None = None
    field: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgid": "", "msgstr": "", "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ")):
            field, _, rest = line.partition(" ")
            entry[field] = ast.literal_eval(rest)
        elif line.startswith('"') and field is not None:
            entry[field] += ast.literal_eval(line)
        else:
            raise AssertionError(f"unexpected line in {path.name}: {line!r}")
    return entries


def messages() -> list[dict[str, Any]]:
    """The translatable entries (the header, msgid "", aside)."""
    return [e for e in read_po(PO) if e["msgid"]]


@pytest.fixture
def default_language():
    """No language activated: gettext falls back to settings.LANGUAGE_CODE, as a page would."""
    translation.deactivate()
    yield settings.LANGUAGE_CODE
    translation.deactivate()


def test_the_default_language_is_indonesian():
    assert settings.LANGUAGE_CODE == "id"


@pytest.mark.django_db
def test_a_bad_dpa_row_is_reported_in_indonesian_by_the_service(files, default_language):
    errors = dpa_refused(files.csv([dpa_row(kas_tw4="90000")]))
    assert [str(e) for e in errors] == [CASH_PLAN_ERROR]


@pytest.mark.django_db
def test_the_import_command_prints_its_errors_in_indonesian(files):
    path = files.csv([dpa_row(kas_tw4="90000"), dpa_row(kode_rekening="7.1", tahun="1999")])
    error, stderr = refusal("import_dpa", path, no_progress=True)
    lines = stderr.splitlines()
    assert CASH_PLAN_ERROR in lines
    assert "baris 3, kolom tahun: '1999' bukan tahun antara 2000 dan 2100" in lines
    assert any(line.startswith("baris 3, kolom kode_rekening: ") for line in lines)
    assert str(error) == "3 kesalahan; tidak ada data yang diimpor"


@pytest.mark.django_db
def test_the_import_summaries_are_in_indonesian(files):
    dpa = files.csv([dpa_row()])
    trial = run_command("import_dpa", dpa, no_progress=True, dry_run=True)
    assert "Baris DPA hasil simulasi (tidak disimpan): 1 dibuat, 0 diubah, 0 tetap" in trial
    out = run_command("import_dpa", dpa, no_progress=True)
    assert "1 baris dibaca (anggaran kas per triwulan), tahun 2024" in out
    assert "Baris DPA hasil impor: 1 dibuat, 0 diubah, 0 tetap" in out
    assert "Pagu belanja dalam berkas: Rp 400.000" in out
    again = run_command("import_dpa", dpa, no_progress=True)
    assert "Baris DPA hasil impor: 0 dibuat, 0 diubah, 1 tetap" in again

    out = run_command("import_realisasi", files.csv([realisasi_row()]), no_progress=True)
    assert "Realisasi hasil impor: 1 dibuat, 0 diubah, 0 tetap" in out
    assert "2024 TW 1: realisasi dalam berkas Rp 50.000" in out


@pytest.mark.django_db
def test_english_gives_back_the_english_messages(files):
    with translation.override("en"):
        errors = dpa_refused(files.csv([dpa_row(kas_tw4="90000")]))
        assert [str(e) for e in errors] == [
            "row 2, column kas_tw4: the cash plan adds up to 390000.00 but the pagu is 400000.00"
        ]
        result = import_dpa(table=read_table(files.csv([dpa_row()])))
        assert "DPA lines were: 1 created, 0 updated, 0 unchanged" in result.summary_lines()


def test_every_message_has_a_translation_with_the_same_placeholders():
    entries = messages()
    assert len(entries) > 50
    for entry in entries:
        assert entry["msgstr"].strip(), f"no translation for {entry['msgid']!r}"
        assert "fuzzy" not in entry["flags"], f"fuzzy translation for {entry['msgid']!r}"
        assert sorted(PLACEHOLDER.findall(entry["msgstr"])) == sorted(
            PLACEHOLDER.findall(entry["msgid"])
        ), f"placeholders differ for {entry['msgid']!r}"


def test_the_catalogue_header_is_not_fuzzy_and_declares_utf8():
    header = read_po(PO)[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Language: id" in header["msgstr"]


def test_the_compiled_catalogue_matches_the_po():
    """The committed .mo is compiled from the committed .po (a fresh clone needs no gettext
    tools). Compared by content rather than by file times, which a git checkout does not keep."""
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = [e["msgid"] for e in messages() if compiled.gettext(e["msgid"]) != e["msgstr"]]
    assert stale == [], "run `manage.py compilemessages -l id` and commit django.mo"


def test_django_tables2_pagination_is_translated():
    template = Path(django_tables2.__file__).parent / "templates/django_tables2/table.html"
    strings = re.findall(r"""{%\s*trans(?:late)?\s+(['"])(.+?)\1\s*%}""", template.read_text())
    assert {s for _q, s in strings} == {"previous", "next"}
    msgids = {e["msgid"] for e in messages()}
    assert {"previous", "next"} <= msgids
    with translation.override("id"):
        assert translation.gettext("previous") == "sebelumnya"
        assert translation.gettext("next") == "berikutnya"
