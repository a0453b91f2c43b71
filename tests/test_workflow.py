"""The quarterly report from end to end, through the entry page as people use it: the treasurer
types the quarter's realisasi the Indonesian way, saves a draft, explains why spending is behind,
submits; BPKAD verifies, and the quarter is locked against every write path (page, upload,
command, admin) until BPKAD reopens it with a reason. Two people saving the same report cannot
overwrite each other silently.

OPD A enters TW II of 2024. Its two belanja lines have a pagu of Rp 10.000.000 each (cash plan
2.500.000 a quarter) and realised 2.000.000 and 1.000.000 in TW I; its revenue line has a
target of 5.000.000. Its TW I report is verified.
"""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.test import Client
from django.utils import dateformat, timezone, translation
from psycopg import sql

from budget import workflow
from budget.models import Opd, QuarterReport, Realisasi
from budget.money import format_amount, format_number
from budget.roles import actor_for
from budget.workflow import realisasi_save
from tests.factories import (
    REALISASI_COLUMNS,
    AccountFactory,
    DpaLineFactory,
    RealisasiFactory,
)
from tests.helpers import page_text as reading
from tests.helpers import refusal, run_command

pytestmark = pytest.mark.django_db

D = Decimal
YEAR, TW = 2024, 2
PAGU = D("10000000.00")
Status = QuarterReport.Status


@pytest.fixture
def lines(treasurer_opd, bpkad):
    region = treasurer_opd.region
    first, second = (
        DpaLineFactory.create(region=region, opd=treasurer_opd, tahun=YEAR, pagu=PAGU)
        for _ in range(2)
    )
    revenue = DpaLineFactory.create(
        region=region,
        opd=treasurer_opd,
        tahun=YEAR,
        pagu=D("5000000.00"),
        account=AccountFactory.create(region=region, kode="4.1.01.09.01.0001"),
    )
    RealisasiFactory.create(line=first, triwulan=1, jumlah=D("2000000.00"))
    RealisasiFactory.create(line=second, triwulan=1, jumlah=D("1000000.00"))
    # TW I was handed in and verified: quarters move through the workflow in order.
    now = timezone.now()
    QuarterReport.objects.create(
        region=region,
        opd=treasurer_opd,
        tahun=YEAR,
        triwulan=1,
        status=Status.VERIFIED,
        submitted_by=bpkad,
        submitted_at=now,
        verified_by=bpkad,
        verified_at=now,
    )
    return first, second, revenue


@pytest.fixture
def url(treasurer_opd, lines) -> str:
    return f"/opd/{treasurer_opd.kode}/realisasi/{YEAR}/{TW}/"


@pytest.fixture
def as_treasurer(treasurer) -> Client:
    client = Client()
    client.force_login(treasurer)
    return client


@pytest.fixture
def as_bpkad(bpkad) -> Client:
    client = Client()
    client.force_login(bpkad)
    return client


def id_text(msgid: str, **values) -> str:
    """A service message as the Indonesian page shows it."""
    with translation.override("id"):
        text = translation.gettext(msgid)
    return text % values if values else text


def snapshot() -> dict:
    return {
        "realisasi": sorted(
            Realisasi.objects.values_list("line_id", "triwulan", "jumlah", "updated_at")
        ),
        "reports": sorted(
            QuarterReport.objects.values_list(
                "opd_id",
                "tahun",
                "triwulan",
                "status",
                "version",
                "kendala",
                "kendala_catatan",
                "alasan",
            )
        ),
        "events": [
            apps.get_model("budget", name).objects.count()
            for name in ("DpaLineEvent", "RealisasiEvent", "QuarterReportEvent")
        ],
    }


def stored(line) -> Decimal | None:
    row = Realisasi.objects.filter(line=line, triwulan=TW).first()
    return row.jumlah if row else None


def version(opd) -> int:
    report = QuarterReport.objects.filter(opd=opd, tahun=YEAR, triwulan=TW).first()
    return report.version if report else 0


def report_of(opd) -> QuarterReport:
    return QuarterReport.objects.get(opd=opd, tahun=YEAR, triwulan=TW)


def amounts(lines, *values) -> dict[str, str]:
    return {f"line-{line.pk}": value for line, value in zip(lines, values, strict=True)}


def save(client, url, opd, lines, *values, action="save", ver=None, **extra):
    data = {
        "action": action,
        "version": str(version(opd) if ver is None else ver),
        "kendala_catatan": "",
        **amounts(lines, *values),
        **extra,
    }
    return client.post(url, data)


