"""Background tasks: large imports and region reports run by the worker on the PostgreSQL queue.

The suite runs tasks with django-tasks' immediate backend (inside the request that enqueues
them); the tests marked slow run the real one: jobs wait in the database until a `db_worker`
process, started here as an operator starts it, takes them.
"""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client

from budget.importing import ImportRefused, read_table
from budget.importing.dpa import import_dpa
from budget.models import DpaLine, Opd, Profile, Program, Region, SubKegiatan
from budget.roles import GROUP_BENDAHARA, GROUP_BPKAD
from jobs.models import Job
from jobs.services import Progress, job_running, job_status, worker_alive
from tests.browser import PROJECT_DIR
from tests.factories import OPD, dpa_row
from tests.helpers import run_command

pytestmark = pytest.mark.django_db

NEW_PROGRAM = {
    "kode_program": "1.02.02",
    "nama_program": "Program Pemenuhan Upaya Kesehatan",
    "kode_kegiatan": "1.02.02.2.01",
    "nama_kegiatan": "Penyediaan Fasilitas Pelayanan Kesehatan",
    "kode_sub_kegiatan": "1.02.02.2.01.0001",
    "nama_sub_kegiatan": "Pembangunan Puskesmas",
}
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE_BACKEND = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def every_import_is_large(settings, tmp_path):
    """One row is enough to go to the worker; small uploads would wait in tmp_path."""
    settings.SERAPAN_IMPORT_TASK_ROWS = 1
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def region(files) -> Region:
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    return Region.objects.get()


def person(name: str, group: str, region: Region, opd: Opd | None = None) -> User:
    u = User.objects.create_user(name, is_staff=group == GROUP_BPKAD)
    u.groups.add(Group.objects.get_or_create(name=group)[0])
    Profile.objects.create(user=u, region=region, opd=opd)
    return u


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_bpkad(region) -> Client:
    return signed_in(person("verifikator", GROUP_BPKAD, region))


def upload(client: Client, data: bytes, name: str = "dpa.csv", jenis: str = "dpa"):
    return client.post(
        "/impor/", {"action": "preview", "jenis": jenis, "berkas": SimpleUploadedFile(name, data)}
    )


def job_of(response) -> Job:
    assert response.status_code == 302, response.content.decode()[:500]
    found = re.fullmatch(r"/tugas/([0-9a-f-]{36})/", response["Location"])
    assert found is not None, response["Location"]
    return Job.objects.get(pk=found.group(1))


def snapshot() -> tuple:
    return (
        list(DpaLine.objects.order_by("pk").values_list("pk", "pagu", "kas_tw4")),
        list(Program.objects.order_by("pk").values_list("pk", "kode", "nama")),
        list(SubKegiatan.objects.order_by("pk").values_list("pk", "kode")),
        list(Opd.objects.order_by("pk").values_list("pk", "kode", "nama")),
    )


def refusals(html: str) -> list[tuple[str, str, str]]:
    body = html[html.index('class="data refusals"') :]
    return re.findall(
        r'<tr><td class="num">([^<]*)</td><td class="kode">([^<]*)</td><td>([^<]*)</td>', body
    )


def changed_and_new(files) -> bytes:
    changed = dpa_row(pagu="500000", kas_tw4="200000")
    new = dpa_row(kode_rekening="5.1.02.01.01.0025", uraian="Belanja ATK", **NEW_PROGRAM)
    return files.csv([changed, new]).read_bytes()


# Imports --------------------------------------------------------------------------------------


def test_a_large_file_is_checked_by_the_worker_and_written_only_when_confirmed(as_bpkad, files):
    before = snapshot()

    job = job_of(upload(as_bpkad, changed_and_new(files)))

    assert job.state == Job.State.CHECKED
    assert (job.done, job.total) == (2, 2)
    assert snapshot() == before
    status = as_bpkad.get(f"/tugas/{job.pk}/status.json").json()
    assert status["state"] == "checked"
    assert status["finished"] is True
    page = as_bpkad.get(f"/tugas/{job.pk}/").content.decode()
    assert "1 dibuat, 1 diubah" in page
    assert "5.1.02.01.01.0025" in page  # to be created
    assert "400.000" in page
    assert "500.000" in page
    assert f'action="/tugas/{job.pk}/aksi"' in page

    confirmed = as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})

    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.upload is None  # the file is gone once written
    done = as_bpkad.get(f"/tugas/{job.pk}/").content.decode()
    assert "Impor selesai" in done
    assert "1 dibuat, 1 diubah" in done
    assert DpaLine.objects.count() == 2
    assert DpaLine.objects.get(account__kode="5.1.02.01.01.0001").pagu == Decimal("500000.00")


