"""The audit trail: every change to a DPA line, a realisasi or a report's status is recorded by
PostgreSQL triggers with who made it and where from (the page's URL, or the command and its
file), and BPKAD reads it on the OPD page."""

import getpass
import re
from decimal import Decimal

import pghistory
import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from budget.history import Change, opd_history
from budget.models import DpaLine, Opd, Profile, QuarterReport, Realisasi
from budget.quarters import tw_label
from budget.roles import GROUP_BPKAD, actor_for
from budget.workflow import realisasi_save, report_reopen, report_submit, report_verify
from tests.factories import REALISASI_COLUMNS, DpaLineFactory, dpa_row, realisasi_row
from tests.helpers import run_command

pytestmark = pytest.mark.django_db

D = Decimal
YEAR, TW = 2024, 1


@pytest.fixture
def line(treasurer_opd):
    return DpaLineFactory(
        region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR, pagu=D("4000000.00")
    )


@pytest.fixture
def url(treasurer_opd, line) -> str:
    return f"/opd/{treasurer_opd.kode}/realisasi/{YEAR}/{TW}/"


def entries(opd, what: str):
    return [e for e in opd_history(opd=opd) if e.what == what]


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_save_on_the_entry_page_records_who_and_the_page(
    client, treasurer, treasurer_opd, line, url
):
    client.force_login(treasurer)
    client.post(url, {"action": "save", "version": "0", f"line-{line.pk}": "1.250.000,50"})
    client.post(url, {"action": "save", "version": "1", f"line-{line.pk}": "1.300.000"})

    updated, created = entries(treasurer_opd, "Realisasi")  # newest first
    assert (created.who, created.via, created.action) == ("bendahara_ini", url, "dibuat")
    assert created.changes == [Change("realisasi", None, D("1250000.50"))]
    assert (updated.who, updated.via, updated.action) == ("bendahara_ini", url, "diubah")
    assert updated.changes == [Change("realisasi", D("1250000.50"), D("1300000.00"))]
    assert updated.subject == f"{YEAR} {tw_label(TW)} {line.sub_kegiatan.kode} {line.account.kode}"


def test_an_import_command_records_the_command_and_its_file(tmp_path, treasurer_opd, line):
    path = tmp_path / "realisasi-tw1.csv"
    row = {
        **realisasi_row(),
        "kode_opd": treasurer_opd.kode,
        "kode_sub_kegiatan": line.sub_kegiatan.kode,
        "kode_rekening": line.account.kode,
        "realisasi": "Rp 750.000,00",
    }
    path.write_text(
        ",".join(REALISASI_COLUMNS)
        + "\n"
        + ",".join(f'"{row[c]}"' for c in REALISASI_COLUMNS)
        + "\n"
    )
    run_command("import_realisasi", path, no_progress=True)

    (entry,) = entries(treasurer_opd, "Realisasi")
    assert entry.who == f"{getpass.getuser()} (import_realisasi)"
    assert entry.via == f"import_realisasi {path}"
    assert entry.changes == [Change("realisasi", None, D("750000.00"))]
    # pghistory.track adds the event model to the tracked model when budget.models is imported.
    events = Realisasi.pgh_event_model.objects  # type: ignore[attr-defined]
    event = events.get(pgh_obj_id=Realisasi.objects.get().pk)
    assert event.pgh_context.metadata["file"] == str(path)
    assert event.pgh_context.metadata["command"] == "import_realisasi"


def test_a_pagu_revised_by_import_dpa_shows_the_old_and_the_new_pagu(files, client):
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    revised = dpa_row(pagu="500000", kas_tw4="200000")
    path = files.csv([revised], name="dppa.csv")
    run_command("import_dpa", path, "--tahap", "perubahan", no_progress=True)

    opd = Opd.objects.get()
    changed, created = entries(opd, "Baris DPA")
    assert created.action == "dibuat"
    assert changed.action == "diubah"
    assert changed.via == f"import_dpa {path}"
    assert changed.changes == [
        Change("pagu", D("400000.00"), D("500000.00")),
        Change("kas TW 4", D("100000.00"), D("200000.00")),
    ]

    verifier = User.objects.create_user("verifikator", is_staff=True)
    verifier.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
    Profile.objects.create(user=verifier, region=opd.region)
    client.force_login(verifier)
    page = page_text(client.get(f"/opd/{opd.kode}/?tahun=2024&triwulan=1"))
    assert "pagu: 400.000,00 → 500.000,00" in page
    assert "kas TW 4: 100.000,00 → 200.000,00" in page


def test_every_field_an_import_writes_shows_in_the_trail_a_fund_source_too(files):
    """The trail lists the fields the import's column table writes, so a column added there
    (sumber_dana was the first) is shown without a list of its own here."""
    run_command("import_dpa", files.csv([dpa_row(sumber_dana="DAU")]), no_progress=True)
    path = files.csv([dpa_row(sumber_dana="DAK Fisik")], name="dppa.csv")
    run_command("import_dpa", path, "--tahap", "perubahan", no_progress=True)

    changed, created = entries(Opd.objects.get(), "Baris DPA")
    assert Change("sumber dana", None, "DAU") in created.changes
    assert changed.changes == [Change("sumber dana", "DAU", "DAK Fisik")]