def entry_rows(response) -> dict[str, dict]:
    """The entry table's body rows by account code: the cells as text, and the line's error."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr class=\"[^\"]*\" data-jenis.*?</tr>", body, re.S):
        error = re.search(r'<div class="error" role="alert">(.*?)</div>', tr, re.S)
        value = re.search(r'class="amount"[^>]*value="([^"]*)"|value="([^"]*)"', tr)
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        code = cells[1].split()[0]
        rows[code] = {
            "cells": cells,
            "error": " ".join(error.group(1).split()) if error else None,
            "value": (value.group(1) or value.group(2)) if value else None,
        }
    return rows


def totals(response) -> dict[str, list[str]]:
    html = response.content.decode()
    out = {}
    for jenis, row in re.findall(r'<tr class="total" data-total="(\w+)">(.*?)</tr>', html, re.S):
        out[jenis] = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
    return out


def messages_of(response) -> list[str]:
    """The messages a page shows, last the one about the request that rendered it."""
    return [str(m) for m in response.context["messages"]] if response.context else []


def last_message(response) -> str:
    return messages_of(response)[-1]


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def realisasi_csv(lines, *values) -> bytes:
    rows = [",".join(REALISASI_COLUMNS)]
    for line, value in zip(lines, values, strict=True):
        sub = line.sub_kegiatan.kode if line.sub_kegiatan else ""
        rows.append(f'{YEAR},{TW},{line.opd.kode},{sub},{line.account.kode},"{value}"')
    return ("\n".join(rows) + "\n").encode()


# Entering a draft --------------------------------------------------------------------------------


def test_the_entry_page_lists_every_line_with_pagu_plan_and_what_was_realised_before(
    as_treasurer, url, lines
):
    response = as_treasurer.get(url)
    assert response.status_code == 200
    first, second, revenue = lines
    rows = entry_rows(response)
    assert list(rows) == [first.account.kode, second.account.kode, revenue.account.kode]
    # sub kegiatan, rekening, pagu, rencana kas TW II, s.d. triwulan lalu, TW II (box), sisa
    assert rows[first.account.kode]["cells"][2:5] == ["10.000.000", "2.500.000", "2.000.000"]
    assert rows[first.account.kode]["cells"][6] == "8.000.000"
    assert rows[first.account.kode]["value"] == ""
    assert response.context["version"] == 0


def test_a_treasurer_saves_a_draft_typed_the_indonesian_way(
    as_treasurer, url, treasurer_opd, lines
):
    first, second, revenue = lines
    response = save(
        as_treasurer, url, treasurer_opd, lines, "1.234.567,50", "2.000.000", "Rp 1.500.000,00"
    )
    assert response.status_code == 302
    assert response.url == url
    assert stored(first) == D("1234567.50")
    assert stored(second) == D("2000000.00")
    assert stored(revenue) == D("1500000.00")
    report = report_of(treasurer_opd)
    assert (report.status, report.version) == (Status.DRAFT, 1)

    page = as_treasurer.get(url)
    assert "Draf tersimpan." in messages_of(page)
    rows = entry_rows(page)
    assert rows[first.account.kode]["value"] == "1.234.567,50"  # shown as typed, sen kept
    assert rows[second.account.kode]["value"] == "2.000.000"
    # sisa = pagu - TW I - TW II, whole rupiah on screen
    assert rows[first.account.kode]["cells"][6] == format_number(D("6765432.50"))
    assert rows[second.account.kode]["cells"][6] == "7.000.000"
    # running totals per jenis: pagu, plan, before, this quarter
    shown = totals(page)
    assert shown["belanja"][:4] == ["20.000.000", "5.000.000", "3.000.000", "3.234.568"]
    assert shown["pendapatan"][:4] == ["5.000.000", "1.250.000", "0", "1.500.000"]


@pytest.mark.parametrize(
    ("typed", "refusal_text"),
    [
        ("satu juta", None),  # not an amount: the parser's reason
        ("-5", None),  # negative
        ("１.０００.０００", None),  # full-width digits: 0-9 only
        ("١٠٠٠٠٠٠", None),  # Arabic-Indic digits
        ("8.000.000,01", "realisasi for the year would reach"),  # 2.000.000 in TW I: above pagu
    ],
)
def test_a_bad_amount_is_refused_on_its_line_and_nothing_is_written(
    as_treasurer, url, treasurer_opd, lines, typed, refusal_text
):
    first, second, revenue = lines
    save(as_treasurer, url, treasurer_opd, lines, "1.000.000", "1.000.000", "0")
    before = snapshot()

    response = save(as_treasurer, url, treasurer_opd, lines, typed, "2.000.000", "5.000")

    assert response.status_code == 400
    rows = entry_rows(response)
    assert rows[first.account.kode]["error"]  # the reason is on the line it is about
    assert rows[second.account.kode]["error"] is None
    assert rows[revenue.account.kode]["error"] is None
    assert rows[first.account.kode]["value"] == typed  # what was typed is kept to correct it
    if refusal_text:
        expected = id_text(
            "realisasi for the year would reach %(total)s, above the pagu of %(pagu)s",
            total=format_amount(D("10000000.01")),
            pagu=format_amount(PAGU),
        )
        assert rows[first.account.kode]["error"] == expected
        assert "Rp 10.000.000,01" in expected
    assert "1 baris ditolak; tidak ada yang disimpan." in messages_of(response)
    assert snapshot() == before


def test_every_bad_line_is_named_at_once(as_treasurer, url, treasurer_opd, lines):
    first, second, revenue = lines
    response = save(as_treasurer, url, treasurer_opd, lines, "abc", "-1", "0")
    assert response.status_code == 400
    rows = entry_rows(response)
    assert [code for code, row in rows.items() if row["error"]] == [
        first.account.kode,
        second.account.kode,
    ]
    assert not Realisasi.objects.filter(triwulan=TW).exists()
    assert not QuarterReport.objects.filter(triwulan=TW).exists()


def test_revenue_may_exceed_its_target(as_treasurer, url, treasurer_opd, lines):
    response = save(as_treasurer, url, treasurer_opd, lines, "0", "0", "99.000.000")
    assert response.status_code == 302
    assert stored(lines[2]) == D("99000000.00")


def test_a_blank_box_where_a_value_was_stored_is_refused_enter_zero_instead(
    as_treasurer, url, treasurer_opd, lines
):
    first, second, _revenue = lines
    save(as_treasurer, url, treasurer_opd, lines, "1.000.000", "500.000", "")
    before = snapshot()

    response = save(as_treasurer, url, treasurer_opd, lines, "", "500.000", "")

    assert response.status_code == 400
    assert entry_rows(response)[first.account.kode]["error"] == id_text(
        "the amount is empty; enter 0 if nothing was realised"
    )
    assert snapshot() == before
    assert stored(first) == D("1000000.00")

    response = save(as_treasurer, url, treasurer_opd, lines, "0", "500.000", "")
    assert response.status_code == 302
    assert stored(first) == D("0.00")


def test_a_blank_box_never_saved_stays_empty(as_treasurer, url, treasurer_opd, lines):
    response = save(as_treasurer, url, treasurer_opd, lines, "1.000", "", "")
    assert response.status_code == 302
    assert stored(lines[0]) == D("1000.00")
    assert stored(lines[1]) is None
    assert stored(lines[2]) is None


# Submitting ---------------------------------------------------------------------------------------


def test_submitting_behind_the_cash_plan_needs_an_obstacle_and_changes_nothing_without_one(
    as_treasurer, url, treasurer_opd, lines
):
    save(as_treasurer, url, treasurer_opd, lines, "1.000.000", "1.000.000", "0")
    before = snapshot()

    # Through TW II: 5.000.000 realised of 10.000.000 planned: 50% of plan.
    response = save(
        as_treasurer, url, treasurer_opd, lines, "1.500.000", "1.000.000", "0", action="submit"
    )

    assert response.status_code == 400
    assert "kendala" in last_message(response)
    assert snapshot() == before  # not even the amounts typed with the refused submit
    assert report_of(treasurer_opd).status == Status.DRAFT
    # the page can be saved again right away: its version is still the stored one
    assert response.context["version"] == version(treasurer_opd)
    assert entry_rows(response)[lines[0].account.kode]["value"] == "1.500.000"


def test_a_submit_with_an_obstacle_hands_the_quarter_in(as_treasurer, url, treasurer_opd, lines):
    response = save(
        as_treasurer,
        url,
        treasurer_opd,
        lines,
        "1.000.000",
        "1.000.000",
        "0",
        action="submit",
        kendala=["pengadaan", "juknis"],
        kendala_catatan="  Tender jalan masih dalam proses sanggah.  ",
    )
    assert response.status_code == 302
    report = report_of(treasurer_opd)
    assert report.status == Status.SUBMITTED
    assert report.kendala == ["pengadaan", "juknis"]
    assert report.kendala_catatan == "Tender jalan masih dalam proses sanggah."
    assert report.submitted_by is not None
    assert report.submitted_by.username == "bendahara_ini"
    assert stored(lines[0]) == D("1000000.00")

    page = as_treasurer.get(url)
    assert "Laporan diajukan untuk diverifikasi BPKAD." in messages_of(page)
    assert 'name="line-' not in page.content.decode()  # no more boxes once handed in
    # the OPD page names the obstacles
    opd_page = page_text(as_treasurer.get(f"/opd/{treasurer_opd.kode}/?tahun={YEAR}&triwulan={TW}"))
    assert "Kendala: Keterlambatan pengadaan barang/jasa atau tender" in opd_page


def test_a_quarter_on_plan_is_submitted_without_an_obstacle(
    as_treasurer, url, treasurer_opd, lines
):
    # Through TW II: 2.000.000 + 1.000.000 + 3.000.000 + 4.000.000 = 10.000.000 of 10.000.000.
    response = save(
        as_treasurer, url, treasurer_opd, lines, "3.000.000", "4.000.000", "0", action="submit"
    )
    assert response.status_code == 302
    assert report_of(treasurer_opd).status == Status.SUBMITTED


def test_a_submitted_quarter_cannot_be_edited_by_its_treasurer(
    as_treasurer, url, treasurer_opd, lines
):
    submit(as_treasurer, url, treasurer_opd, lines)
    before = snapshot()
    response = save(as_treasurer, url, treasurer_opd, lines, "7", "7", "7")
    assert response.status_code == 400
    assert snapshot() == before


# Verifying, the lock, reopening, returning --------------------------------------------------------


def submit(client, url, opd, lines, values=("1.000.000", "1.000.000", "0")):
    response = save(client, url, opd, lines, *values, action="submit", kendala=["pengadaan"])
    assert response.status_code == 302, messages_of(response)


def verify(client, url, opd):
    response = client.post(url, {"action": "verify", "version": version(opd)})
    assert response.status_code == 302, messages_of(response)


@pytest.fixture
def verified(as_treasurer, as_bpkad, url, treasurer_opd, lines):
    submit(as_treasurer, url, treasurer_opd, lines)
    verify(as_bpkad, url, treasurer_opd)
    return report_of(treasurer_opd)


def test_bpkad_verifies_a_submitted_quarter_and_it_is_locked(
    as_bpkad, as_treasurer, url, treasurer_opd, lines, verified
):
    assert verified.status == Status.VERIFIED
    assert verified.verified_by.username == "verifikator"
    assert verified.verified_at is not None
    page = as_treasurer.get(url)
    html = page.content.decode()
    assert 'name="line-' not in html
    assert "Triwulan ini terkunci (terverifikasi)" in page_text(page)
    # BPKAD is offered the reopen form, not the entry boxes
    html = as_bpkad.get(url).content.decode()
    assert 'value="reopen"' in html
    assert 'name="line-' not in html


def test_a_verified_quarter_refuses_a_save_from_the_page_by_anyone(
    as_treasurer, as_bpkad, url, treasurer_opd, lines, verified
):
    before = snapshot()
    for client in (as_treasurer, as_bpkad):
        response = save(client, url, treasurer_opd, lines, "5", "5", "5")
        assert response.status_code == 400
        assert "terverifikasi" in last_message(response).lower()
    assert snapshot() == before


def test_a_verified_quarter_refuses_an_upload(as_treasurer, url, treasurer_opd, lines, verified):
    before = snapshot()
    berkas = SimpleUploadedFile("tw2.csv", realisasi_csv(lines, "5", "5", "5"))
    response = as_treasurer.post(
        url, {"action": "upload", "version": version(treasurer_opd), "berkas": berkas}
    )
    # The page has no upload form any more; a forged post is refused all the same.
    assert response.status_code == 400
    assert len(response.context["upload_errors"]) == 3
    assert all("triwulan" in e for e in response.context["upload_errors"])
    assert snapshot() == before


def test_a_verified_quarter_refuses_the_import_command(tmp_path, treasurer_opd, lines, verified):
    path = tmp_path / "tw2.csv"
    path.write_bytes(realisasi_csv(lines, "5", "5", "5"))
    before = snapshot()
    error, stderr = refusal("import_realisasi", path, no_progress=True)
    assert error.returncode == 1
    assert len(stderr.strip().splitlines()) == 3
    assert treasurer_opd.kode in stderr
    assert snapshot() == before


def test_a_verified_quarter_accepts_an_import_that_changes_nothing_in_it(
    tmp_path, treasurer_opd, lines, verified
):
    # The same figures again (a whole-year file re-imported) do not touch the locked quarter.
    path = tmp_path / "tw2.csv"
    path.write_bytes(realisasi_csv(lines, "1000000", "1000000", "0"))
    before = snapshot()
    summary = run_command("import_realisasi", path, no_progress=True)
    assert "0 dibuat, 0 diubah, 3 tetap" in summary
    assert snapshot()["realisasi"] == before["realisasi"]


def test_a_verified_quarter_refuses_the_admin_change_form(as_bpkad, treasurer_opd, lines, verified):
    real = Realisasi.objects.get(line=lines[0], triwulan=TW)
    before = snapshot()
    response = as_bpkad.post(
        f"/admin/budget/realisasi/{real.pk}/change/",
        {"line": real.line_id, "triwulan": TW, "jumlah": "5"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "terverifikasi" in page_text(response).lower()
    assert snapshot() == before


def test_reopening_needs_a_reason(as_bpkad, url, treasurer_opd, verified):
    before = snapshot()
    for reason in ("", "   "):
        response = as_bpkad.post(
            url, {"action": "reopen", "version": version(treasurer_opd), "alasan": reason}
        )
        assert response.status_code == 400
        assert last_message(response) == id_text("give the reason")
    assert snapshot() == before


def test_bpkad_reopens_with_a_reason_and_the_treasurer_edits_again(
    as_bpkad, as_treasurer, url, treasurer_opd, lines, verified
):
    response = as_bpkad.post(
        url,
        {
            "action": "reopen",
            "version": version(treasurer_opd),
            "alasan": "Koreksi SP2D bulan Juni.",
        },
    )
    assert response.status_code == 302
    report = report_of(treasurer_opd)
    assert report.status == Status.DRAFT
    assert report.alasan == "Koreksi SP2D bulan Juni."
    assert report.verified_by is None

    page = as_treasurer.get(url)
    assert "Catatan BPKAD: Koreksi SP2D bulan Juni." in page_text(page)
    response = save(as_treasurer, url, treasurer_opd, lines, "1.250.000", "1.000.000", "0")
    assert response.status_code == 302
    assert stored(lines[0]) == D("1250000.00")


def test_bpkad_returns_a_submitted_quarter_with_a_reason(
    as_bpkad, as_treasurer, url, treasurer_opd, lines
):
    submit(as_treasurer, url, treasurer_opd, lines)
    before = snapshot()
    response = as_bpkad.post(
        url, {"action": "return", "version": version(treasurer_opd), "alasan": ""}
    )
    assert response.status_code == 400
    assert snapshot() == before

    response = as_bpkad.post(
        url,
        {
            "action": "return",
            "version": version(treasurer_opd),
            "alasan": "Belanja pegawai belum sesuai SP2D.",
        },
    )
    assert response.status_code == 302
    report = report_of(treasurer_opd)
    assert (report.status, report.alasan) == (Status.DRAFT, "Belanja pegawai belum sesuai SP2D.")
    page = as_treasurer.get(url)
    assert "Catatan BPKAD: Belanja pegawai belum sesuai SP2D." in page_text(page)
    assert 'name="line-' in page.content.decode()  # editable again
    # The status line says who returned it and when, not who had submitted it.
    when = dateformat.format(timezone.localtime(report.sent_back_at), "j M Y H:i")
    assert (report.sent_back_step, report.sent_back_by) == ("return", report.updated_by)
    assert f"Draf · dikembalikan oleh verifikator {when}" in page_text(page)
    assert "diajukan oleh" not in page_text(page)
    opd_page = reading(as_treasurer.get(f"/opd/{treasurer_opd.kode}/?tahun={YEAR}&triwulan={TW}"))
    assert f"dikembalikan oleh verifikator {when}: Belanja pegawai belum sesuai SP2D." in opd_page
    submit(as_treasurer, url, treasurer_opd, lines)
    assert report_of(treasurer_opd).status == Status.SUBMITTED
    assert "dikembalikan oleh" not in page_text(as_treasurer.get(url))


def test_a_draft_cannot_be_verified_nor_a_verified_quarter_returned(
    as_bpkad, as_treasurer, url, treasurer_opd, lines
):
    save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1")
    before = snapshot()
    response = as_bpkad.post(url, {"action": "verify", "version": version(treasurer_opd)})
    assert response.status_code == 400
    assert snapshot() == before

    submit(as_treasurer, url, treasurer_opd, lines)
    verify(as_bpkad, url, treasurer_opd)
    before = snapshot()
    response = as_bpkad.post(
        url, {"action": "return", "version": version(treasurer_opd), "alasan": "x"}
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_an_upload_on_the_page_saves_a_draft(as_treasurer, url, treasurer_opd, lines):
    berkas = SimpleUploadedFile("tw2.csv", realisasi_csv(lines, "Rp 1.234.567,50", "0", "10"))
    response = as_treasurer.post(url, {"action": "upload", "version": "0", "berkas": berkas})
    assert response.status_code == 302
    assert stored(lines[0]) == D("1234567.50")
    assert "Berkas diimpor: 3 dibuat, 0 diubah, 0 tetap." in messages_of(as_treasurer.get(url))


# Optimistic concurrency ---------------------------------------------------------------------------


def test_the_second_of_two_people_saving_the_same_page_gets_a_conflict(
    treasurer, bpkad, url, treasurer_opd, lines
):
    first, second = Client(), Client()
    first.force_login(treasurer)
    second.force_login(bpkad)
    save(first, url, treasurer_opd, lines, "1", "1", "1")
    seen = [c.get(url).context["version"] for c in (first, second)]
    assert seen == [1, 1]

    assert save(first, url, treasurer_opd, lines, "100", "200", "300", ver=1).status_code == 302
    before = snapshot()
    response = save(second, url, treasurer_opd, lines, "999", "999", "999", ver=1)

    assert response.status_code == 409
    assert "bendahara_ini" in last_message(response)  # who saved in between
    assert snapshot() == before
    assert [stored(line) for line in lines] == [D("100.00"), D("200.00"), D("300.00")]


def test_two_people_opening_an_empty_quarter_cannot_both_create_it(
    treasurer, bpkad, url, treasurer_opd, lines
):
    first, second = Client(), Client()
    first.force_login(treasurer)
    second.force_login(bpkad)
    assert save(first, url, treasurer_opd, lines, "100", "", "", ver=0).status_code == 302
    before = snapshot()
    assert save(second, url, treasurer_opd, lines, "999", "", "", ver=0).status_code == 409
    assert snapshot() == before


def test_a_verify_with_a_stale_version_is_a_conflict(
    bpkad, as_treasurer, url, treasurer_opd, lines
):
    submit(as_treasurer, url, treasurer_opd, lines)
    stale = version(treasurer_opd)
    one, other = Client(), Client()
    one.force_login(bpkad)
    other.force_login(bpkad)
    # the other verifier returns it first ...
    other.post(url, {"action": "return", "version": stale, "alasan": "Lengkapi kendala."})
    # ... and it is submitted again: same state, newer version
    submit(as_treasurer, url, treasurer_opd, lines)
    before = snapshot()
    response = one.post(url, {"action": "verify", "version": stale})
    assert response.status_code == 409
    assert snapshot() == before
    assert report_of(treasurer_opd).status == Status.SUBMITTED


def test_a_submit_with_a_stale_version_is_a_conflict(
    as_treasurer, as_bpkad, url, treasurer_opd, lines
):
    save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1")
    stale = version(treasurer_opd)
    save(as_bpkad, url, treasurer_opd, lines, "2", "2", "2")  # BPKAD corrects the draft
    before = snapshot()
    response = save(
        as_treasurer,
        url,
        treasurer_opd,
        lines,
        "1",
        "1",
        "1",
        action="submit",
        ver=stale,
        kendala=["sdm"],
    )
    assert response.status_code == 409
    assert snapshot() == before
    assert report_of(treasurer_opd).status == Status.DRAFT


def test_an_upload_with_a_stale_version_is_a_conflict(
    as_treasurer, as_bpkad, url, treasurer_opd, lines
):
    save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1")
    stale = version(treasurer_opd)
    save(as_bpkad, url, treasurer_opd, lines, "2", "2", "2")
    before = snapshot()
    berkas = SimpleUploadedFile("tw2.csv", realisasi_csv(lines, "5", "5", "5"))
    response = as_treasurer.post(url, {"action": "upload", "version": stale, "berkas": berkas})
    assert response.status_code == 409
    assert snapshot() == before


def test_a_bulk_import_into_the_quarter_makes_an_open_page_stale(
    tmp_path, as_treasurer, url, treasurer_opd, lines
):
    save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1")
    opened = as_treasurer.get(url).context["version"]
    path = tmp_path / "tw2.csv"
    path.write_bytes(realisasi_csv(lines, "700.000", "800.000", "900.000"))
    run_command("import_realisasi", path, no_progress=True)
    assert version(treasurer_opd) == opened + 1
    before = snapshot()

    response = save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1", ver=opened)

    assert response.status_code == 409
    assert snapshot() == before
    assert [stored(line) for line in lines] == [D("700000.00"), D("800000.00"), D("900000.00")]


def test_a_bulk_import_into_a_quarter_never_saved_makes_an_open_page_stale(
    tmp_path, as_treasurer, url, treasurer_opd, lines
):
    # The page was opened before anyone reported the quarter (version 0); the import then
    # wrote figures into it: the page must not save over them either.
    opened = as_treasurer.get(url).context["version"]
    assert opened == 0
    path = tmp_path / "tw2.csv"
    path.write_bytes(realisasi_csv(lines, "700.000", "800.000", "900.000"))
    run_command("import_realisasi", path, no_progress=True)
    before = snapshot()

    response = save(as_treasurer, url, treasurer_opd, lines, "1", "1", "1", ver=opened)

    assert response.status_code == 409
    assert snapshot() == before


def test_the_service_refuses_a_stale_version_too(treasurer, treasurer_opd, lines):
    from budget.workflow import Conflict

    actor = actor_for(treasurer)
    common = {"actor": actor, "opd": treasurer_opd, "tahun": YEAR, "triwulan": TW}
    realisasi_save(**common, amounts={lines[0].pk: D("1")}, version=0)
    with pytest.raises(Conflict):
        realisasi_save(**common, amounts={lines[0].pk: D("2")}, version=0)
    assert stored(lines[0]) == D("1.00")


# One write path, under the lock ------------------------------------------------------------------


def locked_elsewhere(model, pk: int) -> bool:
    """Whether another connection finds the row locked (its FOR UPDATE NOWAIT is refused)."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            query = sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE NOWAIT").format(
                sql.Identifier(model._meta.db_table)
            )
            cursor.execute(query, [pk])
        return False
    except OperationalError:
        return True
    finally:
        other.close()


