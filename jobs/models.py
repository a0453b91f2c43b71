import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One piece of long work a person started: an import's check or write, or a report."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        REPORT = "report", _("Report")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # The page polls a job by its id: a random UUID, never a counter another user could guess.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="serapan_jobs"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    done = models.PositiveIntegerField(default=0)  # rows processed in this phase
    total = models.PositiveIntegerField(default=0)  # rows in the file (0: not counted)
    # What to do: the import's file name, kind and options, or the report's parameters.
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # What came out: the summary, the lines to create and change, the row errors.
    result = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    message = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    # The uploaded file, until the import is written, refused or abandoned.
    upload = models.BinaryField(null=True, editable=False)
    # The report made, with the name and type it is downloaded under.
    output = models.BinaryField(null=True, editable=False)
    output_name = models.CharField(max_length=200, blank=True)
    output_type = models.CharField(max_length=100, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["user", "created_at"], name="job_user_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total=0) | models.Q(done__lte=models.F("total")),
                name="job_done_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


FINISHED = {Job.State.DONE, Job.State.REFUSED, Job.State.FAILED, Job.State.CANCELLED}
