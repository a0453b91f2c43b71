"""The audit trail: who changed which DPA line, realisasi, realisasi fisik or report status,
when, from what to what. The events themselves are written by PostgreSQL triggers
(django-pghistory), so no write path can skip them; this module only reads them. Five queries
whatever the history's length.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import F, Max, QuerySet, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lag
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.importing.columns import LINE_FIELDS
from budget.models import DpaLine, Opd, QuarterReport, Realisasi, RealisasiFisik
from budget.quarters import tw_label

ACTIONS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}
# The DPA line's fields a change is shown for: those an import or the admin writes.
LINE_HISTORY_FIELDS = list(LINE_FIELDS)
REPORT_FIELDS = ["status", "kendala", "kendala_catatan", "alasan"]
FISIK_FIELDS = ["persen", "alasan"]


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


# The kinds of data the trail covers, as the audit page filters them; realisasi fisik goes
# with the realisasi.
KINDS = ("dpa", "realisasi", "laporan")


def opd_history(*, opd: Opd, tahun: int | None = None, limit: int = 100) -> list[HistoryEntry]:
    """The newest changes to one OPD's DPA lines, realisasi and quarterly reports."""
    entries, _more = history(region_id=opd.region_id, opd=opd, tahun=tahun, limit=limit)
    return entries


def history(
    *,
    region_id: int,
    opd: Opd | None = None,
    tahun: int | None = None,
    triwulan: int | None = None,
    kinds: tuple[str, ...] = KINDS,
    user_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[HistoryEntry], bool]:
    """Changes in a region, newest first, `limit` from `offset`, and whether more follow.

    Filters: one OPD, a year, a quarter (realisasi and reports only: a DPA line has no
    quarter), the kinds of data, the person who made the change. Each event is shown against
    the object's previous event whatever the filters (the filter on the person applies after
    the comparison). Five queries at most."""
    querysets = _event_querysets(
        region_id=region_id, opd=opd, tahun=tahun, triwulan=triwulan, kinds=kinds
    )
    if user_id is not None:
        # A window over the row alone: Django filters on a window expression after the
        # windows are computed, so each event still meets its object's previous one.
        by = Window(
            Max(KeyTextTransform("user", "pgh_context__metadata")), partition_by=[F("pgh_id")]
        )
        querysets = [qs.annotate(_by=by).filter(_by=str(user_id)) for qs in querysets]
    # Events of four pghistory models, read through the fields they share.
    events: list[Any] = []
    for qs in querysets:
        related = ["pgh_context"]
        if qs.model is _event_model("DpaLineEvent"):
            related += ["account", "sub_kegiatan"]
        # The window needs the whole object history; keep only the newest events after it.
        newest = qs.select_related(*related).order_by("-pgh_created_at", "-pgh_id")
        events.extend(list(newest[: offset + limit + 1]))
    user_ids = {
        (e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context is not None
    }
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[u for u in user_ids if u])
        .values_list("pk", "username")
    )
    entries = [(e.pgh_created_at, e.pgh_id, entry) for e in events if (entry := _entry(e, names))]
    entries.sort(key=lambda item: (item[0], item[1]), reverse=True)
    page = [entry for _at, _id, entry in entries[offset : offset + limit]]
    return page, len(entries) > offset + limit


def _event_querysets(
    *,
    region_id: int,
    opd: Opd | None,
    tahun: int | None,
    triwulan: int | None,
    kinds: tuple[str, ...],
) -> list[QuerySet[Any]]:
    lines = _with_previous(
        _event_model("DpaLineEvent").objects.filter(region_id=region_id), LINE_HISTORY_FIELDS
    )
    reals = _with_previous(
        _event_model("RealisasiEvent").objects.filter(region_id=region_id), ["jumlah"]
    ).select_related("line__account", "line__sub_kegiatan")
    reports = _with_previous(
        _event_model("QuarterReportEvent").objects.filter(region_id=region_id), REPORT_FIELDS
    )
    fisik = _with_previous(
        _event_model("RealisasiFisikEvent").objects.filter(region_id=region_id), FISIK_FIELDS
    ).select_related("sub_kegiatan")
    if opd is not None:
        lines, reals, reports, fisik = (
            lines.filter(opd=opd),
            reals.filter(line__opd=opd),
            reports.filter(opd=opd),
            fisik.filter(opd=opd),
        )
    if tahun is not None:
        lines = lines.filter(tahun=tahun)
        reals = reals.filter(line__tahun=tahun)
        reports = reports.filter(tahun=tahun)
        fisik = fisik.filter(tahun=tahun)
    if triwulan is not None:
        reals, reports = reals.filter(triwulan=triwulan), reports.filter(triwulan=triwulan)
        fisik = fisik.filter(triwulan=triwulan)
    chosen = {"dpa": None if triwulan else lines, "realisasi": reals, "laporan": reports}
    out = [qs for kind, qs in chosen.items() if kind in kinds and qs is not None]
    return [*out, fisik] if "realisasi" in kinds else out


def _entry(e: Any, names: dict[int, str]) -> HistoryEntry | None:
    """One event as the trail shows it; None for an update that moved only bookkeeping."""
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
        changes = _changes(e, LINE_HISTORY_FIELDS, _labels(DpaLine, LINE_HISTORY_FIELDS))
    elif e._meta.model_name == "realisasievent":
        what = str(capfirst(Realisasi._meta.verbose_name))
        line = e.line
        subject = (
            f"{line.tahun} {tw_label(e.triwulan)} "
            f"{line.sub_kegiatan.kode if line.sub_kegiatan else '-'} {line.account.kode}"
        )
        changes = _changes(e, ["jumlah"], _labels(Realisasi, ["jumlah"]))
    elif e._meta.model_name == "realisasifisikevent":
        what = str(capfirst(RealisasiFisik._meta.verbose_name))
        subject = f"{e.tahun} {tw_label(e.triwulan)} {e.sub_kegiatan.kode}"
        changes = _changes(e, FISIK_FIELDS, _labels(RealisasiFisik, FISIK_FIELDS))
    else:
        what = str(capfirst(QuarterReport._meta.verbose_name))
        subject = f"{e.tahun} {tw_label(e.triwulan)}"
        status_labels = dict(QuarterReport.Status.choices)
        changes = [
            Change(
                c.field,
                status_labels.get(c.old, c.old) if c.field == "status" else c.old,
                status_labels.get(c.new, c.new) if c.field == "status" else c.new,
            )
            for c in _changes(e, REPORT_FIELDS, _labels(QuarterReport, REPORT_FIELDS))
        ]
    if e.pgh_label == "update" and not changes:
        return None  # only bookkeeping moved (the version, a timestamp)
    return HistoryEntry(
        at=e.pgh_created_at,
        who=who,
        via=via,
        what=what,
        subject=subject,
        action=str(ACTIONS.get(e.pgh_label, e.pgh_label)),
        changes=changes,
    )
