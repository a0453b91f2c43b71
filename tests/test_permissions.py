"""Who may open which page and do what on the quarterly entry page, through the real views.

Two OPDs of one region: A (whose treasurer is `treasurer`) and B (`other_treasurer`'s). Each
role of the brief opens every page, then tries every write on A's entry page for TW I. A write
that is refused changes nothing: not a figure, not a report, not a history event.
"""

from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.models import QuarterReport, Realisasi
from budget.roles import actor_for
from budget.workflow import realisasi_save, report_submit, report_verify
from tests.factories import REALISASI_COLUMNS, DpaLineFactory, RealisasiFactory

pytestmark = pytest.mark.django_db

D = Decimal
YEAR, TW = 2024, 1
PAGU = D("4000000.00")  # cash plan 1.000.000 a quarter
ROLES = ("anonymous", "treasurer", "other_treasurer", "bpkad", "kepala_daerah")


# The region: two OPDs, two belanja lines each, TW I realised exactly as planned ---------------


@pytest.fixture
def lines_a(treasurer_opd):
    lines = [
        DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR, pagu=PAGU)
        for _ in range(2)
    ]
    for line in lines:
        RealisasiFactory.create(line=line, triwulan=TW, jumlah=line.kas_tw1)
    return lines


@pytest.fixture
def lines_b(other_opd):
    line = DpaLineFactory.create(region=other_opd.region, opd=other_opd, tahun=YEAR, pagu=PAGU)
    RealisasiFactory.create(line=line, triwulan=TW, jumlah=line.kas_tw1)
    return [line]


@pytest.fixture
def region(treasurer_opd, other_opd, lines_a, lines_b, bpkad):
    return treasurer_opd.region


def entry_url(opd) -> str:
    return f"/opd/{opd.kode}/realisasi/{YEAR}/{TW}/"


def sign_in_as(client, request, role: str):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def snapshot() -> dict:
    """Every figure, every report and the number of history events, to compare after a write."""
    events = {
        name: apps.get_model("budget", name).objects.count()
        for name in ("DpaLineEvent", "RealisasiEvent", "QuarterReportEvent")
    }
    return {
        "realisasi": sorted(
            Realisasi.objects.values_list("line_id", "triwulan", "jumlah", "updated_at")
        ),
        "reports": sorted(
            QuarterReport.objects.values_list(
                "opd_id", "tahun", "triwulan", "status", "version", "kendala", "alasan"
            )
        ),
        "events": events,
    }


def table(text: str) -> list[tuple[str, str, str]]:
    """A matrix written as a table: the first line names the columns, every other line is a
    role and one expectation per column. Returns (role, column, expectation) triples."""
    header, *rows = [line.split() for line in text.strip().splitlines()]
    return [
        (row[0], column, cell)
        for row in rows
        for column, cell in zip(header[1:], row[1:], strict=True)
    ]


# Pages -------------------------------------------------------------------------------------------

# login        302 to /accounts/login/?next=<page>
# admin-login  302 to the admin's own login page
# →own         302 to the treasurer's own OPD page
# 403          refused
PAGES = """
role             home   opd-A  opd-B  ranking  entry-A  entry-B  admin
anonymous        login  login  login  login    login    login    admin-login
treasurer        →own   200    403    200      200      403      admin-login
other_treasurer  →own   403    200    200      403      200      admin-login
bpkad            200    200    200    200      200      200      200
kepala_daerah    200    200    200    200      200      200      admin-login
"""


def page_path(page: str, opd_a, opd_b) -> str:
    return {
        "home": "/",
        "opd-A": f"/opd/{opd_a.kode}/",
        "opd-B": f"/opd/{opd_b.kode}/",
        "ranking": "/peringkat/",
        "entry-A": entry_url(opd_a),
        "entry-B": entry_url(opd_b),
        "admin": "/admin/",
    }[page]


def test_the_page_matrix_names_every_role_and_page():
    cells = table(PAGES)
    assert {role for role, _page, _cell in cells} == set(ROLES)
    assert len(cells) == len(ROLES) * 7


