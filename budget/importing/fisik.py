"""Realisasi fisik import: a sub kegiatan's cumulative physical progress at a quarter's end.

`tahun,triwulan,kode_opd,kode_sub_kegiatan,fisik_persen` (DESIGN §4), and optionally `alasan`,
the reason for a figure below the quarter before. Each row must name a sub kegiatan with
belanja in the OPD's DPA of the year; the same sub kegiatan and quarter twice in one file is
refused. The rules and the locks are the realisasi's (budget.workflow.fisik_write): all or
nothing, a submitted or verified quarter refuses a change, a treasurer imports their own OPD
only. Importing the same file twice changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from budget.fisik import FisikFigure
from budget.importing.columns import FISIK, FISIK_COLUMNS, FISIK_OPTIONAL_COLUMNS
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
from budget.models import Opd
from budget.roles import SYSTEM, Actor
from budget.workflow import FisikRefused, fisik_ledger, fisik_write

PREVIEW_LIMIT = 1000


@dataclass
class FisikResult:
    region_kode: str
    region_nama: str
    counts: Counts
    rows_read: int
    dry_run: bool = False
    changes: list[dict] = field(default_factory=list)  # figures changed: what was, what is
    created: list[dict] = field(default_factory=list)  # the first PREVIEW_LIMIT new ones

    def summary_lines(self) -> list[str]:
        verb = _("would be") if self.dry_run else _("were")
        return [
            _("Region: %(kode)s %(nama)s") % {"kode": self.region_kode, "nama": self.region_nama},
            _("%(rows)d rows read") % {"rows": self.rows_read},
            _("Realisasi fisik %(verb)s: %(c)d created, %(u)d updated, %(n)d unchanged")
            % {
                "verb": verb,
                "c": self.counts.created,
                "u": self.counts.updated,
                "n": self.counts.unchanged,
            },
        ]


@dataclass(slots=True)
class _Row:
    row: int
    tahun: int
    triwulan: int
    opd: str
    sub: str
    persen: Decimal
    alasan: str


@logs_refusal("fisik")
def import_fisik(
    *,
    table: Table,
    region_kode: str | None = None,
    dry_run: bool = False,
    actor: Actor = SYSTEM,
) -> FisikResult:
    """Validate every row, then write all in one transaction through budget.workflow, or
    nothing (ImportRefused with every bad row's number, column and reason)."""
    errors = check_header(table.columns, required=FISIK_COLUMNS, optional=FISIK_OPTIONAL_COLUMNS)
    if errors:
        raise ImportRefused(errors)
    choice = choose_region(kode=region_kode, nama=None, may_create=False)
    rows = _parse(table)
    with transaction.atomic():
        region = lock_region(choice)
        result = _write(rows, region, actor, dry_run, len(table.rows))
        if dry_run:
            transaction.set_rollback(True)
    return result


def _parse(table: Table) -> list[_Row]:
    errors: list[RowError] = []
    out: list[_Row] = []
    seen: dict[tuple, int] = {}
    for row, cells in table.rows:
        before = len(errors)
        values: dict[str, Any] = {}
        for column in FISIK:  # a column the file leaves out (alasan, optional) is skipped
            if column.name in cells:
                values[column.name] = column.parse(cells[column.name], row, errors, values)
        if len(errors) > before:
            continue
        key = tuple(values[c] for c in ("tahun", "triwulan", "kode_opd", "kode_sub_kegiatan"))
        if key in seen:
            errors.append(
                RowError(
                    row,
                    "kode_sub_kegiatan",
                    _(
                        "the same sub kegiatan and quarter is already in row %(first)d; "
                        "give one figure per sub kegiatan and quarter"
                    )
                    % {"first": seen[key]},
                )
            )
            continue
        seen[key] = row
        tahun, tw, opd, sub = key
        out.append(_Row(row, tahun, tw, opd, sub, values["fisik_persen"], values.get("alasan", "")))
    if not table.rows:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return out


def _write(rows: list[_Row], region, actor: Actor, dry_run: bool, rows_read: int) -> FisikResult:
    check_own_opd(((r.row, r.opd) for r in rows), actor)
    ledger = fisik_ledger(
        opds=Opd.objects.filter(region=region, kode__in={r.opd for r in rows}),
        years={r.tahun for r in rows},
    )
    opd_ids = {opd.kode: pk for pk, opd in ledger.opds.items()}
    sub_ids = {(o, t, kode): s for (o, t, s), kode in ledger.subs.items()}
    errors: list[RowError] = []
    figures: list[tuple[_Row, FisikFigure]] = []
    for r in rows:
        opd_id = opd_ids.get(r.opd)
        sub_id = sub_ids.get((opd_id, r.tahun, r.sub)) if opd_id is not None else None
        if opd_id is None or sub_id is None:
            errors.append(
                RowError(
                    r.row,
                    "kode_sub_kegiatan" if opd_id is not None else "kode_opd",
                    _("no belanja of sub kegiatan %(sub)s in the DPA of OPD %(opd)s for %(tahun)d")
                    % {"sub": r.sub, "opd": r.opd, "tahun": r.tahun},
                )
            )
            continue
        figures.append((r, FisikFigure(opd_id, sub_id, r.tahun, r.triwulan, r.persen, r.alasan)))
    if errors:
        raise ImportRefused(errors)
    try:
        result = fisik_write(
            actor=actor, ledger=ledger, figures=[f for _r, f in figures], dry_run=dry_run
        )
    except FisikRefused as exc:
        row_of = {f.key: r.row for r, f in figures}
        column = "triwulan" if exc.locked else "fisik_persen"
        raise ImportRefused(
            sorted(
                (RowError(row_of[k], column, reason) for k, reason in exc.errors.items()),
                key=lambda e: e.row or 0,
            )
        ) from None
    counts = Counts()
    changes: list[dict] = []
    created: list[dict] = []
    for (r, _f), w in zip(figures, result.written, strict=True):
        where = {"row": r.row, "tahun": r.tahun, "triwulan": r.triwulan, "opd": r.opd, "sub": r.sub}
        if w.created:
            counts.created += 1
            if len(created) < PREVIEW_LIMIT:
                created.append({**where, "baru": r.persen})
        elif w.updated:
            counts.updated += 1
            old = w.before.persen if w.before else None
            changes.append({**where, "lama": old, "baru": r.persen})
        else:
            counts.unchanged += 1
    return FisikResult(
        region_kode=region.kode,
        region_nama=region.nama,
        counts=counts,
        rows_read=rows_read,
        dry_run=dry_run,
        changes=changes,
        created=created,
    )
