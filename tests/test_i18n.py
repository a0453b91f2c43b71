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
from tests.helpers import dpa_refused, fetch, refusal, run_command

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"
# %(name)s, %(name)r, %(n)d, %s, %d ... (a literal %% is not a placeholder)
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxX]")
CASH_PLAN_ERROR = (
    "baris 2, kolom kas_tw4: anggaran kas berjumlah Rp 390.000 padahal pagu Rp 400.000"
)


def read_po(path: Path) -> list[dict[str, Any]]:
    """Entries of a .po file: msgctxt (or None), msgid, msgid_plural (or None), msgstr and
    flags. Indonesian has one plural form (nplurals=1): a plural entry's msgstr[0] is its
    msgstr."""
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
            entry = {
                "msgctxt": None,
                "msgid": "",
                "msgid_plural": None,
                "msgstr": "",
                "flags": set(),
            }
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
            field, _, rest = line.partition(" ")
            field = field.removesuffix("[0]")
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
            "row 2, column kas_tw4: the cash plan adds up to Rp 390.000 but the pagu is Rp 400.000"
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


def compiled_text(compiled: gettext.GNUTranslations, entry: dict[str, Any]) -> str:
    context, msgid, plural = entry["msgctxt"], entry["msgid"], entry["msgid_plural"]
    if plural is not None:
        return compiled.ngettext(msgid, plural, 1)
    if context is not None:
        return compiled.pgettext(context, msgid)
    return compiled.gettext(msgid)


def test_the_compiled_catalogue_matches_the_po():
    """The committed .mo is compiled from the committed .po (a fresh clone needs no gettext
    tools). Compared by content rather than by file times, which a git checkout does not keep."""
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = [e["msgid"] for e in messages() if compiled_text(compiled, e) != e["msgstr"]]
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


# The pages: Indonesian by default, English through the language switch ----------------------


@pytest.fixture
def head_of_magelang(client, magelang):
    """The head of region of the reference region, signed in."""
    from django.contrib.auth.models import Group, User

    from budget.demo import GROUP_KEPALA_DAERAH
    from budget.models import Profile

    user = User.objects.create_user("bupati")
    user.groups.add(Group.objects.get_or_create(name=GROUP_KEPALA_DAERAH)[0])
    Profile.objects.create(user=user, region=magelang)
    client.force_login(user)
    return client