@pytest.mark.parametrize(("role", "page", "expected"), table(PAGES))
def test_who_may_open_which_page(
    client, request, region, treasurer_opd, other_opd, role, page, expected
):
    path = page_path(page, treasurer_opd, other_opd)
    response = sign_in_as(client, request, role).get(path)
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(f"/accounts/login/?next={path}")
    elif expected == "admin-login":
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")
    elif expected == "→own":
        own = treasurer_opd if role == "treasurer" else other_opd
        assert response.status_code == 302
        assert response.url == f"/opd/{own.kode}/"
    else:
        assert response.status_code == int(expected)


def test_a_treasurer_sent_home_keeps_the_period_asked_for(client, region, treasurer, treasurer_opd):
    client.force_login(treasurer)
    response = client.get("/?tahun=2024&triwulan=1")
    assert response.url == f"/opd/{treasurer_opd.kode}/?tahun=2024&triwulan=1"


def test_the_ranking_links_only_to_the_opds_the_viewer_may_open(
    client, region, treasurer, kepala_daerah, treasurer_opd, other_opd
):
    client.force_login(treasurer)
    html = client.get("/peringkat/").content.decode()
    assert f'href="/opd/{treasurer_opd.kode}/' in html
    assert f'href="/opd/{other_opd.kode}/' not in html
    client.force_login(kepala_daerah)
    html = client.get("/peringkat/").content.decode()
    assert f'href="/opd/{treasurer_opd.kode}/' in html
    assert f'href="/opd/{other_opd.kode}/' in html


@pytest.mark.parametrize(
    ("role", "offered"),
    [("treasurer", True), ("bpkad", True), ("kepala_daerah", False)],
)
def test_the_opd_page_offers_the_entry_page_only_to_who_may_enter_or_verify(
    client, request, region, treasurer_opd, role, offered
):
    html = sign_in_as(client, request, role).get(f"/opd/{treasurer_opd.kode}/").content.decode()
    assert (f'href="{entry_url(treasurer_opd)}"' in html) is offered


def test_the_head_of_region_reads_the_entry_page_without_inputs_or_buttons(
    client, region, kepala_daerah, treasurer_opd
):
    client.force_login(kepala_daerah)
    html = client.get(entry_url(treasurer_opd)).content.decode()
    assert "Anda hanya dapat membaca halaman ini." in html
    assert 'name="line-' not in html
    assert 'name="action"' not in html


def test_an_unknown_opd_or_quarter_is_not_an_error(client, region, bpkad, treasurer_opd):
    client.force_login(bpkad)
    assert client.get(f"/opd/9.99.0.00.0.00.01.0000/realisasi/{YEAR}/1/").status_code == 404
    assert client.get(f"/opd/{treasurer_opd.kode}/realisasi/1999/1/").status_code == 404
    assert client.get(f"/opd/{treasurer_opd.kode}/realisasi/{YEAR}/5/").status_code == 404


# Actions on A's entry page -----------------------------------------------------------------------

# login  302 to the login page
# done   302 back to the entry page, and the write happened
# 403    refused, and nothing changed
ACTIONS = """
role             save   submit  verify  return  reopen  upload
anonymous        login  login   login   login   login   login
treasurer        done   done    403     403     403     done
other_treasurer  403    403     403     403     403     403
bpkad            done   done    done    done    done    done
kepala_daerah    403    403     403     403     403     403
"""

# Each action is tried on a report in the state where it is possible, so that a refusal is
# about the person, never about the state.
STATE_BEFORE = {
    "save": QuarterReport.Status.DRAFT,
    "submit": QuarterReport.Status.DRAFT,
    "upload": QuarterReport.Status.DRAFT,
    "verify": QuarterReport.Status.SUBMITTED,
    "return": QuarterReport.Status.SUBMITTED,
    "reopen": QuarterReport.Status.VERIFIED,
}
STATE_AFTER = {
    "save": QuarterReport.Status.DRAFT,
    "submit": QuarterReport.Status.SUBMITTED,
    "upload": QuarterReport.Status.DRAFT,
    "verify": QuarterReport.Status.VERIFIED,
    "return": QuarterReport.Status.DRAFT,
    "reopen": QuarterReport.Status.DRAFT,
}
CHANGED = D("900000.00")  # what save and upload write on A's first line


def put_report_in(state: str, *, opd, by) -> QuarterReport:
    actor = actor_for(by)
    common = {"actor": actor, "opd": opd, "tahun": YEAR, "triwulan": TW}
    version = realisasi_save(**common, amounts={}, version=0).version
    if state != QuarterReport.Status.DRAFT:
        version = report_submit(**common, version=version).version
    if state == QuarterReport.Status.VERIFIED:
        report_verify(**common, version=version)
    return QuarterReport.objects.get(opd=opd, tahun=YEAR, triwulan=TW)