def test_the_trail_speaks_english_when_asked(files):
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    with translation.override("en"):
        (created,) = opd_history(opd=Opd.objects.get())
    assert (created.what, created.action) == ("DPA line", "created")
    assert [c.field for c in created.changes][:2] == ["pagu", "cash TW 1"]


def test_status_changes_read_draf_diajukan_terverifikasi_with_who_did_each(
    treasurer, bpkad, treasurer_opd, line
):
    common = {"opd": treasurer_opd, "tahun": YEAR, "triwulan": TW}
    t, b = actor_for(treasurer), actor_for(bpkad)
    saved = realisasi_save(actor=t, **common, amounts={line.pk: line.kas_tw1}, version=0)
    submitted = report_submit(actor=t, **common, version=saved.version)
    verified = report_verify(actor=b, **common, version=submitted.version)
    report_reopen(actor=b, **common, version=verified.version, reason="Koreksi SP2D.")

    reports = list(reversed(entries(treasurer_opd, "Laporan triwulan")))  # oldest first
    statuses = [
        next((str(c.old), str(c.new)) for c in e.changes if c.field == "status") for e in reports
    ]
    assert statuses == [
        ("None", "Draf"),
        ("Draf", "Diajukan"),
        ("Diajukan", "Terverifikasi"),
        ("Terverifikasi", "Draf"),
    ]
    assert [e.action for e in reports] == ["dibuat", "diubah", "diubah", "diubah"]
    assert [e.subject for e in reports] == [f"{YEAR} {tw_label(TW)}"] * 4
    # who: the services run outside a request here, so the events carry no user; through the
    # pages they do (see the page test below)
    assert Change("alasan", "", "Koreksi SP2D.") in reports[-1].changes


def test_every_step_through_the_pages_names_who_took_it(
    client, treasurer, bpkad, treasurer_opd, line, url
):
    client.force_login(treasurer)
    response = client.post(
        url, {"action": "submit", "version": "0", f"line-{line.pk}": "1.000.000", "kendala": []}
    )
    assert response.status_code == 302
    client.force_login(bpkad)
    # saved (version 1) and submitted (version 2) in one step
    assert client.post(url, {"action": "verify", "version": "2"}).status_code == 302

    reports = list(reversed(entries(treasurer_opd, "Laporan triwulan")))
    assert [(e.who, e.via) for e in reports] == [
        ("bendahara_ini", url),  # saved as a draft ...
        ("bendahara_ini", url),  # ... and submitted in the same step
        ("verifikator", url),
    ]
    # and the entry page says who submitted and who verified the figures
    page = page_text(client.get(url))
    assert "diajukan oleh bendahara_ini" in page
    assert "diverifikasi oleh verifikator" in page


def test_an_admin_correction_records_the_admin_and_its_page(client, bpkad, treasurer_opd, line):
    real = Realisasi.objects.create(region=line.region, line=line, triwulan=TW, jumlah=D("5"))
    client.force_login(bpkad)
    change_url = f"/admin/budget/realisasi/{real.pk}/change/"
    response = client.post(change_url, {"line": line.pk, "triwulan": TW, "jumlah": "6"})
    assert response.status_code == 302
    newest = entries(treasurer_opd, "Realisasi")[0]
    assert (newest.who, newest.via) == ("verifikator", change_url)
    assert newest.changes == [Change("realisasi", D("5.00"), D("6.00"))]


@pytest.mark.parametrize(
    ("role", "shown"), [("bpkad", True), ("kepala_daerah", False), ("treasurer", False)]
)
def test_the_opd_page_shows_the_history_to_bpkad_only(
    client, request, treasurer_opd, line, role, shown
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(f"/opd/{treasurer_opd.kode}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ('id="riwayat"' in html) is shown
    assert ("Riwayat perubahan" in html) is shown


def test_the_history_costs_the_same_number_of_queries_however_long_it_is(
    treasurer_opd, bpkad, treasurer
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            opd_history(opd=treasurer_opd, tahun=YEAR)
        return len(captured)

    def changes_by(user, *, triwulan: int, url: str):
        line: DpaLine = DpaLineFactory.create(
            region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR
        )
        with pghistory.context(user=user.pk, url=url):
            real = Realisasi.objects.create(
                region=line.region, line=line, triwulan=triwulan, jumlah=D("1")
            )
            real.jumlah += 1
            real.save()
            report = QuarterReport.objects.filter(opd=treasurer_opd, triwulan=triwulan).first()
            realisasi_save(
                actor=actor_for(bpkad),  # the report's changes, under each user's name
                opd=treasurer_opd,
                tahun=YEAR,
                triwulan=triwulan,
                amounts={},
                version=report.version if report else 0,
            )

    changes_by(treasurer, triwulan=1, url="/satu/")
    few = queries()

    users = [bpkad, treasurer, *(User.objects.create_user(f"u{i}") for i in range(5))]
    for i in range(20):
        changes_by(users[i % len(users)], triwulan=1 + i % 4, url=f"/p{i}/")
    assert len(opd_history(opd=treasurer_opd, tahun=YEAR)) > 40
    assert queries() == few == 5  # DPA lines, realisasi, realisasi fisik, reports, the users named