# The lock is seen from a second connection, so these tests commit what they write.
# No serialized rollback: restoring the serialized database collides with the content types
# that an earlier transactional test's flush re-created (the browser tests are transactional).
committed = pytest.mark.django_db(transaction=True)


@committed
def test_submitting_reads_the_capaian_and_the_kendala_while_the_quarter_is_locked(
    treasurer, treasurer_opd, lines, monkeypatch
):
    common = {"actor": actor_for(treasurer), "opd": treasurer_opd, "tahun": YEAR, "triwulan": TW}
    saved = realisasi_save(
        **common, amounts={lines[0].pk: D("1000000")}, version=0, kendala=["pengadaan"]
    )
    report = report_of(treasurer_opd)
    probes = []
    capaian = workflow._capaian

    def probing(opd, tahun, triwulan):
        # Nobody may change the figures or the kendala between this check and the step.
        probes.append((locked_elsewhere(Opd, opd.pk), locked_elsewhere(QuarterReport, report.pk)))
        return capaian(opd, tahun, triwulan)

    monkeypatch.setattr(workflow, "_capaian", probing)
    workflow.report_submit(**common, version=saved.version)

    assert probes == [(True, True)]
    assert report_of(treasurer_opd).status == Status.SUBMITTED


@committed
@pytest.mark.parametrize("path", ["entry page", "upload", "import command", "admin"])
def test_every_write_path_stores_realisasi_while_the_opd_is_locked_and_moves_the_version(
    path, tmp_path, treasurer, bpkad, treasurer_opd, lines, url, monkeypatch
):
    probes = []
    store = workflow._store

    def probing(ledger, written):
        probes.append(locked_elsewhere(Opd, treasurer_opd.pk))
        store(ledger, written)

    monkeypatch.setattr(workflow, "_store", probing)
    client = Client()
    client.force_login(bpkad if path == "admin" else treasurer)
    if path == "entry page":
        response = save(client, url, treasurer_opd, lines, "5", "5", "5")
    elif path == "upload":
        berkas = SimpleUploadedFile("tw2.csv", realisasi_csv(lines, "5", "5", "5"))
        response = client.post(url, {"action": "upload", "version": "0", "berkas": berkas})
    elif path == "import command":
        (tmp_path / "tw2.csv").write_bytes(realisasi_csv(lines, "5", "5", "5"))
        run_command("import_realisasi", tmp_path / "tw2.csv", no_progress=True)
        response = None
    else:
        response = client.post(
            "/admin/budget/realisasi/add/", {"line": lines[0].pk, "triwulan": TW, "jumlah": "5"}
        )
    assert response is None or response.status_code == 302
    assert probes == [True]
    assert stored(lines[0]) == D("5.00")
    assert version(treasurer_opd) == 1


