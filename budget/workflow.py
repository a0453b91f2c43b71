"""The quarterly report workflow: entering realisasi, submitting, verifying, returning,
reopening. Every write checks who is asking (budget.roles), whether the quarter is still open,
and the version the person saw, so that nothing is overwritten silently.

States: draf -> diajukan -> diverifikasi. Diajukan may be returned (dikembalikan) to draf with a
reason; diverifikasi is locked for everyone until BPKAD reopens it with a recorded reason.

Every realisasi written, from the entry page, its upload, the import command, the web import
or the admin, goes through one path: `realisasi_ledger` locks the OPDs and reads what the rules
need, `realisasi_write` checks the version, applies the rules (not negative, belanja within what
is left of its pagu, quarter open), stores the figures and moves the quarters' report versions
on. Locks are taken in one order: the region (imports only), then OPD rows by id, then their
reports; nothing locks a region while holding an OPD, so two writers never wait on each other
in a circle.
"""

import logging
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple, cast, overload

from django.db import transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from budget import versions
from budget.bulk import copy_lines, copy_text, insert_rows, update_rows
from budget.codes import Jenis
from budget.fisik import FisikFigure, FisikKey, fisik_refusals
from budget.fisik import Stored as FisikStored
from budget.measures import behind_plan, check_triwulan
from budget.models import KENDALA_CHOICES, DpaLine, Opd, QuarterReport, Realisasi, RealisasiFisik
from budget.money import cents_of, format_amount, format_percent, from_cents, money_text
from budget.quarters import tw_label
from budget.roles import Actor, can_administer, can_enter_realisasi, can_verify, require

# Who did what to which quarter: one INFO line per write or step, a WARNING per refused step.
log = logging.getLogger("serapan.workflow")

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
KENDALA_KEYS = {key for key, _label in KENDALA_CHOICES}
Status = QuarterReport.Status
QuarterKey = tuple[int, int, int]  # (opd id, tahun, triwulan)
FigureKey = tuple[int, int]  # (line id, triwulan)


class WorkflowError(ValueError):
    """A write refused for a reason the person can act on (the message says which)."""


class FieldRefused(WorkflowError):
    """A write refused because of one field (`field`, the model field's name)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Conflict(WorkflowError):
    """Someone else saved this report since the page was opened."""


@dataclass
class EntryRefused(WorkflowError):
    """Amounts refused line by line: {line id: reason}; nothing was written."""

    errors: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return _("%(n)d line(s) refused; nothing was saved") % {"n": len(self.errors)}


@dataclass
class FiguresRefused(WorkflowError):
    """Figures refused one by one: {(line id, triwulan): reason}; nothing was written.
    `locked`: refused because their quarter's report is handed in, not for their amount."""

    errors: dict[FigureKey, str] = field(default_factory=dict)
    locked: bool = False

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


ENTRY_TOTAL_ORDER = (Jenis.PENDAPATAN, Jenis.BELANJA, Jenis.PEMBIAYAAN)


def entry_totals(*, lines: Sequence[EntryLine]) -> list[tuple[Jenis, dict[str, Decimal]]]:
    """The entry page's running totals per jenis (pendapatan, belanja and pembiayaan are never
    added together): pagu, the quarter's cash plan, realised before it and within it, and the
    pagu left (sisa pagu). Summed from the lines the page already read, so the page's query
    count does not grow."""
    totals: dict[str, dict[str, Decimal]] = {}
    for item in lines:
        t = totals.setdefault(
            item.line.jenis,
            {
                "pagu": Decimal(0),
                "kas": Decimal(0),
                "sebelumnya": Decimal(0),
                "sekarang": Decimal(0),
                "sisa": Decimal(0),
            },
        )
        t["pagu"] += item.line.pagu
        t["kas"] += item.kas_triwulan
        t["sebelumnya"] += item.sebelumnya
        t["sekarang"] += item.sekarang or 0
        t["sisa"] += item.sisa
    return [(j, totals[j]) for j in ENTRY_TOTAL_ORDER if j in totals]


def report_get(*, opd: Opd, tahun: int, triwulan: int) -> QuarterReport | None:
    """With who submitted and verified it, which the pages show: one query."""
    return (
        QuarterReport.objects.filter(opd=opd, tahun=tahun, triwulan=triwulan)
        .select_related("submitted_by", "verified_by")
        .first()
    )


def next_to_report(*, opd: Opd, tahun: int) -> int | None:
    """The quarter of `tahun` the OPD has to hand in next: the first one not yet submitted or
    verified (quarters go in order), None when all four are in. One query."""
    handed_in = set(
        QuarterReport.objects.filter(
            opd=opd, tahun=tahun, status__in=(Status.SUBMITTED, Status.VERIFIED)
        ).values_list("triwulan", flat=True)
    )
    return next((q for q in (1, 2, 3, 4) if q not in handed_in), None)


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


# --- checks shared by every write ----------------------------------------------------------------


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


def _touch(report: QuarterReport, actor: Actor, now) -> None:
    """Every write to a quarter moves its version on: a page opened before it is stale."""
    report.version += 1
    report.updated_by = actor.user
    report.updated_at = now  # bulk_update does not apply auto_now


# --- the one write path for realisasi ------------------------------------------------------------


class Figure(NamedTuple):
    """An amount realised on a DPA line within a quarter, as someone asks for it to be stored.
    `jumlah` None is a box left blank: nothing to store (refused where a figure is stored)."""

    line_id: int
    triwulan: int
    jumlah: Decimal | None


