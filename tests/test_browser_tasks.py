"""The progress page of a background job in a real browser: Chromium (Playwright) against
pytest-django's live server, the real database queue, and a `db_worker` process run here.

The page shows the job waiting, polls its status and, once the worker has run it, shows the
result without a reload by hand: the region report's download, an import's preview and then
its summary. Screenshots go to screenshots/ as for the other browser tests.
"""

import signal

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from playwright.sync_api import expect

from budget.models import DpaLine, Profile, Region
from budget.roles import GROUP_BPKAD
from tests.browser import DESKTOP, PHONE, chromium_session, horizontal_overflow, shoot
from tests.factories import dpa_row
from tests.helpers import run_command
from tests.test_tasks import DATABASE_BACKEND, NEW_PROGRAM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "kata-sandi-uji-9"


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the whole module."""
    with chromium_session() as chromium:
        yield chromium


@pytest.fixture
def queued(settings, files, live_server) -> str:
    """A region with one DPA line, a BPKAD user, tasks that wait for a worker."""
    settings.TASKS = DATABASE_BACKEND
    settings.SERAPAN_IMPORT_TASK_ROWS = 1
    settings.IMPORT_UPLOAD_DIR = files.folder / "uploads"
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    user = User.objects.create_user("verifikator", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
    Profile.objects.create(user=user, region=Region.objects.get())
    return live_server.url


def run_worker_here() -> None:
    """One pass of the worker in this process (tests/test_tasks.py starts a real one): what
    is queued runs, then it returns. The worker installs its own signal handlers; put back
    pytest's."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def signed_in_page(browser, base_url: str, viewport: dict):
    context = browser.new_context(base_url=base_url, locale="id-ID", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill("verifikator")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    return context, page, errors


def test_the_progress_page_follows_a_region_report_until_its_file_is_offered(browser, queued):
    context, page, errors = signed_in_page(browser, queued, DESKTOP)
    page.goto("/laporan/lra.pdf?tahun=2024&triwulan=4")

    expect(page.locator("#job-phase")).to_have_text("Menunggu giliran di antrean tugas")
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert horizontal_overflow(page) == 0, size
        shoot(page, f"tugas-menunggu-{size}")

    run_worker_here()

    download = page.get_by_role("link", name="Buka PDF")
    expect(download).to_be_visible()
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert horizontal_overflow(page) == 0, size
        shoot(page, f"tugas-laporan-siap-{size}")
    response = page.request.get(download.get_attribute("href") or "")
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert errors == []
    context.close()


def test_a_large_import_is_checked_confirmed_and_written_through_its_progress_page(
    browser, queued, files
):
    context, page, errors = signed_in_page(browser, queued, DESKTOP)
    changed = dpa_row(pagu="500000", kas_tw4="200000")
    new = dpa_row(kode_rekening="5.1.02.01.01.0025", uraian="Belanja ATK", **NEW_PROGRAM)
    page.goto("/impor/")
    page.get_by_label("Berkas (CSV UTF-8 atau XLSX)").set_input_files(files.csv([changed, new]))
    page.get_by_role("button", name="Periksa berkas").click()

    expect(page.locator("#job-count")).to_have_text("0 dari 2 baris")
    run_worker_here()
    expect(page.get_by_role("button", name="Konfirmasi impor")).to_be_visible()
    expect(page.locator("ul.summary")).to_contain_text("1 dibuat, 1 diubah")
    shoot(page, "tugas-impor-diperiksa-desktop")
    assert DpaLine.objects.count() == 1

    page.get_by_role("button", name="Konfirmasi impor").click()
    expect(page.locator("#job-phase")).to_have_text("Menunggu giliran di antrean tugas")
    run_worker_here()
    expect(page.get_by_role("heading", name="Impor selesai")).to_be_visible()
    shoot(page, "tugas-impor-selesai-desktop")
    assert DpaLine.objects.count() == 2
    assert errors == []
    context.close()
