"""The quarterly report workflow: entering realisasi, submitting, verifying, returning,
reopening. Every write checks who is asking (budget.roles), whether the quarter is still open,
and the version the person saw, so that nothing is overwritten silently.

States: draf -> diajukan -> diverifikasi. Diajukan may be returned (dikembalikan) to draf with a
reason; diverifikasi is locked for everyone until BPKAD reopens it with a recorded reason.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.codes import Jenis
from budget.measures import check_triwulan
from budget.models import KENDALA_CHOICES, DpaLine, Opd, QuarterReport, Realisasi
from budget.roles import Actor, can_enter_realisasi, can_verify, require

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
KENDALA_KEYS = {key for key, _label in KENDALA_CHOICES}
Status = QuarterReport.Status


class WorkflowError(ValueError):
    """A write refused for a reason the person can act on (the message says which)."""


class Conflict(WorkflowError):
    """Someone else saved this report since the page was opened."""


@dataclass
class EntryRefused(WorkflowError):
    """Amounts refused line by line: {line id: reason}; nothing was written."""

    errors: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return _("%(n)d line(s) refused; nothing was saved") % {"n": len(self.errors)}


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    line: DpaLine
    kas_triwulan: Decimal
    sebelumnya: Decimal  # realised in the quarters before this one
    sekarang: Decimal | None  # realised within this quarter, None when not entered yet
    sesudahnya: Decimal  # realised in later quarters (only after a reopen)

    @property
    def sisa(self) -> Decimal:
        return self.line.pagu - self.sebelumnya - (self.sekarang or ZERO) - self.sesudahnya


def _quarter_sum(triwulan_filter: dict):
    rows = (
        Realisasi.objects.filter(line=OuterRef("pk"), **triwulan_filter)
        .order_by()
        .values("line")
        .annotate(s=Sum("jumlah"))
        .values("s")
    )
    return Subquery(rows, output_field=MONEY)


def entry_lines(*, opd: Opd, tahun: int, triwulan: int) -> list[EntryLine]:
    """Every DPA line of the OPD for the entry page, with what is realised around the quarter.
    One query."""
    check_triwulan(triwulan)
    qs = (
        DpaLine.objects.filter(opd=opd, tahun=tahun)
        .select_related("account", "sub_kegiatan")
        .annotate(
            _before=Coalesce(_quarter_sum({"triwulan__lt": triwulan}), Value(ZERO)),
            _now=_quarter_sum({"triwulan": triwulan}),
            _after=Coalesce(_quarter_sum({"triwulan__gt": triwulan}), Value(ZERO)),
        )
        .order_by("jenis", "sub_kegiatan__kode", "account__kode")
    )
    return [
        EntryLine(
            line=line,
            kas_triwulan=getattr(line, f"kas_tw{triwulan}"),
            sebelumnya=line._before,
            sekarang=line._now,
            sesudahnya=line._after,
        )
        for line in qs
    ]


def report_get(*, opd: Opd, tahun: int, triwulan: int) -> QuarterReport | None:
    """With who submitted and verified it, which the pages show: one query."""
    return (
        QuarterReport.objects.filter(opd=opd, tahun=tahun, triwulan=triwulan)
        .select_related("submitted_by", "verified_by")
        .first()
    )


def report_statuses(*, region, tahun: int, triwulan: int) -> dict[str, QuarterReport]:
    """The quarter's report of every OPD that has one, by OPD code. One query."""
    return {
        r.opd.kode: r
        for r in QuarterReport.objects.filter(
            region=region, tahun=tahun, triwulan=triwulan
        ).select_related("opd")
    }


def kendala_labels(keys: list[str]) -> list[str]:
    labels = dict(KENDALA_CHOICES)
    return [str(labels[k]) for k in keys if k in labels]


# --- writes --------------------------------------------------------------------------------------


def _locked_report(opd: Opd, tahun: int, triwulan: int) -> QuarterReport | None:
    """Lock the OPD's row first: every write for one OPD runs one at a time, including the
    first one, which creates the report."""
    Opd.objects.select_for_update().get(pk=opd.pk)
    return (
        QuarterReport.objects.select_for_update()
        .filter(opd=opd, tahun=tahun, triwulan=triwulan)
        .first()
    )


def _check_version(report: QuarterReport | None, version: int) -> None:
    current = report.version if report else 0
    if current != version:
        who = report.updated_by.username if report and report.updated_by else _("someone else")
        raise Conflict(
            _(
                "%(who)s saved this report after you opened the page; nothing of yours was "
                "saved. Reload the page to see their figures."
            )
            % {"who": who}
        )


def _check_open(report: QuarterReport | None) -> None:
    if report is not None and not report.is_editable:
        raise WorkflowError(
            _("the report for this quarter is %(status)s and locked; it cannot be changed")
            % {"status": report.get_status_display().lower()}
        )