class _Cents:
    """Amounts in whole sen, 8 bytes each (an array), or a list once one does not fit in 64
    bits or is None (a blank box: the entry page's, a handful)."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: array[int] | list[int | None] = array("q")

    def append(self, cents: int | None) -> None:
        if cents is not None and isinstance(self.items, array):
            try:
                self.items.append(cents)
                return
            except OverflowError:
                pass
        if isinstance(self.items, array):
            self.items = list(self.items)
        self.items.append(cents)


class Writes(Sequence[Figure]):
    """The figures of one write, held by column: the line ids and quarters in arrays, the
    amounts in whole sen (`_Cents`). An import's 1.6 million figures as tuples of Decimals
    weigh some 270 MB; held so, some 30. Iterated, it gives each as a Figure."""

    def __init__(self) -> None:
        self.line_ids: array[int] = array("q")
        self.triwulan = bytearray()
        self.cents = _Cents()

    @classmethod
    def of(cls, figures: Iterable[Figure]) -> "Writes":
        if isinstance(figures, Writes):
            return figures
        writes = cls()
        for f in figures:
            writes.add(f.line_id, f.triwulan, None if f.jumlah is None else cents_of(f.jumlah))
        return writes

    def add(self, line_id: int, triwulan: int, cents: int | None) -> None:
        """One figure, its amount in whole sen (None: a blank box)."""
        self.line_ids.append(line_id)
        self.triwulan.append(triwulan)
        self.cents.append(cents)

    def __len__(self) -> int:
        return len(self.line_ids)

    @overload
    def __getitem__(self, index: int) -> Figure: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Figure]: ...
    def __getitem__(self, index: int | slice) -> Figure | Sequence[Figure]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        cents = self.cents.items[index]
        jumlah = None if cents is None else from_cents(cents)
        return Figure(self.line_ids[index], self.triwulan[index], jumlah)

    def __iter__(self) -> Iterator[Figure]:
        for line_id, tw, cents in zip(self.line_ids, self.triwulan, self.cents.items, strict=True):
            yield Figure(line_id, tw, None if cents is None else from_cents(cents))


class LedgerLine(NamedTuple):
    """What the rules and the write need of a DPA line, read as a tuple (a region's 100 000
    lines as model instances, with their sub kegiatan and account, cost more than the write)."""

    pk: int
    region_id: int
    opd_id: int
    tahun: int
    jenis: str
    pagu: Decimal
    sub_kegiatan_kode: str | None
    account_kode: str


LEDGER_LINE_FIELDS = (
    "pk",
    "region_id",
    "opd_id",
    "tahun",
    "jenis",
    "pagu",
    "sub_kegiatan__kode",
    "account__kode",
)


@dataclass
class Ledger:
    """What the rules check a write against, read while the OPDs are locked: the OPDs, their
    DPA lines and the realisasi stored on them (the amount, by line and quarter) for the years
    asked, and their quarterly reports. It stays as read: a write leaves `stored` as it was
    (the reports it gives new versions are updated)."""

    opds: dict[int, Opd]
    lines: dict[int, LedgerLine]
    stored: dict[FigureKey, Decimal]
    reports: dict[QuarterKey, QuarterReport]


class Written(NamedTuple):
    """A figure as the write found it (`before`, None when new) and left it (`after`)."""

    line: LedgerLine
    triwulan: int
    before: Decimal | None
    after: Decimal | None

    @property
    def created(self) -> bool:
        return self.before is None and self.after is not None

    @property
    def updated(self) -> bool:
        return None not in (self.before, self.after) and self.before != self.after

    @property
    def unchanged(self) -> bool:
        return self.after is not None and self.before == self.after

    @property
    def quarter(self) -> QuarterKey:
        return (self.line.opd_id, self.line.tahun, self.triwulan)


# What a write does with each figure (`WrittenFigures.status`).
CREATED, UPDATED, UNCHANGED, BLANK = 1, 2, 3, 4


class WrittenFigures(Sequence[Written]):
    """What a write did with each of its figures, held by column as the figures are: a status
    byte each (CREATED, UPDATED, UNCHANGED, or BLANK: a box left empty, nothing stored), and
    the amount stored before for the updated ones. Iterated, it gives each as a Written."""

    def __init__(self, ledger: Ledger, writes: Writes) -> None:
        self.lines = ledger.lines
        self.writes = writes
        self.status = bytearray(len(writes))
        self.before: dict[int, Decimal] = {}  # by figure index: the amount an update replaced

    def number(self, status: int) -> int:
        """How many figures have `status` (CREATED, UPDATED, UNCHANGED or BLANK)."""
        return self.status.count(status)

    def indexes(self, status: int) -> Iterator[int]:
        """The indexes of the figures with `status`, in order."""
        if self.status.count(status) == len(self.status):  # a first import: all created
            yield from range(len(self.status))
            return
        find, at = self.status.find, 0
        while (at := find(status, at)) >= 0:
            yield at
            at += 1

    def __len__(self) -> int:
        return len(self.status)

    @overload
    def __getitem__(self, index: int) -> Written: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Written]: ...
    def __getitem__(self, index: int | slice) -> Written | Sequence[Written]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        figure = self.writes[index]
        status = self.status[index]
        before = (
            None
            if status in (CREATED, BLANK)
            else self.before[index]
            if status == UPDATED
            else figure.jumlah
        )
        return Written(self.lines[figure.line_id], figure.triwulan, before, figure.jumlah)

    def __iter__(self) -> Iterator[Written]:
        return (self[i] for i in range(len(self)))


@dataclass
class WriteResult:
    written: WrittenFigures
    versions: dict[QuarterKey, int]  # the reports' versions after the write


def realisasi_ledger(
    *, opds: QuerySet[Opd], years: Iterable[int], line_ids: Iterable[int] | None = None
) -> Ledger:
    """Lock the OPDs (by id, the order every writer uses) and read their DPA lines of `years`
    (or only `line_ids`), the realisasi stored on them and their reports (locked too).

    Call it inside the transaction that writes, before reading anything a rule depends on:
    the pagu and the stored figures cannot change until that transaction ends. Four queries.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("realisasi_ledger must run inside the transaction that writes")
    locked = {opd.pk: opd for opd in opds.select_for_update().order_by("pk")}
    years = sorted(set(years))
    lines = DpaLine.objects.filter(opd_id__in=list(locked), tahun__in=years)
    stored = Realisasi.objects.filter(line__opd_id__in=list(locked), line__tahun__in=years)
    if line_ids is not None:
        ids = list(line_ids)
        lines, stored = lines.filter(pk__in=ids), stored.filter(line_id__in=ids)
    reports = QuarterReport.objects.select_for_update().filter(
        opd_id__in=list(locked), tahun__in=years
    )
    return Ledger(
        opds=locked,
        lines=_ledger_lines(lines),
        stored={
            (line_id, tw): jumlah
            for line_id, tw, jumlah in stored.values_list("line_id", "triwulan", "jumlah")
        },
        reports={(r.opd_id, r.tahun, r.triwulan): r for r in reports},
    )


