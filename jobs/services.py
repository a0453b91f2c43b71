"""Starting, running and finishing background jobs; whether a running job's worker is alive.

A worker marks a job running only while it holds a PostgreSQL advisory lock named after the
job, on its own connection. The lock dies with the worker's session, so a job still marked
running whose lock nobody holds belongs to a worker that was killed: the status page then
says so (and, because every import runs in one transaction, that nothing was written).
"""

import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from jobs.models import FINISHED, Job

T = TypeVar("T")

# The first key of the advisory locks this application takes ("SE" "RA"): the second is the
# job's. Other applications sharing the database use their own first key.
LOCK_NAMESPACE = 0x5345_5241 & 0x7FFF_FFFF
# How often a worker writes its progress while it reads rows, at most.
PROGRESS_EVERY = 0.5  # seconds


def _lock_key(job_id: Any) -> int:
    return uuid.UUID(str(job_id)).int >> 97  # 31 of the random UUID's bits: a positive int4


def keep_seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def purge_expired() -> None:
    """Forget what nobody came back for: a file checked but never confirmed is cancelled and
    dropped after SERAPAN_JOB_UPLOAD_KEEP seconds (an hour), a finished job with its report
    after SERAPAN_JOB_KEEP seconds (a day). A finished import has dropped its file already."""
    now = timezone.now()
    upload_limit = now - timedelta(seconds=keep_seconds("SERAPAN_JOB_UPLOAD_KEEP", 3600))
    Job.objects.filter(created_at__lt=upload_limit, state=Job.State.CHECKED).update(
        state=Job.State.CANCELLED, upload=None, finished_at=now
    )
    Job.objects.filter(
        created_at__lt=now - timedelta(seconds=keep_seconds("SERAPAN_JOB_KEEP", 86400)),
        state__in=FINISHED,
    ).delete()


def job_start(
    *, task: Any, kind: str, user: Any, params: dict, upload: bytes | None = None, total: int = 0
) -> Job:
    """Record the job and put it on the queue. `task` is a django-tasks task taking the job's
    id; with the immediate backend (tests) it has run when this returns."""
    purge_expired()
    job = Job.objects.create(
        kind=kind,
        user=user,
        params=params,
        upload=upload,
        total=total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    _enqueue(task, job)
    return _as_it_stands(job)


def _as_it_stands(job: Job) -> Job:
    """The job read back, its upload and output only when asked for: a file, or a region's
    report the immediate backend made before this returns, is a megabyte the caller never
    reads."""
    return Job.objects.defer("upload", "output").get(pk=job.pk)


def _enqueue(task: Any, job: Job) -> None:
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])


def job_requeue(*, task: Any, job_id: Any, user: Any, params: dict) -> Job | None:
    """The next step of a checked job (an import's write), once: the first request moves it
    from CHECKED to QUEUED, a second one (a double click, a replayed form) finds nothing."""
    waiting = Job.objects.filter(pk=job_id, user=user, state=Job.State.CHECKED)
    updated = waiting.exclude(upload=None).update(
        state=Job.State.QUEUED,
        phase="",
        done=0,
        task_id="",
        params=params,
        finished_at=None,
        updated_at=timezone.now(),
    )
    if not updated:
        return None
    job = Job.objects.get(pk=job_id)
    _enqueue(task, job)
    return _as_it_stands(job)


def job_cancel(*, job_id: Any, user: Any) -> bool:
    return bool(
        Job.objects.filter(pk=job_id, user=user, state=Job.State.CHECKED).update(
            state=Job.State.CANCELLED, upload=None, finished_at=timezone.now()
        )
    )


class Progress:
    """What a running job tells its status page: the phase, and rows done of the total."""

    def __init__(self, job: Job):
        self.job = job
        self._written = 0.0

    def phase(self, phase: str, *, total: int | None = None, done: int = 0) -> None:
        self.job.phase = phase
        self.job.done = done
        if total is not None:
            self.job.total = total
        self._write()

    def advance(self, done: int) -> None:
        self.job.done = min(done, self.job.total) if self.job.total else done
        if time.monotonic() - self._written >= PROGRESS_EVERY:
            self._write()

    def rows(self, items: Iterable[T], *, every: int = 500) -> Iterator[T]:
        """Yield the items, telling how many were done every `every` of them."""
        done = 0
        for item in items:
            yield item
            done += 1
            if done % every == 0:
                self.advance(done)
        self.advance(done)
        self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        Job.objects.filter(pk=self.job.pk).update(
            phase=self.job.phase,
            done=self.job.done,
            total=self.job.total,
            updated_at=timezone.now(),
        )


@contextmanager
def job_running(job: Job) -> Iterator[Progress]:
    """Hold the job's advisory lock while it runs (see the module's note), mark it running."""
    key = _lock_key(job.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, key])
    try:
        now = timezone.now()
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, started_at=now, updated_at=now, message=""
        )
        job.state = Job.State.RUNNING
        yield Progress(job)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, key])


def job_finish(job: Job, *, state: str, **fields: Any) -> None:
    """Record the outcome (done, checked, refused, failed) with its result or output."""
    if state == Job.State.CHECKED:
        fields.setdefault("finished_at", None)
    else:
        fields.setdefault("finished_at", timezone.now())
    Job.objects.filter(pk=job.pk).update(state=state, updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(job, name, value)
    job.state = state


def worker_alive(job: Job) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s::oid AND objid = %s::oid AND objsubid = 2)",
            [LOCK_NAMESPACE, _lock_key(job.pk)],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def job_status(job: Job) -> Job:
    """The job as it stands, with a running job whose worker died marked failed.

    The worker takes the lock before it marks the job running and lets it go only after it
    wrote the outcome; so a job seen running first and then without its lock has either
    finished meanwhile (the conditional update below finds it no longer running) or lost its
    worker."""
    if job.state != Job.State.RUNNING or worker_alive(job):
        return job
    lost = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
        state=Job.State.FAILED,
        message=gettext(
            "The worker stopped while it was working on this (it was stopped or the "
            "server restarted). Nothing was written: start again."
        ),
        upload=None,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    job.refresh_from_db()
    if lost:
        job.result = {**job.result, "lost": True}
    return job