def _new_report(opd: Opd, tahun: int, triwulan: int) -> QuarterReport:
    return QuarterReport(
        region_id=opd.region_id, opd=opd, tahun=tahun, triwulan=triwulan, version=0
    )


@dataclass
class SaveResult:
    created: int
    updated: int
    unchanged: int
    version: int


def realisasi_save(
    *,
    actor: Actor,
    opd: Opd,
    tahun: int,
    triwulan: int,
    amounts: dict[int, Decimal | None],
    version: int,
    kendala: list[str] | None = None,
    kendala_catatan: str | None = None,
) -> SaveResult:
    """Save the amounts realised within the quarter, by DPA line id, as a draft.

    All or nothing: any refused line and nothing is written. A blank amount where one was
    stored is refused (enter 0): a figure is never removed by leaving a box empty.
    """
    require(can_enter_realisasi(actor, opd), _("You may enter realisasi for your own OPD only."))
    check_triwulan(triwulan)
    if kendala is not None:
        unknown = set(kendala) - KENDALA_KEYS
        if unknown:
            raise WorkflowError(_("unknown obstacle: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        report = _locked_report(opd, tahun, triwulan)
        _check_version(report, version)
        _check_open(report)
        lines = {
            line.pk: line
            for line in DpaLine.objects.filter(opd=opd, tahun=tahun, pk__in=list(amounts))
        }
        errors: dict[int, str] = {}
        for line_id in amounts:
            if line_id not in lines:
                errors[line_id] = _("this line is not in the OPD's DPA for %(tahun)d") % {
                    "tahun": tahun
                }
        stored = {
            r.line_id: r for r in Realisasi.objects.filter(line__in=list(lines), triwulan=triwulan)
        }
        others = dict(
            Realisasi.objects.filter(line__in=list(lines))
            .exclude(triwulan=triwulan)
            .values("line")
            .annotate(s=Sum("jumlah"))
            .values_list("line", "s")
        )
        for line_id, line in lines.items():
            amount = amounts[line_id]
            if amount is None:
                if line_id in stored:
                    errors[line_id] = _("the amount is empty; enter 0 if nothing was realised")
                continue
            if amount < 0:
                errors[line_id] = _("the amount is negative")
                continue
            total = others.get(line_id, ZERO) + amount
            if line.jenis == Jenis.BELANJA.value and total > line.pagu:
                errors[line_id] = _(
                    "realisasi for the year would reach %(total)s, above the pagu of %(pagu)s"
                ) % {"total": total, "pagu": line.pagu}
        if errors:
            raise EntryRefused(errors)

        created = updated = unchanged = 0
        new, changed = [], []
        now = timezone.now()
        for line_id, amount in amounts.items():
            if amount is None:
                continue
            old = stored.get(line_id)
            if old is None:
                new.append(
                    Realisasi(
                        region_id=opd.region_id, line_id=line_id, triwulan=triwulan, jumlah=amount
                    )
                )
            elif old.jumlah != amount:
                old.jumlah, old.updated_at = amount, now
                changed.append(old)
            else:
                unchanged += 1
        Realisasi.objects.bulk_create(new)
        if changed:
            Realisasi.objects.bulk_update(changed, ["jumlah", "updated_at"])
        created, updated = len(new), len(changed)

        report = report or _new_report(opd, tahun, triwulan)
        if kendala is not None:
            report.kendala = list(kendala)
        if kendala_catatan is not None:
            report.kendala_catatan = kendala_catatan.strip()
        report.version += 1
        report.updated_by = actor.user
        report.save()
    return SaveResult(created=created, updated=updated, unchanged=unchanged, version=report.version)


def _transition(
    *,
    actor: Actor,
    opd: Opd,
    tahun: int,
    triwulan: int,
    version: int,
    allowed: bool,
    refusal: str,
    source: str,
    target: str,
    reason: str | None = None,
) -> QuarterReport:
    require(allowed, refusal)
    with transaction.atomic():
        report = _locked_report(opd, tahun, triwulan)
        _check_version(report, version)
        if report is None:
            if source != Status.DRAFT:
                raise WorkflowError(_("there is no report for this quarter yet"))
            report = _new_report(opd, tahun, triwulan)
        if report.status != source:
            raise WorkflowError(
                _("the report is %(status)s; this step is not possible now")
                % {"status": report.get_status_display().lower()}
            )
        now = timezone.now()
        if target == Status.SUBMITTED:
            report.submitted_by, report.submitted_at = actor.user, now
        elif target == Status.VERIFIED:
            report.verified_by, report.verified_at = actor.user, now
        if reason is not None:
            report.alasan = reason
        if target == Status.DRAFT:
            report.verified_by = report.verified_at = None
        report.status = target
        report.version += 1
        report.updated_by = actor.user
        report.save()
    return report


def report_submit(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int):
    """The treasurer (or BPKAD) hands the quarter in for verification.

    An OPD behind its cash plan through the quarter must say why (at least one obstacle)."""
    report = report_get(opd=opd, tahun=tahun, triwulan=triwulan)
    behind = _capaian(opd, tahun, triwulan)
    if behind is not None and behind < 100 and not (report and report.kendala):
        raise WorkflowError(
            _(
                "realisasi is behind the cash plan (%(capaian)s%% of plan): choose at least one "
                "obstacle (kendala) and save before submitting"
            )
            % {"capaian": behind.quantize(Decimal("0.01"))}
        )
    return _transition(
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        allowed=can_enter_realisasi(actor, opd),
        refusal=_("You may submit the report of your own OPD only."),
        source=Status.DRAFT,
        target=Status.SUBMITTED,
    )


def report_verify(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int):
    return _transition(
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        allowed=can_verify(actor),
        refusal=_("Only BPKAD verifies reports."),
        source=Status.SUBMITTED,
        target=Status.VERIFIED,
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("give the reason"))
    return reason


def report_return(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int, reason: str):
    """BPKAD sends a submitted report back to the treasurer, saying what to correct."""
    require(can_verify(actor), _("Only BPKAD returns reports."))
    return _transition(
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        allowed=True,
        refusal="",
        source=Status.SUBMITTED,
        target=Status.DRAFT,
        reason=_reason(reason),
    )


def report_reopen(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int, reason: str):
    """BPKAD unlocks a verified quarter; the reason is recorded with the change."""
    require(can_verify(actor), _("Only BPKAD reopens a verified quarter."))
    return _transition(
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        allowed=True,
        refusal="",
        source=Status.VERIFIED,
        target=Status.DRAFT,
        reason=_reason(reason),
    )


def _capaian(opd: Opd, tahun: int, triwulan: int) -> Decimal | None:
    from budget.selectors import absorption

    rows = absorption(
        region=opd.region,
        tahun=tahun,
        triwulan=triwulan,
        level="opd",
        opd=opd,
        jenis=Jenis.BELANJA.value,
    )
    return rows[0].capaian_kas if rows else None


# --- checks used by other write paths (imports, admin) -------------------------------------------


def locked_quarters(*, region, keys: set[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    """Of (kode_opd, tahun, triwulan) keys, those whose report is not a draft: key -> status."""
    if not keys:
        return {}
    opds = {k[0] for k in keys}
    years = {k[1] for k in keys}
    rows = (
        QuarterReport.objects.filter(region=region, opd__kode__in=opds, tahun__in=years)
        .exclude(status=Status.DRAFT)
        .values_list("opd__kode", "tahun", "triwulan", "status")
    )
    labels = dict(Status.choices)
    return {
        (kode, tahun, tw): str(labels[status]).lower()
        for kode, tahun, tw, status in rows
        if (kode, tahun, tw) in keys
    }


def bump_versions(*, region, keys: set[tuple[str, int, int]]) -> None:
    """A bulk import changed these quarters: pages opened before it must not save over it.

    A quarter that had no report yet gets a draft one (version 1), so that a page opened at
    version 0 is stale too. Two queries plus one insert, whatever the number of quarters.
    """
    from django.db.models import F, Q

    if not keys:
        return
    which = Q()
    for kode, tahun, tw in keys:
        which |= Q(opd__kode=kode, tahun=tahun, triwulan=tw)
    QuarterReport.objects.filter(which, region=region).update(version=F("version") + 1)
    have = set(
        QuarterReport.objects.filter(which, region=region).values_list(
            "opd__kode", "tahun", "triwulan"
        )
    )
    missing = keys - have
    if missing:
        opds = dict(
            Opd.objects.filter(region=region, kode__in={k for k, _t, _q in missing}).values_list(
                "kode", "pk"
            )
        )
        QuarterReport.objects.bulk_create(
            [
                QuarterReport(region=region, opd_id=opds[kode], tahun=tahun, triwulan=tw, version=1)
                for kode, tahun, tw in sorted(missing)
            ]
        )


def check_single_realisasi(*, line: DpaLine, triwulan: int, jumlah: Decimal, exclude_pk=None):
    """The rules for one realisasi written outside the entry page (the admin)."""
    report = report_get(opd=line.opd, tahun=line.tahun, triwulan=triwulan)
    _check_open(report)
    if jumlah < 0:
        raise WorkflowError(_("the amount is negative"))
    others = (
        Realisasi.objects.filter(line=line)
        .exclude(pk=exclude_pk)
        .exclude(triwulan=triwulan)
        .aggregate(s=Sum("jumlah"))["s"]
        or ZERO
    )
    if line.jenis == Jenis.BELANJA.value and others + jumlah > line.pagu:
        raise WorkflowError(
            _("realisasi for the year would reach %(total)s, above the pagu of %(pagu)s")
            % {"total": others + jumlah, "pagu": line.pagu}
        )