def page_text(response) -> str:
    """The page as text, tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.mark.django_db
def test_the_overview_speaks_indonesian_by_default(head_of_magelang):
    response = head_of_magelang.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in response.content.decode()
    page = page_text(response)
    assert "Belanja per OPD" in page
    assert "Ringkasan" in page
    assert "Spending per OPD" not in page


@pytest.mark.django_db
def test_the_overview_speaks_english_to_whoever_chose_it(head_of_magelang):
    head_of_magelang.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = head_of_magelang.get("/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
    page = page_text(response)
    assert "Spending per OPD" in page
    assert "Overview" in page
    assert "Belanja per OPD" not in page


@pytest.mark.parametrize(
    ("page", "indonesian", "english"),
    [
        ("ranking", "Tabel peringkat", "Ranking table"),
        ("laporan", "Laporan Realisasi Anggaran", "Budget Realisation Report"),
        ("opd_detail", "Rincian menurut rekening", "Breakdown by account"),
    ],
)
@pytest.mark.django_db
def test_every_page_speaks_the_language_chosen(
    head_of_magelang, magelang, page, indonesian, english
):
    from django.urls import reverse

    from budget.models import Opd

    args = [Opd.objects.get(region=magelang).kode] if page == "opd_detail" else []
    url = reverse(page, args=args)
    in_indonesian = page_text(head_of_magelang.get(url))
    assert indonesian in in_indonesian
    assert english not in in_indonesian
    head_of_magelang.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    in_english = page_text(head_of_magelang.get(url))
    assert english in in_english
    assert indonesian not in in_english


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie_and_goes_back(head_of_magelang):
    page = head_of_magelang.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert 'name="language" value="en"' in page
    response = head_of_magelang.post("/i18n/setlang/", {"language": "en", "next": "/?tahun=2019"})
    assert response.status_code == 302
    assert response["Location"] == "/?tahun=2019"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_the_sign_in_page_offers_both_languages(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Masuk ke Serapan" in page
    assert 'name="language" value="id"' in page
    assert 'name="language" value="en"' in page


# Every string a template translates has its Indonesian entry.
TEMPLATE_MSGID = re.compile(r"""{%\s*translate\s+(['"])(.+?)\1""")


def test_every_string_the_templates_translate_is_in_the_catalogue():
    msgids = {e["msgid"] for e in messages()}
    templates = Path(settings.BASE_DIR) / "templates"
    missing = [
        (path.relative_to(templates).as_posix(), msgid)
        for path in sorted(templates.rglob("*.html"))
        for _q, msgid in TEMPLATE_MSGID.findall(path.read_text(encoding="utf-8"))
        if msgid not in msgids
    ]
    assert missing == []


def test_no_catalogue_entry_is_untranslated_or_fuzzy():
    entries = read_po(PO)
    assert [e["msgid"] for e in entries if e["msgid"] and not e["msgstr"].strip()] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []


@pytest.mark.django_db
def test_the_entry_page_flashes_in_the_language_chosen(treasurer, treasurer_opd):
    from django.test import Client

    from tests.factories import DpaLineFactory

    DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=2025)
    url = f"/opd/{treasurer_opd.kode}/realisasi/2025/2/"
    client = Client()
    client.force_login(treasurer)

    def flashed() -> list[str]:
        response = client.post(url, {"action": "nonsense", "version": "0"})
        return [str(m) for m in response.context["messages"]]

    assert flashed() == ["Tindakan tidak dikenal."]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert flashed() == ["Unknown action."]


@pytest.mark.django_db
def test_the_import_form_speaks_the_language_chosen(bpkad):
    from django.test import Client

    client = Client()
    client.force_login(bpkad)
    in_indonesian = page_text(client.get("/impor/"))
    assert "Jenis berkas" in in_indonesian
    assert "File type" not in in_indonesian
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    in_english = page_text(client.get("/impor/"))
    assert "File type" in in_english
    assert "Not said (DPA murni for a new year, else pergeseran)" in in_english
    assert "Jenis berkas" not in in_english


def test_the_lra_texts_speak_the_language_chosen():
    from dashboard.reports import lra

    with translation.override("id"):
        assert lra.periode(2026, 3) == "Tahun 2026 s.d. Triwulan III"
        assert str(lra.SUSUNAN["rekening"]) == "menurut rekening"
    with translation.override("en"):
        assert lra.periode(2026, 3) == "Year 2026 through Quarter III"
        assert str(lra.SUSUNAN["rekening"]) == "by account"


@pytest.mark.django_db
def test_a_bad_report_parameter_is_refused_in_the_language_chosen(bpkad):
    from django.test import Client

    client = Client()
    client.force_login(bpkad)
    response = client.get("/laporan/lra.xlsx?susunan=zigzag")
    assert response.status_code == 400
    assert response.content.decode().startswith("Parameter tidak dikenali: susunan.")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/laporan/lra.xlsx?susunan=zigzag")
    assert response.content.decode().startswith("Unknown parameter(s): susunan.")


@pytest.mark.django_db
def test_the_lra_workbook_speaks_the_language_chosen(bpkad, treasurer_opd):
    from io import BytesIO

    import openpyxl
    from django.test import Client

    from tests.factories import DpaLineFactory

    DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=2025)
    client = Client()
    client.force_login(bpkad)

    def texts() -> set[str]:
        # The region's workbook is made by a background job, in the language of who asked.
        response = fetch(client, "/laporan/lra.xlsx?tahun=2025&triwulan=2")
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(BytesIO(response.content)).active
        assert sheet is not None
        return {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}

    in_indonesian = texts()
    assert {"Kode", "Sisa Anggaran (Rupiah)", "BELANJA DAERAH", "Kepala BPKAD"} <= in_indonesian
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    in_english = texts()
    assert {"Code", "Budget Left (Rupiah)", "REGIONAL SPENDING", "Head of BPKAD"} <= in_english
    assert "Kode" not in in_english


def _model_texts() -> list[Any]:
    """Every name the budget models give through gettext_lazy: model and field verbose names
    and choice labels (lazy proxies; plain strings, such as fund source names, are data)."""
    from django.apps import apps
    from django.utils.functional import Promise

    texts: list[Any] = []
    for model in apps.get_app_config("budget").get_models():
        if model.__name__.endswith("Event"):
            continue  # pghistory's copies of the tracked models
        texts += [model._meta.verbose_name, model._meta.verbose_name_plural]
        for field in model._meta.get_fields():
            texts.append(getattr(field, "verbose_name", None))
            texts += [label for _value, label in getattr(field, "flatchoices", None) or []]
    return [t for t in texts if isinstance(t, Promise)]


def test_model_names_and_choices_have_english_msgids_and_indonesian_translations():
    texts = _model_texts()
    assert len(texts) > 50
    with translation.override("en"):
        english = {str(t) for t in texts}
    with translation.override("id"):
        indonesian = {str(t) for t in texts}
    catalogue = {e["msgid"]: e["msgstr"] for e in messages()}
    missing = sorted(m for m in english if m not in catalogue)
    assert missing == [], "add these model names to the Indonesian catalogue"
    # The admin, the history and the filters read them: both languages must be served.
    assert {"DPA line", "quarter", "year", "Verified", "fund source"} <= english
    assert {"baris DPA", "triwulan", "tahun", "Terverifikasi", "sumber dana"} <= indonesian