def test_the_worker_records_the_uploader_in_the_history_of_what_it_wrote(as_bpkad, files):
    from budget.history import opd_history

    job = job_of(upload(as_bpkad, changed_and_new(files)))
    as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})

    latest = opd_history(opd=Opd.objects.get(kode=OPD))[0]
    assert latest.who == "verifikator"
    assert latest.via == "/impor/"


def test_a_checked_file_is_confirmed_once_and_only_by_its_uploader(as_bpkad, files, region):
    job = job_of(upload(as_bpkad, changed_and_new(files)))
    stranger = signed_in(person("lain", GROUP_BPKAD, region))

    # BPKAD may follow another's job, but the confirmation is the uploader's.
    assert stranger.get(f"/tugas/{job.pk}/").status_code == 200
    assert "Hanya orang yang mengunggah" in stranger.get(f"/tugas/{job.pk}/").content.decode()
    assert stranger.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"}).status_code == 404
    assert as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"}).status_code == 302
    assert as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"}).status_code == 404
    assert DpaLine.objects.count() == 2


def test_cancelling_a_checked_file_drops_it(as_bpkad, files):
    before = snapshot()
    job = job_of(upload(as_bpkad, changed_and_new(files)))

    response = as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "cancel"})

    assert response["Location"] == "/impor/?dibatalkan=1"
    assert "dibatalkan" in as_bpkad.get(response["Location"]).content.decode()
    job.refresh_from_db()
    assert (job.state, job.upload) == (Job.State.CANCELLED, None)
    assert as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"}).status_code == 404
    assert snapshot() == before


def test_a_refused_large_file_lists_every_row_error_as_the_command_does(as_bpkad, files):
    bad = [dpa_row(pagu="400000", kas_tw1="abc"), dpa_row(kode_kegiatan="1.02.99.2.01")]
    path = files.csv(bad)
    with pytest.raises(ImportRefused) as refused:
        import_dpa(table=read_table(path), dry_run=True)
    before = snapshot()

    job = job_of(upload(as_bpkad, path.read_bytes()))

    assert job.state == Job.State.REFUSED
    assert job.upload is None
    response = as_bpkad.get(f"/tugas/{job.pk}/")
    assert response.status_code == 400
    shown = refusals(response.content.decode())
    expected = [(str(e.row), e.column, e.message) for e in refused.value.errors]
    assert [(r, c, m.replace("&#x27;", "'")) for r, c, m in shown] == expected
    assert "Berkas ditolak: 2 kesalahan" in response.content.decode()
    assert snapshot() == before


def test_an_import_that_fails_midway_leaves_the_database_unchanged_and_says_so(
    as_bpkad, files, monkeypatch
):
    """The masters (a new program, kegiatan, sub kegiatan) are written before the lines: the
    failure comes after them, inside the import's one transaction."""
    job = job_of(upload(as_bpkad, changed_and_new(files)))
    before = snapshot()

    def disk_full(*args, **kwargs):
        assert Program.objects.filter(kode=NEW_PROGRAM["kode_program"]).exists()
        raise OSError("no space left on device")

    monkeypatch.setattr("budget.importing.dpa._write_lines", disk_full)
    as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})

    assert snapshot() == before
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "OSError: no space left on device" in job.message
    assert "Tidak ada yang ditulis" in job.message
    assert job.upload is None
    page = as_bpkad.get(f"/tugas/{job.pk}/").content.decode()
    assert "Gagal" in page
    assert "no space left on device" in page