def _ledger_lines(lines: QuerySet[DpaLine]) -> dict[int, LedgerLine]:
    """The lines as tuples, the values they repeat (year, jenis, codes) shared: the database
    sends each row its own copy of every string, a province's 400 000 lines some 100 MB."""
    shared: dict[Any, Any] = {}
    share = shared.setdefault
    return {
        pk: LedgerLine(
            pk,
            share(region, region),
            share(opd, opd),
            share(tahun, tahun),
            share(jenis, jenis),
            pagu,
            share(sub, sub),
            share(account, account),
        )  # fmt: skip
        for pk, region, opd, tahun, jenis, pagu, sub, account in lines.values_list(
            *LEDGER_LINE_FIELDS
        )
    }


def realisasi_write(
    *,
    actor: Actor,
    ledger: Ledger,
    figures: Sequence[Figure] | Writes,
    versions: Mapping[QuarterKey, int] | None = None,
    whole: Iterable[QuarterKey] = (),
    report_fields: Mapping[str, object] | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """Store `figures` (at most one per line and quarter, on lines of `ledger`), all or nothing.

    - `actor` must be allowed to enter the realisasi of every OPD written;
    - `versions`: the report version each quarter had when the person opened it; a quarter
      saved since is a Conflict;
    - `whole`: quarters written as a whole (the entry page: its report changes even when no
      figure does): they must be open, and their version moves on whatever changes;
    - every figure obeys the rules (`realisasi_refusals`), and a figure that changes must be in
      an open quarter: FiguresRefused, nothing written;
    - every quarter whose figures changed, and every `whole` one, gets a new report version
      (a draft report if it had none, with `report_fields` set on it).

    `figures` may be a `Writes` (an import's, held by column); the result's `written` is held
    the same way.
    """
    writes = Writes.of(figures)
    whole = set(whole)
    lines = ledger.lines
    opd_ids = {lines[line_id].opd_id for line_id in set(writes.line_ids)} | {k[0] for k in whole}
    for opd_id in sorted(opd_ids):
        require(
            can_enter_realisasi(actor, ledger.opds[opd_id]),
            _("You may enter realisasi for your own OPD only."),
        )
    for key, seen in (versions or {}).items():
        _check_version(ledger.reports.get(key), seen)
    for key in sorted(whole):
        _check_open(ledger.reports.get(key))
    written, errors = _compare(ledger, writes)
    if errors:
        _log_refused(actor, errors, locked=False)
        raise FiguresRefused(errors)
    touched = _touched(ledger, written)
    errors = _in_locked_quarters(ledger, written, touched)
    if errors:
        _log_refused(actor, errors, locked=True)
        raise FiguresRefused(errors, locked=True)
    if dry_run:
        return WriteResult(written=written, versions={})
    _store(ledger, written)
    touched |= whole
    versions = _move_versions(ledger, touched, actor, report_fields or {})
    _log_write(actor, ledger, written, touched)
    return WriteResult(written=written, versions=versions)


def _log_refused(actor: Actor, errors: dict[FigureKey, str], *, locked: bool) -> None:
    first = next(iter(errors.values()))
    log.warning(
        "realisasi refused: %s",
        first,
        extra={
            "action": "realisasi_refused",
            "user": actor.name,
            "figures": len(errors),
            "locked": locked,
            "refused": str(first),
        },
    )


def _log_write(
    actor: Actor, ledger: Ledger, written: WrittenFigures, touched: set[QuarterKey]
) -> None:
    """One line per write: who, which quarters (OPD code, year, quarter), how many figures.
    A write of one quarter (the entry page) names it in `opd`, `tahun` and `triwulan`."""
    quarters = sorted(touched)
    opds = [ledger.opds[opd_id] for opd_id, _tahun, _tw in quarters]
    fields: dict[str, object] = {
        "action": "realisasi_write",
        "user": actor.name,
        "region_id": opds[0].region_id if opds else None,
        "figures_created": written.number(CREATED),
        "figures_updated": written.number(UPDATED),
        "quarters": len(quarters),
    }
    if len(quarters) == 1:
        fields.update(opd=opds[0].kode, tahun=quarters[0][1], triwulan=quarters[0][2])
    else:
        fields["opds"] = sorted({opd.kode for opd in opds})
        fields["tahun"] = sorted({tahun for _opd, tahun, _tw in quarters})
    log.info("realisasi written", extra=fields)


def realisasi_refusals(
    *, ledger: Ledger, figures: Sequence[Figure] | Writes
) -> dict[FigureKey, str]:
    """The rules every figure obeys, wherever it comes from: a blank where a figure is stored
    is refused (enter 0: a figure is never removed by leaving a box empty), an amount is not
    negative, and belanja may not take its line's realisasi for the year above the pagu (each
    figure is counted instead of what its quarter stored). Revenue and financing may exceed
    their target."""
    return _compare(ledger, Writes.of(figures))[1]


def _compare(ledger: Ledger, writes: Writes) -> tuple[WrittenFigures, dict[FigureKey, str]]:
    """What the write does with each figure against what is stored, and the figures the rules
    refuse (`realisasi_refusals`). One pass over the figures; a second one only to name the
    refused ones."""
    written = WrittenFigures(ledger, writes)
    year, suspect = _classify(ledger, written)
    over = {
        line_id
        for line_id, total in year.items()
        if (line := ledger.lines.get(line_id)) is not None
        and line.jenis == Jenis.BELANJA.value
        and total > cents_of(line.pagu)
    }
    if not (suspect or over):
        return written, {}
    return written, _refused(ledger, writes, year, over)


def _classify(ledger: Ledger, written: WrittenFigures) -> tuple[dict[int, int], bool]:
    """Each figure's status (and the amount an update replaces), and each line's realisasi for
    the year in sen with the figures counted instead of what their quarters stored; whether a
    figure may be refused for itself (a blank where a figure is stored, a negative amount)."""
    writes, status, before, stored = written.writes, written.status, written.before, ledger.stored
    year: dict[int, int] = {}
    for (line_id, _tw), jumlah in stored.items():
        year[line_id] = year.get(line_id, 0) + cents_of(jumlah)
    suspect = False
    for i, (line_id, tw, cents) in enumerate(
        zip(writes.line_ids, writes.triwulan, writes.cents.items, strict=True)
    ):
        old = stored.get((line_id, tw)) if stored else None
        if cents is None:
            status[i] = BLANK
            suspect = suspect or old is not None
            continue
        old_cents = 0 if old is None else cents_of(old)
        if cents < 0:
            suspect = True
        else:
            year[line_id] = year.get(line_id, 0) - old_cents + cents
        if old is None:
            status[i] = CREATED
        elif old_cents != cents:
            status[i] = UPDATED
            before[i] = old
        else:
            status[i] = UNCHANGED
    return year, suspect


def _refused(
    ledger: Ledger, writes: Writes, year: dict[int, int], over: set[int]
) -> dict[FigureKey, str]:
    errors: dict[FigureKey, str] = {}
    for line_id, tw, cents in zip(
        writes.line_ids, writes.triwulan, writes.cents.items, strict=True
    ):
        key = (line_id, tw)
        if cents is None:
            if key in ledger.stored:
                errors[key] = _("the amount is empty; enter 0 if nothing was realised")
        elif cents < 0:
            errors[key] = _("the amount is negative")
        elif line_id in over:
            errors[key] = _(
                "realisasi for the year would reach %(total)s, above the pagu of %(pagu)s"
            ) % {
                "total": format_amount(from_cents(year[line_id])),
                "pagu": format_amount(ledger.lines[line_id].pagu),
            }
    return errors


def _touched(ledger: Ledger, written: WrittenFigures) -> set[QuarterKey]:
    """The quarters whose figures the write changes."""
    lines, writes, status = ledger.lines, written.writes, written.status
    touched: set[QuarterKey] = set()
    for line_id, tw, s in zip(writes.line_ids, writes.triwulan, status, strict=True):
        if s in (CREATED, UPDATED):
            line = lines[line_id]
            touched.add((line.opd_id, line.tahun, tw))
    return touched


def _in_locked_quarters(
    ledger: Ledger, written: WrittenFigures, touched: set[QuarterKey]
) -> dict[FigureKey, str]:
    """A submitted or verified quarter is locked: every figure that would change it is refused
    (one that stays as stored is not, so a whole-year file may be imported again)."""
    locked = {
        key: report
        for key in touched
        if (report := ledger.reports.get(key)) is not None and not report.is_editable
    }
    errors: dict[FigureKey, str] = {}
    if not locked:
        return errors
    writes = written.writes
    for line_id, tw, s in zip(writes.line_ids, writes.triwulan, written.status, strict=True):
        if s not in (CREATED, UPDATED):
            continue
        line = ledger.lines[line_id]
        report = locked.get((line.opd_id, line.tahun, tw))
        if report is not None:
            errors[(line_id, tw)] = _(
                "the report of OPD %(opd)s for %(tahun)d TW %(tw)d is %(status)s and "
                "locked; BPKAD must return or reopen it first"
            ) % {
                "opd": ledger.opds[line.opd_id].kode,
                "tahun": line.tahun,
                "tw": tw,
                "status": report.get_status_display().lower(),
            }
    return errors


def _store(ledger: Ledger, written: WrittenFigures) -> None:
    """New figures copied in (COPY), changed ones updated in one statement (budget.bulk): the
    audit trail and the roll-ups see them as they see any other write. A blank box is neither
    created nor updated: nothing to store."""
    now = timezone.now()
    lines, writes = ledger.lines, written.writes
    ids, quarters = writes.line_ids, writes.triwulan
    cents = cast("Sequence[int]", writes.cents.items)  # a blank box is neither new nor changed
    stamp = copy_text(now)
    copy_lines(
        Realisasi,
        ["region_id", "line_id", "triwulan", "jumlah", "created_at", "updated_at"],
        (
            f"{lines[ids[i]].region_id}\t{ids[i]}\t{quarters[i]}\t{money_text(cents[i])}"
            f"\t{stamp}\t{stamp}"
            for i in written.indexes(CREATED)
        ),
    )
    update_rows(
        Realisasi,
        ["line_id", "triwulan"],
        ["jumlah", "updated_at"],
        [(ids[i], quarters[i], from_cents(cents[i]), now) for i in written.indexes(UPDATED)],
    )


def _move_versions(
    ledger: Ledger, keys: set[QuarterKey], actor: Actor, report_fields: Mapping[str, object]
) -> dict[QuarterKey, int]:
    """A quarter without a report gets a draft one (version 1), so that a page opened at
    version 0 is stale too. Two statements, however many quarters."""
    now = timezone.now()
    new, existing = [], []
    for key in sorted(keys):
        report = ledger.reports.get(key)
        if report is None:
            opd_id, tahun, triwulan = key
            report = ledger.reports[key] = _new_report(ledger.opds[opd_id], tahun, triwulan)
            new.append(report)
        else:
            existing.append(report)
        for name, value in report_fields.items():
            setattr(report, name, value)
        _touch(report, actor, now)
    user_id = actor.user.pk if actor.user is not None else None
    ids = insert_rows(
        QuarterReport,
        ["region_id", "opd_id", "tahun", "triwulan", "version"],
        [(r.region_id, r.opd_id, r.tahun, r.triwulan, r.version) for r in new],
        constants={"updated_by_id": user_id, **report_fields},
        returning=("opd_id", "tahun", "triwulan", "id"),
    )
    for opd_id, tahun, triwulan, pk in ids:
        report = ledger.reports[(opd_id, tahun, triwulan)]
        report.pk, report._state.adding = pk, False
    update_rows(
        QuarterReport,
        ["id"],
        ["version"],
        [(r.pk, r.version) for r in existing],
        constants={"updated_by_id": user_id, "updated_at": now, **report_fields},
    )
    return {key: ledger.reports[key].version for key in keys}


# --- writes: the entry page ----------------------------------------------------------------------


@dataclass
class SaveResult:
    created: int
    updated: int
    unchanged: int
    version: int


def _kendala_fields(kendala: list[str] | None, catatan: str | None) -> dict[str, object]:
    fields: dict[str, object] = {}
    if kendala is not None:
        unknown = set(kendala) - KENDALA_KEYS
        if unknown:
            raise WorkflowError(_("unknown obstacle: %s") % ", ".join(sorted(unknown)))
        fields["kendala"] = list(kendala)
    if catatan is not None:
        fields["kendala_catatan"] = catatan.strip()
    return fields


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
    fields = _kendala_fields(kendala, kendala_catatan)
    key = (opd.pk, tahun, triwulan)
    with transaction.atomic():
        ledger = realisasi_ledger(
            opds=Opd.objects.filter(pk=opd.pk), years=[tahun], line_ids=list(amounts)
        )
        foreign = {
            line_id: _("this line is not in the OPD's DPA for %(tahun)d") % {"tahun": tahun}
            for line_id in amounts
            if line_id not in ledger.lines
        }
        figures = [
            Figure(line_id, triwulan, amount)
            for line_id, amount in amounts.items()
            if line_id in ledger.lines
        ]
        try:
            result = realisasi_write(
                actor=actor,
                ledger=ledger,
                figures=figures,
                versions={key: version},
                whole={key},
                report_fields=fields,
                dry_run=bool(foreign),  # refused below, with every other bad line named too
            )
        except FiguresRefused as exc:
            raise EntryRefused({**foreign, **{k[0]: r for k, r in exc.errors.items()}}) from None
        if foreign:
            raise EntryRefused(foreign)
    return SaveResult(
        created=sum(w.created for w in result.written),
        updated=sum(w.updated for w in result.written),
        unchanged=sum(w.unchanged for w in result.written),
        version=result.versions[key],
    )


# --- writes: the admin ---------------------------------------------------------------------------


@overload
def realisasi_correct(
    *,
    actor: Actor,
    line_id: int,
    triwulan: int,
    jumlah: Decimal,
    version: int | None = None,
    pagu: Decimal | None = None,
    dry_run: Literal[False] = False,
) -> Realisasi: ...
@overload
def realisasi_correct(
    *,
    actor: Actor,
    line_id: int,
    triwulan: int,
    jumlah: Decimal,
    version: int | None = None,
    pagu: Decimal | None = None,
    dry_run: bool,
) -> Realisasi | None: ...
def realisasi_correct(
    *,
    actor: Actor,
    line_id: int,
    triwulan: int,
    jumlah: Decimal,
    version: int | None = None,
    pagu: Decimal | None = None,
    dry_run: bool = False,
) -> Realisasi | None:
    """One realisasi added or corrected by hand (BPKAD in the admin), by the entry page's
    rules; the quarter's report version moves on, so that a page opened before the correction
    cannot save over it. Returns the stored row (None on a dry run of a new one).

    `version`: the report version when the form was opened, if the form knows it. `pagu`: the
    pagu the line will have when this is written, when the same form changes it (the DPA
    admin saves the line before its realisasi). A figure left as stored is not a write: it
    needs neither an open quarter nor a fresh version.
    """
    require(can_administer(actor))
    check_triwulan(triwulan)
    with transaction.atomic():
        opd_id, tahun = DpaLine.objects.filter(pk=line_id).values_list("opd_id", "tahun").get()
        ledger = realisasi_ledger(
            opds=Opd.objects.filter(pk=opd_id), years=[tahun], line_ids=[line_id]
        )
        if ledger.stored.get((line_id, triwulan)) == jumlah:
            return Realisasi.objects.get(line_id=line_id, triwulan=triwulan)
        key = (opd_id, tahun, triwulan)
        if pagu is not None:
            ledger.lines[line_id] = ledger.lines[line_id]._replace(pagu=pagu)
        try:
            realisasi_write(
                actor=actor,
                ledger=ledger,
                figures=[Figure(line_id, triwulan, jumlah)],
                versions=None if version is None else {key: version},
                whole={key},
                dry_run=dry_run,
            )
        except FiguresRefused as exc:
            raise WorkflowError(next(iter(exc.errors.values()))) from None
        # The row as stored (the ledger keeps amounts only): None on a dry run of a new one.
        return Realisasi.objects.filter(line_id=line_id, triwulan=triwulan).first()


def report_version(*, line: DpaLine, triwulan: int) -> int:
    """The version a form about one figure of `line` was opened at (0: no report yet)."""
    report = (
        QuarterReport.objects.filter(opd_id=line.opd_id, tahun=line.tahun, triwulan=triwulan)
        .values_list("version", flat=True)
        .first()
    )
    return report or 0


def pagu_refusal(*, jenis: str, pagu: Decimal, realised: Decimal) -> str | None:
    """Why a pagu is refused, or None. A belanja pagu may not fall below what is already
    realised on its line (a revision cannot unspend money); a revenue or financing target may
    be lowered below what was collected. Used by import_dpa and by the admin."""
    if jenis == Jenis.BELANJA.value and pagu < realised:
        return _("the new pagu %(pagu)s is below the %(done)s already realised on this line") % {
            "pagu": format_amount(pagu),
            "done": format_amount(realised),
        }
    return None


def lock_opds(*, opds: QuerySet[Opd]) -> list[int]:
    """Lock OPD rows in the order every writer uses (by id): while they are held no realisasi
    of those OPDs can be written. Returns their ids."""
    return list(opds.select_for_update().order_by("pk").values_list("pk", flat=True))


def dpa_line_save(*, actor: Actor, line: DpaLine, dry_run: bool = False) -> DpaLine:
    """A DPA line added or corrected by hand (BPKAD in the admin), by import_dpa's rules: its
    jenis follows its account, a new line's murni pagu is its pagu, and a changed pagu may not
    fall below what is already realised on it (`pagu_refusal`). The line's OPD is locked first
    (its old one too, if the line moves), so that no figure is added between the check and
    the save. In a year with DPA versions the correction is carried into the one in force
    (versions.correct_in_force), and the line's year may not change. Raises WorkflowError."""
    require(can_administer(actor))
    with transaction.atomic():
        old = DpaLine.objects.filter(pk=line.pk).values_list("opd_id", "tahun", "pagu").first()
        old_opd, old_tahun, old_pagu = old if old else (None, None, None)
        opd_ids = {pk for pk in (line.opd_id, old_opd) if pk is not None}
        lock_opds(opds=Opd.objects.filter(pk__in=opd_ids))
        line.jenis = line.account.jenis
        if line.pk is None:
            line.pagu_murni = line.pagu
            line.region_id = line.opd.region_id
        else:
            realised = Realisasi.objects.filter(line_id=line.pk).aggregate(s=Sum("jumlah"))["s"]
            reason = pagu_refusal(jenis=line.jenis, pagu=line.pagu, realised=realised or ZERO)
            if reason:
                raise WorkflowError(reason)
        region_id = line.region_id or line.opd.region_id
        in_force = versions.latest_version(region_id=region_id, tahun=line.tahun)
        if (
            old_tahun is not None
            and old_tahun != line.tahun
            and (in_force or versions.latest_version(region_id=region_id, tahun=old_tahun))
        ):
            raise FieldRefused(
                "tahun",
                _(
                    "the year of a line in a DPA version cannot be changed by hand: import the "
                    "DPA of the year instead"
                ),
            )
        if not dry_run:
            line.save()
            if in_force is not None:
                versions.correct_in_force(
                    version=in_force, line=line, before=old_pagu, opd_ids=opd_ids
                )
    return line


# --- writes: the report's steps ------------------------------------------------------------------


def _transition(
    *,
    action: str,
    actor: Actor,
    opd: Opd,
    tahun: int,
    triwulan: int,
    version: int,
    source: str,
    target: str,
    reason: str | None = None,
    needs_kendala: bool = False,
) -> QuarterReport:
    fields = {
        "action": action,
        "user": actor.name,
        "region_id": opd.region_id,
        "opd": opd.kode,
        "tahun": tahun,
        "triwulan": triwulan,
    }
    try:
        report = _step(
            action=action,
            actor=actor,
            opd=opd,
            tahun=tahun,
            triwulan=triwulan,
            version=version,
            source=source,
            target=target,
            reason=reason,
            needs_kendala=needs_kendala,
        )
    except WorkflowError as exc:
        log.warning("report %s refused: %s", action, exc, extra={**fields, "refused": str(exc)})
        raise
    log.info(
        "report %s", action, extra={**fields, "status": report.status, "version": report.version}
    )
    return report


def _step(
    *,
    action: str,
    actor: Actor,
    opd: Opd,
    tahun: int,
    triwulan: int,
    version: int,
    source: str,
    target: str,
    reason: str | None,
    needs_kendala: bool,
) -> QuarterReport:
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
        _check_order(opd, tahun, triwulan, target)
        if needs_kendala:
            # Under the lock: neither the figures nor the kendala can change before the step.
            _check_kendala(report, opd)
        _stamp(report, actor, target, reason, action)
        report.save()
    return report


# Where the other quarters of the year must stand for a quarter to move to `target`: handed in
# and verified in order (the figures are cumulative, so a quarter rests on the ones before it),
# and taken back in the reverse order.
_EARLIER_MUST_BE: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (Status.SUBMITTED, Status.VERIFIED),
    Status.VERIFIED: (Status.VERIFIED,),
}
_LATER_MUST_NOT_BE: dict[str, tuple[str, ...]] = {Status.DRAFT: (Status.SUBMITTED, Status.VERIFIED)}


