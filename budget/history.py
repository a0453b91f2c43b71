"""The audit trail: who changed which DPA line, realisasi or report status, when, from what to
what. The events themselves are written by PostgreSQL triggers (django-pghistory), so no write
path can skip them; this module only reads them. Four queries whatever the history's length.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.importing.columns import LINE_FIELDS
from budget.models import DpaLine, Opd, QuarterReport, Realisasi

ACTIONS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}
# The DPA line's fields a change is shown for: those an import or the admin writes.
LINE_HISTORY_FIELDS = list(LINE_FIELDS)
REPORT_FIELDS = ["status", "kendala", "kendala_catatan", "alasan"]


def _short_labels() -> dict[str, str]:
    """Compact names for the summary line; other fields go by their model's verbose name."""
    return {
        **{f"kas_tw{q}": _("cash TW %(q)s") % {"q": q} for q in range(1, 5)},
        "alasan": _("reason"),
    }


def _labels(model: Any, fields: list[str]) -> dict[str, str]:
    short = _short_labels()
    return {f: short.get(f) or str(model._meta.get_field(f).verbose_name) for f in fields}


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str  # user name, or the command and OS user for a command-line import
    via: str  # the page or command
    what: str  # the model's verbose name: realisasi, DPA line, quarterly report
    subject: str  # which line or report
    action: str  # created / changed / deleted, translated
    changes: list[Change]


def _event_model(name: str) -> Any:
    # The event models are made by pghistory.track when budget.models is imported, so they
    # are not in the source for a type checker to see.
    return apps.get_model("budget", name)


def _with_previous(qs: QuerySet[Any], fields: list[str]) -> QuerySet[Any]:
    """Annotate each event with the value of every field at the object's previous event."""
    return qs.annotate(
        **{
            f"prev_{f}": Window(Lag(f), partition_by=[F("pgh_obj_id")], order_by=F("pgh_id").asc())
            for f in fields
        }
    )


def _changes(event: Any, fields: list[str], labels: dict[str, str]) -> list[Change]:
    out: list[Change] = []
    for f in fields:
        new = getattr(event, f)
        old = getattr(event, f"prev_{f}")
        if event.pgh_label == "insert":
            old = None
        if event.pgh_label == "delete":
            old, new = new, None
        if event.pgh_label == "update" and old == new:
            continue
        if event.pgh_label != "update" and new in (None, "", []) and old in (None, "", []):
            continue
        out.append(Change(labels.get(f, f), old, new))
    return out


def opd_history(*, opd: Opd, tahun: int | None = None, limit: int = 100) -> list[HistoryEntry]:
    """The newest changes to one OPD's DPA lines, realisasi and quarterly reports."""
    DpaLineEvent = _event_model("DpaLineEvent")
    RealisasiEvent = _event_model("RealisasiEvent")
    ReportEvent = _event_model("QuarterReportEvent")

    line_fields = LINE_HISTORY_FIELDS
    line_labels = _labels(DpaLine, line_fields)
    report_labels = _labels(QuarterReport, REPORT_FIELDS)
    lines = _with_previous(DpaLineEvent.objects.filter(opd=opd), line_fields)
    reals = _with_previous(RealisasiEvent.objects.filter(line__opd=opd), ["jumlah"]).select_related(
        "line__account", "line__sub_kegiatan"
    )
    report_fields = REPORT_FIELDS
    reports = _with_previous(ReportEvent.objects.filter(opd=opd), report_fields)
    if tahun is not None:
        lines = lines.filter(tahun=tahun)
        reals = reals.filter(line__tahun=tahun)
        reports = reports.filter(tahun=tahun)

    entries: list[tuple[Any, HistoryEntry]] = []
    # Events of three pghistory models, read through the fields they share.
    events: list[Any] = []
    for qs in (
        lines.select_related("pgh_context", "account", "sub_kegiatan"),
        reals.select_related("pgh_context"),
        reports.select_related("pgh_context"),
    ):
        # The window needs the whole object history; keep only the newest events after it.
        events.extend(list(qs.order_by("-pgh_created_at", "-pgh_id")[:limit]))
    user_ids = {
        (e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context is not None
    }
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[u for u in user_ids if u])
        .values_list("pk", "username")
    )
    status_labels = dict(QuarterReport.Status.choices)
    for e in events:
        meta = (e.pgh_context.metadata if e.pgh_context is not None else None) or {}
        if meta.get("user"):
            who = names.get(meta["user"], f"#{meta['user']}")
        elif meta.get("command"):
            who = f"{meta.get('os_user', '')} ({meta['command']})".strip()
        else:
            who = _("system")
        # A command's events name the file imported, so that a figure leads back to it.
        via = meta.get("url") or " ".join(str(meta[k]) for k in ("command", "file") if meta.get(k))
        if e._meta.model_name == "dpalineevent":
            what = str(capfirst(DpaLine._meta.verbose_name))
            subject = f"{e.tahun} {e.sub_kegiatan.kode if e.sub_kegiatan else '-'} {e.account.kode}"
            changes = _changes(e, line_fields, line_labels)
        elif e._meta.model_name == "realisasievent":
            what = str(capfirst(Realisasi._meta.verbose_name))
            line = e.line
            subject = (
                f"{line.tahun} TW {e.triwulan} "
                f"{line.sub_kegiatan.kode if line.sub_kegiatan else '-'} {line.account.kode}"
            )
            changes = _changes(e, ["jumlah"], _labels(Realisasi, ["jumlah"]))
        else:
            what = str(capfirst(QuarterReport._meta.verbose_name))
            subject = f"{e.tahun} TW {e.triwulan}"
            changes = [
                Change(
                    c.field,
                    status_labels.get(c.old, c.old) if c.field == "status" else c.old,
                    status_labels.get(c.new, c.new) if c.field == "status" else c.new,
                )
                for c in _changes(e, report_fields, report_labels)
            ]
        if e.pgh_label == "update" and not changes:
            continue  # only bookkeeping moved (the version, a timestamp)
        entries.append(
            (
                (e.pgh_created_at, e.pgh_id),
                HistoryEntry(
                    at=e.pgh_created_at,
                    who=who,
                    via=via,
                    what=what,
                    subject=subject,
                    action=str(ACTIONS.get(e.pgh_label, e.pgh_label)),
                    changes=changes,
                ),
            )
        )
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _key, entry in entries[:limit]]