def test_a_small_file_is_still_checked_within_the_request(as_bpkad, files, settings):
    settings.SERAPAN_IMPORT_TASK_ROWS = 3
    response = upload(as_bpkad, changed_and_new(files))
    assert response.status_code == 200
    assert "1 dibuat, 1 diubah" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (b"a,b\n1,2\n3,4\n", 2),
        (b"a,b\n1,2\n3,4", 2),
        (b"a,b\n", 0),
    ],
)
def test_the_rows_of_a_csv_are_counted_without_reading_it(data, rows):
    from dashboard.imports import estimated_rows

    assert estimated_rows(data) == rows


def test_the_rows_of_an_xlsx_are_counted_from_its_sheet_dimension(files):
    from dashboard.imports import estimated_rows

    path = files.xlsx([dpa_row() for _ in range(7)])
    assert estimated_rows(path.read_bytes()) == 7


# Who sees a job ------------------------------------------------------------------------------


def test_only_the_person_who_started_a_job_or_bpkad_sees_it(region, files):
    opd = Opd.objects.get(kode=OPD)
    treasurer = signed_in(person("bendahara", GROUP_BENDAHARA, region, opd))
    other = signed_in(person("bendahara_lain", GROUP_BENDAHARA, region, opd))
    bpkad = signed_in(person("verifikator", GROUP_BPKAD, region))
    report = job_of(bpkad.get("/laporan/lra.pdf?tahun=2024&triwulan=4"))

    for path in ("", "status.json", "berkas"):
        assert treasurer.get(f"/tugas/{report.pk}/{path}").status_code == 404, path
        assert bpkad.get(f"/tugas/{report.pk}/{path}").status_code == 200, path
    assert Client().get(f"/tugas/{report.pk}/status.json").status_code == 302  # to the login
    assert other.get("/tugas/00000000-0000-4000-8000-000000000000/").status_code == 404


# Reports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "disposition"),
    [
        ("pdf", "application/pdf", "inline"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "attachment",
        ),
    ],
)
def test_a_region_report_is_made_by_a_job_and_offered_under_todays_name_and_type(
    as_bpkad, region, fmt, content_type, disposition
):
    job = job_of(as_bpkad.get(f"/laporan/lra.{fmt}?tahun=2024&triwulan=4&susunan=rekening"))

    assert job.state == Job.State.DONE
    page = as_bpkad.get(f"/tugas/{job.pk}/").content.decode()
    assert f'href="/tugas/{job.pk}/berkas"' in page
    assert "Laporan sudah siap" in page
    assert as_bpkad.get(f"/tugas/{job.pk}/status.json").json()["download"] == (
        f"/tugas/{job.pk}/berkas"
    )
    response = as_bpkad.get(f"/tugas/{job.pk}/berkas")
    assert response["Content-Type"] == content_type
    filename = f"LRA-{region.kode}-2024-TW4-rekening.{fmt}"
    assert response["Content-Disposition"] == f'{disposition}; filename="{filename}"'
    assert response.content.startswith(b"%PDF" if fmt == "pdf" else b"PK")


def test_the_region_pdf_job_tells_how_many_work_units_it_has_laid_out(
    as_bpkad, region, files, monkeypatch
):
    second = dpa_row(kode_opd="1.03.0.00.0.00.01.0000", nama_opd="Dinas Pendidikan")
    run_command("import_dpa", files.csv([second]), no_progress=True)
    phases: list[str] = []
    told = Progress.phase

    def spy(self: Progress, phase: str, **kwargs) -> None:
        phases.append(phase)
        told(self, phase, **kwargs)

    monkeypatch.setattr(Progress, "phase", spy)
    job = job_of(as_bpkad.get("/laporan/lra.pdf?tahun=2024&triwulan=4"))
    assert job.state == Job.State.DONE
    assert phases == ["figures", "layout", "opd:0:2", "opd:1:2", "opd:2:2"]


def test_a_region_pdf_on_its_way_says_how_many_work_units_are_laid_out(region, settings):
    settings.TASKS = DATABASE_BACKEND
    client = signed_in(person("verifikator", GROUP_BPKAD, region))
    job = job_of(client.get("/laporan/lra.pdf?tahun=2024&triwulan=4"))
    with job_running(Job.objects.get(pk=job.pk)) as progress:  # as the worker holds it
        progress.phase("opd:23:60")
        status = client.get(f"/tugas/{job.pk}/status.json").json()
        page = client.get(f"/tugas/{job.pk}/").content.decode()
    assert status["state"] == "running"
    assert status["phase_label"] == "Menyusun halaman: 23 dari 60 perangkat daerah"
    assert "Menyusun halaman: 23 dari 60 perangkat daerah" in page
    assert '<p id="job-count" class="small" hidden>' in page  # the rows counter: an import's


