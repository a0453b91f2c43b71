"""The background tasks: large imports from /impor/ and region-wide reports from /laporan/.

Each task takes the id of a `jobs.Job` row, which holds what to do (the uploaded file, the
report's parameters) and receives the progress and the result. The task runs as the person
who started it: their rights are checked again in the worker, and an import's history events
name them as the web import does.

A task that fails marks its job failed with the reason and raises again, so that the queue
records the traceback too. An import writes in one transaction (the importers'), so a failure
or a killed worker midway leaves the database as it was.
"""

from collections.abc import Sequence
from io import BytesIO
from typing import Any

import pghistory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from budget.importing import ImportRefused, read_table
from budget.importing.reading import Table
from budget.models import Opd, Region
from budget.roles import actor_for, can_import_dpa, can_view_opd, can_view_region
from budget.selectors import region_for
from dashboard.reports.collector import collector_paused
from jobs.models import Job
from jobs.services import Progress, job_finish, job_running

PREVIEW_ROWS = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Phases(dict):
    """What the status page says a job is doing. A region PDF's phase `opd:k:n` counts the
    OPDs laid out so far (the page's own counter speaks of rows, an import's unit)."""

    def get(self, key: str, default: Any = None) -> Any:
        name, _sep, count = key.partition(":")
        if name == "opd" and count.count(":") == 1:
            done, total = count.split(":")
            return gettext("Laying out the pages: %(done)s of %(total)s work units") % {
                "done": done,
                "total": total,
            }
        return super().get(key, default)


PHASES = _Phases(
    {
        "": _("Waiting for the worker"),
        "reading": _("Reading the file"),
        "validating": _("Checking every row"),
        "comparing": _("Comparing with the stored data"),
        "writing": _("Writing, in one transaction"),
        "figures": _("Computing the figures"),
        "layout": _("Laying out the pages"),
    }
)


class _CountedRows(Sequence):
    """A table's rows that tell the job's progress as the importer walks through them: both
    importers check every row in one pass before they open their transaction, and then
    compare or write. It wraps the file's rows (budget.importing.reading.Rows, read again
    from the file on each pass), never copies them: memory does not grow with the file."""

    def __init__(self, rows: Sequence, progress: Progress, then: str):
        self.inner = rows
        self.progress = progress
        self.then = then

    def __iter__(self):
        yield from self.progress.rows(iter(self.inner))
        self.progress.phase(self.then, done=len(self.inner))  # every row checked

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index):
        return self.inner[index]


def _failed(job: Job, exc: BaseException) -> None:
    message = gettext(
        "The task stopped with an error: %(error)s. Nothing was written: an import is written "
        "in one transaction, all or nothing."
    ) % {"error": f"{type(exc).__name__}: {exc}"[:500]}
    job_finish(job, state=Job.State.FAILED, message=message, upload=None)


def _run_job(job_id: str, work: Any) -> str:
    job = Job.objects.select_related("user").get(pk=job_id)
    if job.state != Job.State.QUEUED:
        return job.state  # cancelled, or run already
    with job_running(job) as progress, translation.override(job.language or None):
        try:
            work(job, progress)
        except Exception as exc:
            _failed(job, exc)
            raise
    return job.state


@task()
def import_job(job_id: str) -> str:
    """Check (dry run) or write an uploaded file, as the web import does."""
    return _run_job(job_id, _import)


@task()
def report_job(job_id: str) -> str:
    """The region's LRA report as PDF or XLSX."""
    return _run_job(job_id, _report)


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: list(v) if isinstance(v, tuple) else v for k, v in row.items()} for row in rows]


def _import(job: Job, progress: Progress) -> None:
    from dashboard.imports import run_import  # the web import's own dispatch

    meta = job.params
    write = meta.get("step") == "write"
    actor = actor_for(job.user)
    if meta["jenis"] == "dpa" and not can_import_dpa(actor):
        raise PermissionError(gettext("this user may not import a DPA"))
    region = region_for(actor)
    progress.phase("reading")
    try:
        table = read_table(BytesIO(bytes(job.upload or b"")), name=meta["name"])
        progress.phase("validating", total=len(table.rows))
        counted = Table(
            columns=table.columns,
            rows=_CountedRows(table.rows, progress, then="writing" if write else "comparing"),
        )
        if write:
            with pghistory.context(user=job.user_id, url=reverse("import"), file=meta["name"]):
                result = run_import(actor, region, counted, meta, dry_run=False)
        else:
            result = run_import(actor, region, counted, meta, dry_run=True)
    except ImportRefused as refused:
        job_finish(
            job,
            state=Job.State.REFUSED,
            result={"errors": [e.as_dict() for e in refused.errors], "stale": write},
            upload=None,
        )
        return
    outcome = {
        "summary_lines": [str(line) for line in result.summary_lines()],
        "changes": _jsonable(result.changes[:PREVIEW_ROWS]),
        "created": [] if write else _jsonable(result.created[:PREVIEW_ROWS]),
    }
    if write:
        job_finish(job, state=Job.State.DONE, result=outcome, upload=None)
    else:
        job_finish(job, state=Job.State.CHECKED, result=outcome)


def _report(job: Job, progress: Progress) -> None:
    params = job.params
    actor = actor_for(job.user)
    region = Region.objects.get(pk=params["region"])
    opd = Opd.objects.get(pk=params["opd"], region=region) if params.get("opd") else None
    if not (can_view_opd(actor, opd) if opd else can_view_region(actor)):
        raise PermissionError(gettext("this user may not see this report"))
    progress.phase("figures")
    output, content_type, filename = _report_file(params, region=region, opd=opd, progress=progress)
    job_finish(
        job,
        state=Job.State.DONE,
        output=output,
        output_name=filename,
        output_type=content_type,
        result={"size": len(output)},
    )


@collector_paused()
def _report_file(
    params: dict[str, Any], *, region: Region, opd: Opd | None, progress: Progress
) -> tuple[bytes, str, str]:
    """The report's file, its type and name. Its rows are freed before the cyclic collector
    runs again (`collector_paused`): still alive then, the collector's next pass would walk
    them all."""
    from dashboard.reports import lra, pdf, xlsx

    scope = {
        "region": region,
        "tahun": params["tahun"],
        "triwulan": params["triwulan"],
        "susunan": params["susunan"],
    }
    report: lra.LraReport
    if params["format"] == "pdf" and opd is None:
        # OPD by OPD, each part what `?opd=` prints; the page counts the OPDs laid out.
        book = lra.region_book(**scope)
        report = book.recap
        progress.phase("layout")
        output = pdf.region_pdf(book, done=lambda k, n: progress.phase(f"opd:{k}:{n}"))
        content_type = "application/pdf"
    else:
        report = lra.lra_report(**scope, opd=opd)
        progress.phase("layout")
        if params["format"] == "pdf":
            output, content_type = pdf.lra_pdf(report), "application/pdf"
        else:
            output, content_type = xlsx.lra_workbook(report), XLSX_TYPE
    return output, content_type, f"{report.filename}.{params['format']}"