def upload_file(lines) -> SimpleUploadedFile:
    rows = [",".join(REALISASI_COLUMNS)]
    for i, line in enumerate(lines):
        amount = CHANGED if i == 0 else line.kas_tw1
        rows.append(
            f"{YEAR},{TW},{line.opd.kode},{line.sub_kegiatan.kode},{line.account.kode},{amount}"
        )
    return SimpleUploadedFile("realisasi.csv", "\n".join(rows).encode(), content_type="text/csv")


def action_data(action: str, version: int, lines) -> dict:
    data: dict[str, object] = {"action": action, "version": str(version)}
    if action in ("save", "submit"):
        for i, line in enumerate(lines):
            amount = CHANGED if action == "save" and i == 0 else line.kas_tw1
            data[f"line-{line.pk}"] = f"{amount:f}".replace(".", ",")
        data["kendala_catatan"] = ""
    elif action in ("return", "reopen"):
        data["alasan"] = "Mohon dicocokkan dengan SP2D."
    elif action == "upload":
        data["berkas"] = upload_file(lines)
    return data


def test_the_action_matrix_names_every_role_and_action():
    cells = table(ACTIONS)
    assert {role for role, _action, _cell in cells} == set(ROLES)
    assert {action for _role, action, _cell in cells} == set(STATE_BEFORE)


@pytest.mark.parametrize(("role", "action", "expected"), table(ACTIONS))
def test_who_may_do_what_on_the_entry_page(
    client, request, region, bpkad, treasurer_opd, lines_a, role, action, expected
):
    report = put_report_in(STATE_BEFORE[action], opd=treasurer_opd, by=bpkad)
    url = entry_url(treasurer_opd)
    before = snapshot()

    response = sign_in_as(client, request, role).post(
        url, action_data(action, report.version, lines_a)
    )

    if expected == "done":
        assert response.status_code == 302
        assert response.url == url
        report.refresh_from_db()
        assert report.status == STATE_AFTER[action]
        assert report.version > before["reports"][0][4]
        if action in ("save", "upload"):
            first = Realisasi.objects.get(line=lines_a[0], triwulan=TW)
            assert first.jumlah == CHANGED
        return
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == int(expected)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["other_treasurer", "kepala_daerah"])
def test_a_refused_writer_cannot_reach_another_opds_figures_through_a_forged_line(
    client, request, region, lines_b, treasurer_opd, role
):
    # B's line posted on A's page by someone who may not write A: refused before anything.
    before = snapshot()
    response = sign_in_as(client, request, role).post(
        entry_url(treasurer_opd),
        {"action": "save", "version": "0", f"line-{lines_b[0].pk}": "1"},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_a_treasurer_cannot_save_another_opds_line_on_their_own_page(
    client, region, treasurer, treasurer_opd, lines_b
):
    # Only the page's own lines are read from the form: B's line is ignored, never written.
    client.force_login(treasurer)
    before = snapshot()
    response = client.post(
        entry_url(treasurer_opd),
        {"action": "save", "version": "0", f"line-{lines_b[0].pk}": "1"},
    )
    assert response.status_code == 302
    after = snapshot()
    assert after["realisasi"] == before["realisasi"]
    assert Realisasi.objects.get(line=lines_b[0], triwulan=TW).jumlah == lines_b[0].kas_tw1


def test_a_treasurer_cannot_upload_another_opds_rows_on_their_own_page(
    client, region, treasurer, treasurer_opd, lines_b
):
    client.force_login(treasurer)
    before = snapshot()
    response = client.post(
        entry_url(treasurer_opd),
        {"action": "upload", "version": "0", "berkas": upload_file(lines_b)},
    )
    assert response.status_code == 400
    (error,) = response.context["upload_errors"]
    assert "kode_opd" in error  # the row's OPD is refused, naming the page's own OPD
    assert treasurer_opd.kode in error
    assert snapshot() == before


def test_an_unknown_action_changes_nothing(client, region, treasurer, treasurer_opd):
    client.force_login(treasurer)
    before = snapshot()
    response = client.post(entry_url(treasurer_opd), {"action": "hapus", "version": "0"})
    assert response.status_code == 200
    assert snapshot() == before