def _check_order(opd: Opd, tahun: int, triwulan: int, target: str) -> None:
    """Quarters move in order: TW II is handed in after TW I and verified after it, and TW I
    goes back to draft only while TW II is a draft. Runs under the OPD's lock (one query)."""
    statuses = dict(
        QuarterReport.objects.filter(opd=opd, tahun=tahun)
        .exclude(triwulan=triwulan)
        .values_list("triwulan", "status")
    )
    allowed = _EARLIER_MUST_BE.get(target)
    if allowed is not None:
        for q in range(1, triwulan):
            if statuses.get(q) not in allowed:
                message = (
                    _("%(earlier)s has not been handed in yet: hand in %(earlier)s first")
                    if target == Status.SUBMITTED
                    else _("%(earlier)s is not verified yet: verify %(earlier)s first")
                )
                raise WorkflowError(message % {"earlier": tw_label(q)})
    forbidden = _LATER_MUST_NOT_BE.get(target)
    if forbidden is not None:
        for q in range(triwulan + 1, 5):
            if statuses.get(q) in forbidden:
                raise WorkflowError(
                    _("%(later)s is already %(status)s: take %(later)s back to draft first")
                    % {"later": tw_label(q), "status": Status(statuses[q]).label.lower()}
                )


_CLOCK: ContextVar[datetime | None] = ContextVar("serapan_workflow_clock", default=None)


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """Date the workflow's steps (submitted, verified, returned) `at` instead of now: for
    loading quarters handed in before the application ran (the demo region's past years).
    Every rule, lock and version applies as always; the audit trail keeps the real time."""
    token = _CLOCK.set(at)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def _stamp(
    report: QuarterReport, actor: Actor, target: str, reason: str | None, action: str
) -> None:
    now = _CLOCK.get() or timezone.now()
    if target == Status.SUBMITTED:
        report.submitted_by, report.submitted_at = actor.user, now
        if report.first_submitted_at is None:  # what timeliness is judged by
            report.first_submitted_at = now
    elif target == Status.VERIFIED:
        report.verified_by, report.verified_at = actor.user, now
    if reason is not None:
        report.alasan = reason
    if target == Status.DRAFT and report.status != Status.DRAFT:
        # Back to draft: the page says who sent it back, when and why (the submission and
        # verification it undid stay in the audit trail).
        report.submitted_by = report.submitted_at = None
        report.verified_by = report.verified_at = None
        report.sent_back_step = QuarterReport.SentBack(action)
        report.sent_back_by, report.sent_back_at = actor.user, now
    report.status = target
    _touch(report, actor, now)