# --- quarters move in order ------------------------------------------------------------------


def _report(opd, triwulan: int) -> QuarterReport:
    return QuarterReport.objects.get(opd=opd, tahun=YEAR, triwulan=triwulan)


def _draft(actor, opd, triwulan: int) -> int:
    existing = workflow.report_get(opd=opd, tahun=YEAR, triwulan=triwulan)
    saved = realisasi_save(
        actor=actor,
        opd=opd,
        tahun=YEAR,
        triwulan=triwulan,
        amounts={},
        version=existing.version if existing else 0,
        kendala=["pengadaan"],
    )
    return saved.version


def test_a_quarter_cannot_be_handed_in_before_the_one_before_it(
    treasurer, bpkad, treasurer_opd, lines
):
    clerk = actor_for(treasurer)
    version = _draft(clerk, treasurer_opd, 3)
    with pytest.raises(workflow.WorkflowError, match="TW II belum diajukan"):
        workflow.report_submit(
            actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=3, version=version
        )
    assert _report(treasurer_opd, 3).status == Status.DRAFT
    # In order it goes through: TW II, then TW III.
    version2 = _draft(clerk, treasurer_opd, 2)
    workflow.report_submit(actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=2, version=version2)
    workflow.report_submit(actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=3, version=version)
    assert _report(treasurer_opd, 3).status == Status.SUBMITTED


