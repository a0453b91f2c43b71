"""Realisasi import: the amount realised on a DPA line within one quarter.

Each row must match an existing DPA line. The same (line, quarter) twice in one file is refused
rather than summed: a treasurer's figure must not be silently changed. Belanja that would take
a line's total for the year above its pagu is refused; revenue and financing may exceed their
target. Importing the same file twice changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from budget.importing.columns import REALISASI, REALISASI_COLUMNS, parse_cells
from budget.importing.common import (
    Counts,
    check_header,
    check_own_opd,
    choose_region,
    lock_region,
)
from budget.importing.errors import ImportRefused, RowError
from budget.importing.reading import Table
from budget.logs import logs_refusal
from budget.models import Opd, Region
from budget.money import format_amount
from budget.roles import SYSTEM, Actor
from budget.workflow import (
    Figure,
    FiguresRefused,
    Ledger,
    LedgerLine,
    Written,
    realisasi_ledger,
    realisasi_write,
)

ZERO = Decimal("0.00")
PREVIEW_LIMIT = 1000


@dataclass
class RealisasiResult:
    region_kode: str
    region_nama: str
    counts: Counts
    rows_read: int
    total: Decimal
    by_quarter: dict[tuple[int, int], Decimal]
    changes: list[dict] = field(default_factory=list)
    dry_run: bool = False
    # New figures for a preview (the first PREVIEW_LIMIT; counts are exact).
    created: list[dict] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        verb = _("would be") if self.dry_run else _("were")
        out = [
            _("Region: %(kode)s %(nama)s") % {"kode": self.region_kode, "nama": self.region_nama},
            _("%(rows)d rows read") % {"rows": self.rows_read},
            _("Realisasi %(verb)s: %(c)d created, %(u)d updated, %(n)d unchanged")
            % {
                "verb": verb,
                "c": self.counts.created,
                "u": self.counts.updated,
                "n": self.counts.unchanged,
            },
        ]
        for (tahun, tw), total in sorted(self.by_quarter.items()):
            out.append(
                _("%(tahun)d TW %(tw)d: realisasi in the file %(total)s")
                % {"tahun": tahun, "tw": tw, "total": format_amount(total)}
            )
        return out


@dataclass(frozen=True)
class _Seen:
    """The quarter an upload on the entry page is for, and its report's version then."""

    opd: str
    tahun: int
    triwulan: int
    version: int


@dataclass(slots=True)
class _Row:
    row: int
    tahun: int
    triwulan: int
    opd: str
    sub: str | None
    account: str
    amount: Decimal


@logs_refusal("realisasi")
def import_realisasi(
    *,
    table: Table,
    region_kode: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    only_opd: str | None = None,
    only_tahun: int | None = None,
    only_triwulan: int | None = None,
    actor: Actor = SYSTEM,
    version: int | None = None,
) -> RealisasiResult:
    """Validate every row against the DPA, then write all in one transaction, or nothing.

    `only_*` restrict a file to one OPD and quarter (a treasurer's upload on the entry page);
    `version` is then the version of that quarter's report when the page was opened: a report
    saved since makes the upload a workflow.Conflict. `actor` is who imports: a treasurer may
    import their own OPD's rows only. Rows that would change a quarter whose report is
    submitted or verified are refused, whoever imports.
    """
    seen = None
    if version is not None:
        if only_opd is None or only_tahun is None or only_triwulan is None:
            raise ValueError("a version belongs to one quarter: give only_opd, _tahun, _triwulan")
        seen = _Seen(only_opd, only_tahun, only_triwulan, version)
    errors = check_header(table.columns, required=REALISASI_COLUMNS)
    if errors:
        raise ImportRefused(errors)
    choice = choose_region(kode=region_kode, nama=None, may_create=False)
    rows = _parse(table, progress, only_opd, only_tahun, only_triwulan)
    with transaction.atomic():
        region = lock_region(choice)
        result = _match_and_write(rows, region, dry_run, len(table.rows), actor, seen)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _parse(table, progress, only_opd, only_tahun, only_triwulan) -> list[_Row]:
    errors: list[RowError] = []
    out: list[_Row] = []
    seen: dict[tuple, int] = {}
    # iter(): a file's rows are counted as they are read, not by reading the file twice.
    rows = tqdm(iter(table.rows), desc="validating", unit="row") if progress else table.rows
    for row, cells in rows:
        before = len(errors)
        values = parse_cells(REALISASI, cells, row, errors)
        if len(errors) > before:
            continue
        tahun, tw, opd, sub = (
            values[c] for c in ("tahun", "triwulan", "kode_opd", "kode_sub_kegiatan")
        )
        account, amount = values["kode_rekening"].kode, values["realisasi"]
        errors.extend(_outside_upload(row, opd, tahun, tw, only_opd, only_tahun, only_triwulan))
        key = (tahun, tw, opd, sub, account)
        if key in seen:
            errors.append(
                RowError(
                    row,
                    "kode_rekening",
                    _(
                        "the same line and quarter is already in row %(first)d; "
                        "give one amount per line and quarter"
                    )
                    % {"first": seen[key]},
                )
            )
            continue
        seen[key] = row
        out.append(_Row(row, tahun, tw, opd, sub, account, amount))
    if not table.rows:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return out