def test_an_opd_report_is_still_answered_at_once(region):
    opd = Opd.objects.get(kode=OPD)
    treasurer = signed_in(person("bendahara", GROUP_BENDAHARA, region, opd))
    response = treasurer.get(f"/laporan/lra.pdf?tahun=2024&triwulan=4&opd={OPD}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert not Job.objects.exists()


# A worker that dies ----------------------------------------------------------------------------


def test_a_running_job_whose_worker_holds_its_lock_is_alive_and_one_without_is_lost(region):
    user = person("verifikator", GROUP_BPKAD, region)
    job = Job.objects.create(kind=Job.Kind.REPORT, user=user, params={})

    with job_running(job):
        assert worker_alive(job)
        assert job_status(Job.objects.get(pk=job.pk)).state == Job.State.RUNNING
    # The lock is gone but the job is still marked running: its worker was killed.
    assert not worker_alive(job)
    lost = job_status(Job.objects.get(pk=job.pk))
    assert lost.state == Job.State.FAILED
    assert "Worker berhenti" in lost.message


def test_a_queued_job_is_only_waiting(region, settings):
    settings.TASKS = DATABASE_BACKEND
    client = signed_in(person("verifikator", GROUP_BPKAD, region))
    job = job_of(client.get("/laporan/lra.pdf?tahun=2024&triwulan=4"))

    status = client.get(f"/tugas/{job.pk}/status.json").json()
    assert (status["state"], status["finished"], status["download"]) == ("queued", False, None)
    assert status["phase_label"] == "Menunggu giliran di antrean tugas"
    page = client.get(f"/tugas/{job.pk}/").content.decode()
    assert f'data-status-url="/tugas/{job.pk}/status.json"' in page
    assert "<progress" in page


def test_a_running_job_counts_its_rows_the_indonesian_way(region, settings):
    settings.TASKS = DATABASE_BACKEND
    client = signed_in(person("verifikator", GROUP_BPKAD, region))
    job = job_of(client.get("/laporan/lra.pdf?tahun=2024&triwulan=4"))
    Job.objects.filter(pk=job.pk).update(done=6552, total=12000)
    page = client.get(f"/tugas/{job.pk}/").content.decode()
    assert "6.552 dari 12.000 baris" in page


# The real queue: a db_worker process ---------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The environment of a worker on the test database (the test's data is committed)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "SERAPAN_TASK_BACKEND": "database", "DEBUG": "1"}


def run_worker_once() -> subprocess.CompletedProcess:
    """`db_worker --batch`: run what is queued, then exit."""
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=PROJECT_DIR,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_database_queue_holds_jobs_until_a_worker_runs_them(files, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_BACKEND
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    client = signed_in(person("verifikator", GROUP_BPKAD, Region.objects.get()))

    job = job_of(upload(client, changed_and_new(files)))
    report = job_of(client.get("/laporan/lra.xlsx?tahun=2024&triwulan=4"))
    assert (job.state, report.state) == (Job.State.QUEUED, Job.State.QUEUED)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    run_worker_once()

    job.refresh_from_db()
    assert job.state == Job.State.CHECKED
    assert client.get(f"/tugas/{report.pk}/berkas")["Content-Type"].endswith(".sheet")
    assert DpaLine.objects.count() == 1  # checked, not written

    client.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})
    run_worker_once()

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert DpaLine.objects.count() == 2
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_writing_leaves_nothing_half_written(files, settings, tmp_path):
    """The test holds a lock on the DPA lines table, so that the worker stops in the middle of
    its write: the new program, kegiatan and sub kegiatan written, the lines waiting. Then it
    is killed (SIGKILL, as the OOM killer or a power cut would)."""
    run_command("import_dpa", files.csv([dpa_row()]), no_progress=True)
    client = signed_in(person("verifikator", GROUP_BPKAD, Region.objects.get()))
    job = job_of(upload(client, changed_and_new(files)))  # checked within the request
    settings.TASKS = DATABASE_BACKEND
    client.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})  # the write waits for a worker
    before = snapshot()
    log = tmp_path / "worker.log"

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE budget_dpaline IN SHARE MODE")
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
            cwd=PROJECT_DIR,
            env=worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        try:
            reached = wait_for_a_blocked_write(cursor)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        phase = Job.objects.get(pk=job.pk).phase
        transaction.set_rollback(True)
    assert reached, "the worker never reached the write: " + log.read_text()[-2000:]
    assert phase == "writing"

    # The worker's PostgreSQL session ends (rolling back) when it finds its client gone,
    # after the statement it was waiting to run: never with a COMMIT.
    deadline = time.monotonic() + 30
    while worker_alive(job) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert snapshot() == before
    page = client.get(f"/tugas/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Worker berhenti" in page
    # Started again from the beginning, the file imports cleanly.
    settings.TASKS = IMMEDIATE_BACKEND
    job = job_of(upload(client, changed_and_new(files)))
    client.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"})
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    assert DpaLine.objects.count() == 2
    assert Program.objects.filter(kode=NEW_PROGRAM["kode_program"]).count() == 1


def wait_for_a_blocked_write(cursor, timeout: float = 60) -> bool:
    """Whether another session comes to wait on a lock while inserting into budget_dpaline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Inside a transaction, pg_stat_activity is read once and kept: read it afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query ILIKE %s AND pid <> pg_backend_pid()",
            ["%budget_dpaline%"],
        )
        if cursor.fetchone()[0]:
            return True
        time.sleep(0.1)
    return False


# Housekeeping and cost ------------------------------------------------------------------------


def test_a_checked_file_nobody_confirms_is_dropped_after_an_hour(as_bpkad, files, settings):
    job = job_of(upload(as_bpkad, changed_and_new(files)))
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(minutes=61))

    job_of(as_bpkad.get("/laporan/lra.xlsx?tahun=2024&triwulan=4"))  # any new job purges

    job.refresh_from_db()
    assert (job.state, job.upload) == (Job.State.CANCELLED, None)
    assert as_bpkad.post(f"/tugas/{job.pk}/aksi", {"action": "confirm"}).status_code == 404


def test_a_finished_job_and_its_file_are_forgotten_after_a_day(as_bpkad):
    old = job_of(as_bpkad.get("/laporan/lra.xlsx?tahun=2024&triwulan=4"))
    Job.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(hours=25))

    job_of(as_bpkad.get("/laporan/lra.xlsx?tahun=2024&triwulan=4"))

    assert not Job.objects.filter(pk=old.pk).exists()
    assert as_bpkad.get(f"/tugas/{old.pk}/berkas").status_code == 404


# Session, user and the job (without its files); the page adds the user's roles and region (for
# its header), the download the file. The owner's job is not checked against their roles.
JOB_QUERIES = {"": 5, "status.json": 3, "berkas": 4}


@pytest.mark.parametrize("path", list(JOB_QUERIES))
def test_a_job_page_costs_a_fixed_number_of_queries(as_bpkad, django_assert_num_queries, path):
    job = job_of(as_bpkad.get("/laporan/lra.xlsx?tahun=2024&triwulan=4"))
    with django_assert_num_queries(JOB_QUERIES[path]):
        assert as_bpkad.get(f"/tugas/{job.pk}/{path}").status_code == 200


def test_the_admin_lists_jobs_read_only_without_their_files(as_bpkad, files):
    job = job_of(upload(as_bpkad, changed_and_new(files)))
    admin = signed_in(User.objects.create_superuser("admin"))

    assert "dpa.csv" not in admin.get("/admin/jobs/job/").content.decode()  # params not listed
    page = admin.get(f"/admin/jobs/job/{job.pk}/change/")
    assert page.status_code == 200
    assert "Belanja ATK" not in page.content.decode()  # the uploaded file's content
    assert admin.post(f"/admin/jobs/job/{job.pk}/change/", {}).status_code == 403