def test_a_quarter_is_verified_only_after_the_one_before_it(treasurer, bpkad, treasurer_opd, lines):
    clerk, verifier = actor_for(treasurer), actor_for(bpkad)
    for tw in (2, 3):
        version = _draft(clerk, treasurer_opd, tw)
        workflow.report_submit(
            actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=tw, version=version
        )
    third = _report(treasurer_opd, 3)
    with pytest.raises(workflow.WorkflowError, match="TW II belum diverifikasi"):
        workflow.report_verify(
            actor=verifier, opd=treasurer_opd, tahun=YEAR, triwulan=3, version=third.version
        )
    assert _report(treasurer_opd, 3).status == Status.SUBMITTED
    second = _report(treasurer_opd, 2)
    workflow.report_verify(
        actor=verifier, opd=treasurer_opd, tahun=YEAR, triwulan=2, version=second.version
    )
    workflow.report_verify(
        actor=verifier, opd=treasurer_opd, tahun=YEAR, triwulan=3, version=third.version
    )
    assert _report(treasurer_opd, 3).status == Status.VERIFIED


def test_a_quarter_goes_back_to_draft_only_after_the_later_ones(
    treasurer, bpkad, treasurer_opd, lines
):
    clerk, verifier = actor_for(treasurer), actor_for(bpkad)
    version = _draft(clerk, treasurer_opd, 2)
    workflow.report_submit(actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=2, version=version)
    first = _report(treasurer_opd, 1)
    with pytest.raises(workflow.WorkflowError, match="TW II sudah diajukan"):
        workflow.report_reopen(
            actor=verifier,
            opd=treasurer_opd,
            tahun=YEAR,
            triwulan=1,
            version=first.version,
            reason="salah input",
        )
    assert _report(treasurer_opd, 1).status == Status.VERIFIED
    second = _report(treasurer_opd, 2)
    workflow.report_return(
        actor=verifier,
        opd=treasurer_opd,
        tahun=YEAR,
        triwulan=2,
        version=second.version,
        reason="periksa SP2D",
    )
    workflow.report_reopen(
        actor=verifier,
        opd=treasurer_opd,
        tahun=YEAR,
        triwulan=1,
        version=first.version,
        reason="salah input",
    )
    assert _report(treasurer_opd, 1).status == Status.DRAFT


