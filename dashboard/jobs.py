"""The pages of a background job (/tugas/<id>/): its progress, then its result.

Only the person who started a job, or BPKAD, sees it; anyone else gets 404, as for a job that
does not exist. Only the person who started an import confirms or cancels it.
"""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from budget.roles import actor_for
from budget.selectors import region_for
from dashboard.tasks import PHASES, import_job
from jobs.models import Job
from jobs.services import job_cancel, job_requeue, job_status


def _job(request: HttpRequest, pk) -> Job:
    job = Job.objects.filter(pk=pk).defer("upload", "output").first()
    if job is None:
        raise Http404
    if job.user_id != request.user.pk and not actor_for(request.user).is_bpkad:
        raise Http404
    return job_status(job)


def status_data(job: Job) -> dict:
    download = (
        reverse("job_download", args=[job.pk])
        if job.state == Job.State.DONE and job.kind == Job.Kind.REPORT
        else None
    )
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "phase": job.phase,
        "phase_label": str(PHASES.get(job.phase, job.phase)),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished or job.state == Job.State.CHECKED,
        "message": job.message,
        "download": download,
    }


@require_GET
def job_page(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk)
    actor = actor_for(request.user)
    context = {"region": region_for(actor), "job": job, "status": status_data(job)}
    if job.kind == Job.Kind.IMPORT:
        meta = job.params
        if job.state == Job.State.CHECKED or job.state == Job.State.REFUSED:
            return render(
                request,
                "dashboard/import_preview.html",
                {
                    **context,
                    "meta": meta,
                    "result": job.result,
                    "errors": job.result.get("errors"),
                    "stale": job.result.get("stale"),
                    "token": job.pk,
                    "mine": job.user_id == request.user.pk,
                    "created": job.result.get("created"),
                    "changes": job.result.get("changes"),
                },
                status=400 if job.state == Job.State.REFUSED else 200,
            )
        if job.state == Job.State.DONE:
            return render(
                request,
                "dashboard/import_done.html",
                {**context, "meta": meta, "result": job.result},
            )
    return render(request, "dashboard/job.html", context)


@require_GET
def job_status_json(request: HttpRequest, pk) -> JsonResponse:
    return JsonResponse(status_data(_job(request, pk)))


@require_GET
def job_download(request: HttpRequest, pk) -> HttpResponse:
    job = _job(request, pk)
    if job.kind != Job.Kind.REPORT or job.state != Job.State.DONE:
        raise Http404
    output = Job.objects.values_list("output", flat=True).get(pk=job.pk)
    if output is None:
        raise Http404
    response = HttpResponse(bytes(output), content_type=job.output_type)
    # As the synchronous downloads: a PDF opens in the browser, a workbook is saved.
    disposition = "inline" if job.output_type == "application/pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{job.output_name}"'
    return response


@require_POST
def job_action(request: HttpRequest, pk) -> HttpResponse:
    """Confirm (write) or cancel a checked import: once, by the person who uploaded it."""
    job = _job(request, pk)
    action = request.POST.get("action")
    if action == "confirm":
        params = {**job.params, "step": "write"}
        if job_requeue(task=import_job, job_id=job.pk, user=request.user, params=params) is None:
            raise Http404
        return redirect("job", pk=job.pk)
    if action == "cancel":
        job_cancel(job_id=job.pk, user=request.user)
        return redirect(reverse("import") + "?dibatalkan=1")
    return HttpResponse(status=400)
