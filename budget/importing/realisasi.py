"""Realisasi import: the amount realised on a DPA line within one quarter.

Each row must match an existing DPA line. The same (line, quarter) twice in one file is refused
rather than summed: a treasurer's figure must not be silently changed. Belanja that would take
a line's total for the year above its pagu is refused; revenue and financing may exceed their
target. Importing the same file twice changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from budget.codes import (
    CodeError,
    Jenis,
    parse_account_code,
    parse_opd_code,
    parse_sub_kegiatan_code,
)
from budget.importing.common import (
    Counts,
    check_header,
    choose_region,
    lock_region,
    parse_quarter,
    parse_year,
)
from budget.importing.errors import ImportRefused, RowError
from budget.importing.reading import Table
from budget.models import DpaLine, Opd, Realisasi
from budget.money import AmountError, format_amount, parse_amount
from budget.roles import SYSTEM, Actor
from budget.workflow import bump_versions, locked_quarters

REALISASI_COLUMNS = [
    "tahun",
    "triwulan",
    "kode_opd",
    "kode_sub_kegiatan",
    "kode_rekening",
    "realisasi",
]
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


@dataclass
class _Row:
    row: int
    tahun: int
    triwulan: int
    opd: str
    sub: str | None
    account: str
    amount: Decimal


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
) -> RealisasiResult:
    """Validate every row against the DPA, then write all in one transaction, or nothing.

    `only_*` restrict a file to one OPD and quarter (a treasurer's upload on the entry page).
    `actor` is who imports: a treasurer may import their own OPD's rows only. Rows that would
    change a quarter whose report is submitted or verified are refused, whoever imports.
    """
    errors = check_header(table.columns, required=REALISASI_COLUMNS)
    if errors:
        raise ImportRefused(errors)
    choice = choose_region(kode=region_kode, nama=None, may_create=False)
    rows = _parse(table, progress, only_opd, only_tahun, only_triwulan)
    with transaction.atomic():
        region = lock_region(choice)
        result = _match_and_write(rows, region, dry_run, len(table.rows), actor)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _parse(table, progress, only_opd, only_tahun, only_triwulan) -> list[_Row]:
    errors: list[RowError] = []
    out: list[_Row] = []
    seen: dict[tuple, int] = {}
    for row, cells in tqdm(table.rows, desc="validating", unit="row", disable=not progress):
        before = len(errors)
        tahun = parse_year(cells["tahun"], row, "tahun", errors)
        tw = parse_quarter(cells["triwulan"], row, "triwulan", errors)
        opd = sub = account = amount = None
        try:
            opd = parse_opd_code(cells["kode_opd"])
        except CodeError as exc:
            errors.append(RowError(row, "kode_opd", str(exc)))
        if cells["kode_sub_kegiatan"]:
            try:
                sub = parse_sub_kegiatan_code(cells["kode_sub_kegiatan"])
            except CodeError as exc:
                errors.append(RowError(row, "kode_sub_kegiatan", str(exc)))
        try:
            account = parse_account_code(cells["kode_rekening"]).kode
        except CodeError as exc:
            errors.append(RowError(row, "kode_rekening", str(exc)))
        try:
            amount = parse_amount(cells["realisasi"])
        except AmountError as exc:
            errors.append(RowError(row, "realisasi", str(exc)))
        if len(errors) > before:
            continue
        if only_opd is not None and opd != only_opd:
            errors.append(
                RowError(
                    row, "kode_opd", _("this upload is for OPD %(opd)s only") % {"opd": only_opd}
                )
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


def _match_and_write(
    rows: list[_Row], region, dry_run: bool, rows_read: int, actor: Actor
) -> RealisasiResult:
    errors: list[RowError] = []
    if not actor.is_bpkad:
        own = Opd.objects.filter(pk=actor.opd_id).values_list("kode", flat=True).first()
        for r in rows:
            if r.opd != own:
                errors.append(
                    RowError(
                        r.row,
                        "kode_opd",
                        _("you may import the realisasi of your own OPD only"),
                    )
                )
        if errors:
            raise ImportRefused(errors)
    years = sorted({r.tahun for r in rows})
    opds = sorted({r.opd for r in rows})
    lines = {
        (
            line.tahun,
            line.opd.kode,
            line.sub_kegiatan.kode if line.sub_kegiatan else None,
            line.account.kode,
        ): line
        for line in DpaLine.objects.filter(
            region=region, tahun__in=years, opd__kode__in=opds
        ).select_related("opd", "sub_kegiatan", "account")
    }
    existing: dict[tuple[int, int], Realisasi] = {
        (r.line_id, r.triwulan): r
        for r in Realisasi.objects.filter(
            line__region=region, line__tahun__in=years, line__opd__kode__in=opds
        )
    }
    # The year's total per line after this import: stored quarters not in the file, plus the file.
    year_total: dict[int, Decimal] = {}
    for (line_id, _tw), real in existing.items():
        year_total[line_id] = year_total.get(line_id, ZERO) + real.jumlah
    matched: list[tuple[_Row, DpaLine]] = []
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
        old = existing.get((line.pk, r.triwulan))
        year_total[line.pk] = (
            year_total.get(line.pk, ZERO) - (old.jumlah if old else ZERO) + r.amount
        )
        matched.append((r, line))
    for r, line in matched:
        if line.jenis == Jenis.BELANJA.value and year_total[line.pk] > line.pagu:
            errors.append(
                RowError(
                    r.row,
                    "realisasi",
                    _("realisasi for the year would reach %(total)s, above the pagu of %(pagu)s")
                    % {"total": year_total[line.pk], "pagu": line.pagu},
                )
            )
    if errors:
        raise ImportRefused(errors)

    # A submitted or verified quarter is locked: refuse every row that would change it.
    changing = [
        (r, line)
        for r, line in matched
        if (old := existing.get((line.pk, r.triwulan))) is None or old.jumlah != r.amount
    ]
    keys = {(r.opd, r.tahun, r.triwulan) for r, _line in changing}
    locked = locked_quarters(region=region, keys=keys)
    for r, _line in changing:
        status = locked.get((r.opd, r.tahun, r.triwulan))
        if status:
            errors.append(
                RowError(
                    r.row,
                    "triwulan",
                    _(
                        "the report of OPD %(opd)s for %(tahun)d TW %(tw)d is %(status)s and "
                        "locked; BPKAD must return or reopen it first"
                    )
                    % {"opd": r.opd, "tahun": r.tahun, "tw": r.triwulan, "status": status},
                )
            )
    if errors:
        raise ImportRefused(errors)

    counts = Counts()
    to_create, to_update, changes, created = [], [], [], []
    by_quarter: dict[tuple[int, int], Decimal] = {}
    now = timezone.now()
    for r, line in matched:
        by_quarter[(r.tahun, r.triwulan)] = by_quarter.get((r.tahun, r.triwulan), ZERO) + r.amount
        old = existing.get((line.pk, r.triwulan))
        where = {
            "tahun": r.tahun,
            "triwulan": r.triwulan,
            "opd": r.opd,
            "sub": r.sub,
            "akun": r.account,
        }
        if old is None:
            counts.created += 1
            if len(created) < PREVIEW_LIMIT:
                created.append({"row": r.row, **where, "baru": r.amount})
            to_create.append(
                Realisasi(region=region, line=line, triwulan=r.triwulan, jumlah=r.amount)
            )
        elif old.jumlah != r.amount:
            counts.updated += 1
            changes.append({"row": r.row, **where, "lama": old.jumlah, "baru": r.amount})
            old.jumlah = r.amount
            old.updated_at = now
            to_update.append(old)
        else:
            counts.unchanged += 1
    if not dry_run:
        Realisasi.objects.bulk_create(to_create, batch_size=2000)
        if to_update:
            Realisasi.objects.bulk_update(to_update, ["jumlah", "updated_at"], batch_size=2000)
        bump_versions(region=region, keys=keys)
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