def _check_kendala(report: QuarterReport, opd: Opd) -> None:
    """An OPD behind its cash plan through the quarter must say why (at least one obstacle)."""
    capaian = _capaian(opd, report.tahun, report.triwulan)
    # behind_plan(None) is False: a capaian is known whenever the quarter is behind.
    if capaian is not None and behind_plan(capaian) and not report.kendala:
        raise WorkflowError(
            _(
                "realisasi is behind the cash plan (%(capaian)s of plan): choose at least one "
                "obstacle (kendala) and save before submitting"
            )
            % {"capaian": format_percent(capaian)}
        )


def report_submit(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int):
    """The treasurer (or BPKAD) hands the quarter in for verification.

    An OPD behind its cash plan through the quarter must say why (at least one obstacle)."""
    require(can_enter_realisasi(actor, opd), _("You may submit the report of your own OPD only."))
    return _transition(
        action="submit",
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        source=Status.DRAFT,
        target=Status.SUBMITTED,
        needs_kendala=True,
    )


def report_verify(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int):
    require(can_verify(actor), _("Only BPKAD verifies reports."))
    return _transition(
        action="verify",
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
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
        action="return",
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
        source=Status.SUBMITTED,
        target=Status.DRAFT,
        reason=_reason(reason),
    )


def report_reopen(*, actor: Actor, opd: Opd, tahun: int, triwulan: int, version: int, reason: str):
    """BPKAD unlocks a verified quarter; the reason is recorded with the change."""
    require(can_verify(actor), _("Only BPKAD reopens a verified quarter."))
    return _transition(
        action="reopen",
        actor=actor,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        version=version,
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


# --- realisasi fisik: the same locks, versions and rules of the quarter --------------------------


@dataclass
class FisikLedger:
    """What a physical progress write is checked against, read while the OPDs are locked: the
    OPDs, the sub kegiatan with belanja in their DPA of each year ((opd id, tahun, sub id) ->
    code), the figures stored and the quarterly reports (locked too)."""

    opds: dict[int, Opd]
    subs: dict[tuple[int, int, int], str]
    stored: dict[FisikKey, FisikStored]
    reports: dict[QuarterKey, QuarterReport]


def fisik_ledger(*, opds: QuerySet[Opd], years: Iterable[int]) -> FisikLedger:
    """Lock the OPDs by id (the order every writer uses, as `realisasi_ledger`) and read what
    the rules need. Inside the transaction that writes. Four queries."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("fisik_ledger must run inside the transaction that writes")
    locked = {opd.pk: opd for opd in opds.select_for_update().order_by("pk")}
    years = sorted(set(years))
    subs = (
        DpaLine.objects.filter(opd_id__in=list(locked), tahun__in=years, jenis=Jenis.BELANJA.value)
        .values_list("opd_id", "tahun", "sub_kegiatan_id", "sub_kegiatan__kode")
        .distinct()
    )
    stored = RealisasiFisik.objects.filter(opd_id__in=list(locked), tahun__in=years)
    reports = QuarterReport.objects.select_for_update().filter(
        opd_id__in=list(locked), tahun__in=years
    )
    return FisikLedger(
        opds=locked,
        subs={(o, t, s): kode for o, t, s, kode in subs},
        stored={
            (o, s, t, q): FisikStored(p, a)
            for o, s, t, q, p, a in stored.values_list(
                "opd_id", "sub_kegiatan_id", "tahun", "triwulan", "persen", "alasan"
            )
        },
        reports={(r.opd_id, r.tahun, r.triwulan): r for r in reports},
    )


class FisikWritten(NamedTuple):
    figure: FisikFigure
    before: FisikStored | None

    @property
    def created(self) -> bool:
        return self.before is None and self.figure.persen is not None

    @property
    def updated(self) -> bool:
        f = self.figure
        return (
            self.before is not None
            and f.persen is not None
            and self.before != (f.persen, f.alasan.strip())
        )

    @property
    def unchanged(self) -> bool:
        return not (self.created or self.updated) and self.figure.persen is not None


@dataclass
class FisikResult:
    written: list[FisikWritten]
    versions: dict[QuarterKey, int]
    # The figures refused: {(opd, sub kegiatan, tahun, triwulan): reason}; `locked` as in
    # FiguresRefused.
    errors: dict[FisikKey, str] = field(default_factory=dict)


@dataclass
class FisikRefused(WorkflowError):
    errors: dict[FisikKey, str] = field(default_factory=dict)
    locked: bool = False

    def __str__(self) -> str:
        return _("%(n)d line(s) refused; nothing was saved") % {"n": len(self.errors)}


def fisik_write(
    *,
    actor: Actor,
    ledger: FisikLedger,
    figures: Sequence[FisikFigure],
    versions: Mapping[QuarterKey, int] | None = None,
    dry_run: bool = False,
) -> FisikResult:
    """Store `figures` of physical progress (one per sub kegiatan and quarter, of sub kegiatan
    with belanja in the OPD's DPA), all or nothing, by the realisasi's rules of the quarter:
    the actor enters for their own OPD only, a quarter saved since the page was opened is a
    Conflict, every figure obeys `fisik_refusals`, and one that changes must be in an open
    quarter (a submitted or verified report locks the physical progress too). A quarter whose
    figures changed gets a new report version (a draft report if it had none)."""
    for opd_id in sorted({f.opd_id for f in figures}):
        require(
            can_enter_realisasi(actor, ledger.opds[opd_id]),
            _("You may enter realisasi for your own OPD only."),
        )
    for key, seen in (versions or {}).items():
        _check_version(ledger.reports.get(key), seen)
    errors = {
        f.key: _("this sub kegiatan has no belanja in the OPD's DPA for %(tahun)d")
        % {"tahun": f.tahun}
        for f in figures
        if (f.opd_id, f.tahun, f.sub_kegiatan_id) not in ledger.subs
    }
    errors.update(fisik_refusals(stored=ledger.stored, figures=figures))
    if errors:
        _log_fisik_refused(actor, errors, locked=False)
        raise FisikRefused(errors)
    written = [FisikWritten(f, ledger.stored.get(f.key)) for f in figures]
    for w in written:
        report = ledger.reports.get((w.figure.opd_id, w.figure.tahun, w.figure.triwulan))
        if (w.created or w.updated) and report is not None and not report.is_editable:
            errors[w.figure.key] = _(
                "the report of OPD %(opd)s for %(tahun)d TW %(tw)d is %(status)s and "
                "locked; BPKAD must return or reopen it first"
            ) % {
                "opd": ledger.opds[w.figure.opd_id].kode,
                "tahun": w.figure.tahun,
                "tw": w.figure.triwulan,
                "status": report.get_status_display().lower(),
            }
    if errors:
        _log_fisik_refused(actor, errors, locked=True)
        raise FisikRefused(errors, locked=True)
    if dry_run:
        return FisikResult(written=written, versions={})
    _store_fisik(ledger, written)
    touched = {
        (w.figure.opd_id, w.figure.tahun, w.figure.triwulan)
        for w in written
        if w.created or w.updated
    }
    reports = Ledger(opds=ledger.opds, lines={}, stored={}, reports=ledger.reports)
    versions_after = _move_versions(reports, touched, actor, {})
    log.info(
        "realisasi fisik written",
        extra={
            "action": "fisik_write",
            "user": actor.name,
            "figures_created": sum(w.created for w in written),
            "figures_updated": sum(w.updated for w in written),
            "quarters": len(touched),
        },
    )
    return FisikResult(written=written, versions=versions_after)


def _log_fisik_refused(actor: Actor, errors: dict[FisikKey, str], *, locked: bool) -> None:
    first = next(iter(errors.values()))
    log.warning(
        "realisasi fisik refused: %s",
        first,
        extra={
            "action": "fisik_refused",
            "user": actor.name,
            "figures": len(errors),
            "locked": locked,
            "refused": str(first),
        },
    )


def _store_fisik(ledger: FisikLedger, written: list[FisikWritten]) -> None:
    """New figures in one INSERT, changed ones in one UPDATE: statement-level triggers keep
    their history (django-pghistory) as they keep the realisasi's."""
    now = timezone.now()
    new, changed = [], []
    for w in written:
        f = w.figure
        if f.persen is None:  # a blank box: nothing to store
            continue
        if w.created:
            new.append(
                RealisasiFisik(
                    region_id=ledger.opds[f.opd_id].region_id,
                    opd_id=f.opd_id,
                    sub_kegiatan_id=f.sub_kegiatan_id,
                    tahun=f.tahun,
                    triwulan=f.triwulan,
                    persen=f.persen,
                    alasan=f.alasan.strip(),
                )
            )
        elif w.updated:
            changed.append((f, f.persen))
    RealisasiFisik.objects.bulk_create(new, batch_size=2000)
    if changed:
        ids = {
            (o, s, t, q): pk
            for pk, o, s, t, q in RealisasiFisik.objects.filter(
                opd_id__in={f.opd_id for f, _p in changed},
                tahun__in={f.tahun for f, _p in changed},
            ).values_list("pk", "opd_id", "sub_kegiatan_id", "tahun", "triwulan")
        }
        rows = [
            RealisasiFisik(pk=ids[f.key], persen=persen, alasan=f.alasan.strip(), updated_at=now)
            for f, persen in changed
        ]
        RealisasiFisik.objects.bulk_update(
            rows, ["persen", "alasan", "updated_at"], batch_size=2000
        )
    for w in written:
        if w.figure.persen is not None:
            ledger.stored[w.figure.key] = FisikStored(w.figure.persen, w.figure.alasan.strip())


def fisik_save(
    *,
    actor: Actor,
    opd: Opd,
    tahun: int,
    triwulan: int,
    values: Mapping[int, tuple[Decimal | None, str]],
    version: int,
) -> SaveResult:
    """The entry page's physical progress of the quarter, by sub kegiatan id: (percent or None
    for a blank box, reason for a decrease). All or nothing; refused figures raise
    FisikRefused keyed by (opd, sub kegiatan, tahun, triwulan). The version moves on only when
    a figure changes, so that a save with the physical progress as stored is the realisasi's
    save alone."""
    require(can_enter_realisasi(actor, opd), _("You may enter realisasi for your own OPD only."))
    check_triwulan(triwulan)
    key = (opd.pk, tahun, triwulan)
    with transaction.atomic():
        ledger = fisik_ledger(opds=Opd.objects.filter(pk=opd.pk), years=[tahun])
        figures = [
            FisikFigure(opd.pk, sub_id, tahun, triwulan, persen, alasan or "")
            for sub_id, (persen, alasan) in values.items()
            if persen is not None or (opd.pk, sub_id, tahun, triwulan) in ledger.stored
        ]
        result = fisik_write(actor=actor, ledger=ledger, figures=figures, versions={key: version})
    report = ledger.reports.get(key)
    return SaveResult(
        created=sum(w.created for w in result.written),
        updated=sum(w.updated for w in result.written),
        unchanged=sum(w.unchanged for w in result.written),
        version=result.versions.get(key, report.version if report else 0),
    )