def _outside_upload(
    row: int,
    opd: str,
    tahun: int,
    tw: int,
    only_opd: str | None,
    only_tahun: int | None,
    only_triwulan: int | None,
) -> list[RowError]:
    """Why a row is outside the one OPD and quarter an upload is restricted to, if it is."""
    errors = []
    if only_opd is not None and opd != only_opd:
        errors.append(
            RowError(row, "kode_opd", _("this upload is for OPD %(opd)s only") % {"opd": only_opd})
        )
    if only_tahun is not None and tahun != only_tahun:
        errors.append(
            RowError(row, "tahun", _("this upload is for year %(t)d only") % {"t": only_tahun})
        )
    if only_triwulan is not None and tw != only_triwulan:
        errors.append(
            RowError(
                row,
                "triwulan",
                _("this upload is for quarter %(q)d only") % {"q": only_triwulan},
            )
        )
    return errors


def _match_and_write(
    rows: list[_Row], region, dry_run: bool, rows_read: int, actor: Actor, seen: _Seen | None
) -> RealisasiResult:
    """Match the rows to DPA lines and write them through budget.workflow's one write path,
    which locks the file's OPDs, checks the page's version and applies the entry page's rules."""
    check_own_opd(((r.row, r.opd) for r in rows), actor)
    ledger = realisasi_ledger(
        opds=Opd.objects.filter(region=region, kode__in={r.opd for r in rows}),
        years={r.tahun for r in rows},
    )
    matched = _match(rows, ledger)
    versions = None
    if seen is not None:
        opd_id = next(pk for pk, opd in ledger.opds.items() if opd.kode == seen.opd)
        versions = {(opd_id, seen.tahun, seen.triwulan): seen.version}
    try:
        result = realisasi_write(
            actor=actor,
            ledger=ledger,
            figures=[Figure(line.pk, r.triwulan, r.amount) for r, line in matched],
            versions=versions,
            dry_run=dry_run,
        )
    except FiguresRefused as exc:
        # The file's row of each refused figure: looked up on refusal only (a dict of every
        # figure would weigh as much as the figures).
        row_of = {(line.pk, r.triwulan): r.row for r, line in matched}
        column = "triwulan" if exc.locked else "realisasi"
        raise ImportRefused(
            [RowError(row_of[key], column, reason) for key, reason in exc.errors.items()]
        ) from None
    return _result(region, matched, result.written, rows_read, dry_run)


def _match(rows: list[_Row], ledger: Ledger) -> list[tuple[_Row, LedgerLine]]:
    kode = {pk: opd.kode for pk, opd in ledger.opds.items()}
    lines = {
        (line.tahun, kode[line.opd_id], line.sub_kegiatan_kode, line.account_kode): line
        for line in ledger.lines.values()
    }
    errors: list[RowError] = []
    matched: list[tuple[_Row, LedgerLine]] = []
    for r in rows:
        line = lines.get((r.tahun, r.opd, r.sub, r.account))
        if line is None:
            errors.append(
                RowError(
                    r.row,
                    "kode_rekening",
                    _(
                        "no DPA line for year %(tahun)d, OPD %(opd)s, "
                        "sub kegiatan %(sub)s, account %(acc)s"
                    )
                    % {"tahun": r.tahun, "opd": r.opd, "sub": r.sub or "-", "acc": r.account},
                )
            )
            continue
        matched.append((r, line))
    if errors:
        raise ImportRefused(errors)
    return matched


def _where(r: _Row) -> dict:
    return {"tahun": r.tahun, "triwulan": r.triwulan, "opd": r.opd, "sub": r.sub, "akun": r.account}


def _result(
    region: Region,
    matched: list[tuple[_Row, LedgerLine]],
    written: list[Written],
    rows_read: int,
    dry_run: bool,
) -> RealisasiResult:
    counts = Counts()
    changes: list[dict] = []
    created: list[dict] = []
    by_quarter: dict[tuple[int, int], Decimal] = {}
    for (r, _line), w in zip(matched, written, strict=True):
        by_quarter[(r.tahun, r.triwulan)] = by_quarter.get((r.tahun, r.triwulan), ZERO) + r.amount
        if w.created:
            counts.created += 1
            if len(created) < PREVIEW_LIMIT:
                created.append({"row": r.row, **_where(r), "baru": r.amount})
        elif w.updated:
            counts.updated += 1
            changes.append({"row": r.row, **_where(r), "lama": w.before, "baru": r.amount})
        else:
            counts.unchanged += 1
    return RealisasiResult(
        region_kode=region.kode,
        region_nama=region.nama,
        counts=counts,
        rows_read=rows_read,
        total=sum((r.amount for r, _l in matched), ZERO),
        by_quarter=by_quarter,
        changes=changes,
        dry_run=dry_run,
        created=created,
    )