def test_the_order_refusal_reads_in_english_too(treasurer, treasurer_opd, lines):
    clerk = actor_for(treasurer)
    version = _draft(clerk, treasurer_opd, 3)
    with translation.override("en"):
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.report_submit(
                actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=3, version=version
            )
        assert str(refused.value) == "TW II has not been handed in yet: hand in TW II first"


def test_the_treasurers_page_says_which_quarter_to_report_next(
    as_treasurer, as_bpkad, treasurer, treasurer_opd, lines
):
    opd_url = f"/opd/{treasurer_opd.kode}/"
    page = as_treasurer.get(opd_url)
    assert f"Laporan berikutnya: TW II {YEAR}." in reading(page)
    assert f'href="/opd/{treasurer_opd.kode}/realisasi/{YEAR}/2/">Isi realisasi TW' in (
        page.content.decode()
    )
    # Once TW II is handed in, TW III is next; BPKAD's page says nothing of the kind.
    clerk = actor_for(treasurer)
    version = _draft(clerk, treasurer_opd, 2)
    workflow.report_submit(actor=clerk, opd=treasurer_opd, tahun=YEAR, triwulan=2, version=version)
    assert f"Laporan berikutnya: TW III {YEAR}." in reading(as_treasurer.get(opd_url))
    assert "Laporan berikutnya" not in reading(as_bpkad.get(opd_url))
