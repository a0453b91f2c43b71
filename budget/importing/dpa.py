"""DPA import: budget lines with their pagu and cash plan, and the master data they name.

Rows with the same (tahun, kode_opd, kode_sub_kegiatan, kode_rekening) are summed into one
line, because SIPD exports list the item details (komponen) under one account. Importing the
same file twice changes nothing; a changed pagu is a revision (DPPA or pergeseran) and keeps
the original (murni) pagu for comparison.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from budget.bulk import copy_rows, update_rows
from budget.codes import Jenis
from budget.importing import columns as cols
from budget.importing.columns import (
    DPA_COLUMNS,  # noqa: F401 (other modules import it from here)
    DPA_OPTIONAL_COLUMNS,
    MONTH_COLUMNS,
    QUARTER_COLUMNS,
)
from budget.importing.common import (
    Counts,
    RegionChoice,
    check_header,
    choose_region,
    lock_region,
)
from budget.importing.errors import ImportRefused, RowError
from budget.importing.reading import Table
from budget.logs import logs_refusal
from budget.models import (
    Account,
    DpaLine,
    Kegiatan,
    Opd,
    Program,
    Realisasi,
    Region,
    SubKegiatan,
)
from budget.money import format_amount
from budget.versions import VersionInfo, describe, plan_versions, record_versions, tahap_for
from budget.workflow import lock_opds, pagu_refusal

TAHAP = (None, "murni", "perubahan")
PREVIEW_LIMIT = 1000
MASTERS = ("OPD", "program", "kegiatan", "sub kegiatan", "rekening")
ZERO = Decimal("0.00")

LineKey = tuple[int, str, str | None, str]  # tahun, kode_opd, kode_sub_kegiatan, kode_rekening


@dataclass
class PlannedLine:
    key: LineKey
    jenis: str
    # The line's own fields the file gives (columns.DPA): pagu, kas_tw1..4, sumber_dana...
    fields: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    action: str = "create"  # create | update | unchanged
    existing: "StoredLine | None" = None

    @property
    def pagu(self) -> Decimal:
        return self.fields["pagu"]


@dataclass
class DpaResult:
    region_kode: str
    region_nama: str
    region_created: bool
    lines: Counts
    masters: dict[str, Counts]
    rows_read: int
    cash_plan: str  # "triwulan" or "bulan"
    years: list[int]
    totals: dict[str, Decimal]  # pagu in the file per jenis
    changes: list[dict]  # updated lines: key, old and new pagu
    lines_not_in_file: int
    dry_run: bool
    # New lines for a preview: key, pagu, rows; the first PREVIEW_LIMIT only (counts are exact).
    created: list[dict] = field(default_factory=list)
    # The DPA versions recorded (budget.versions), one per year whose lines changed.
    versions: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        verb = _("would be") if self.dry_run else _("were")
        out = [
            _("Region: %(kode)s %(nama)s%(new)s")
            % {
                "kode": self.region_kode,
                "nama": self.region_nama,
                "new": _(" (new)") if self.region_created else "",
            },
            _("%(rows)d rows read (cash plan by %(plan)s), year(s) %(years)s")
            % {
                "rows": self.rows_read,
                "plan": self.cash_plan,
                "years": ", ".join(str(y) for y in self.years),
            },
            _("DPA lines %(verb)s: %(c)d created, %(u)d updated, %(n)d unchanged")
            % {
                "verb": verb,
                "c": self.lines.created,
                "u": self.lines.updated,
                "n": self.lines.unchanged,
            },
        ]
        for name, counts in self.masters.items():
            if counts.created or counts.updated:
                out.append(
                    _("%(name)s: %(c)d new, %(u)d renamed")
                    % {"name": name, "c": counts.created, "u": counts.updated}
                )
        for jenis, total in self.totals.items():
            out.append(
                _("Pagu %(jenis)s in the file: %(total)s")
                % {"jenis": jenis, "total": format_amount(total)}
            )
        if self.lines_not_in_file:
            out.append(
                _("%(n)d DPA lines of these years are not in the file and were left as they are")
                % {"n": self.lines_not_in_file}
            )
        for version in self.versions:
            out.append(
                (
                    _("DPA version that would be recorded: %(v)s")
                    if self.dry_run
                    else _("DPA version recorded: %(v)s")
                )
                % {"v": version}
            )
        return out


@logs_refusal("dpa")
def import_dpa(
    *,
    table: Table,
    region_kode: str | None = None,
    region_nama: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    tahap: str | None = None,
    versi: VersionInfo | None = None,
) -> DpaResult:
    """Validate every row, then write everything in one transaction, or nothing.

    `tahap` says which DPA the file is. Unset, a new line's murni pagu is its pagu and an
    updated line keeps its murni pagu. "murni" (a corrected original DPA) sets the murni pagu
    of every line in the file to its pagu. "perubahan" (DPPA after the APBD-P) gives a line
    that first appears in it a murni pagu of 0: it was not in the original budget.

    `versi` says which document it is (budget.versions): its kind decides `tahap`; unset, the
    kind follows from `tahap` (None: a DPA murni for a year without versions, else a
    pergeseran). The import records the version of each year whose lines it changes.

    Raises ImportRefused with every problem found (row, column, reason).
    """
    if tahap not in TAHAP:
        raise ValueError(f"tahap must be one of {TAHAP}")
    versi = versi or VersionInfo()
    if versi.jenis is None and tahap is not None:
        versi = replace(versi, jenis=tahap)  # murni and perubahan are kinds of version too
    tahap = tahap_for(versi=versi.jenis, tahap=tahap)
    cash_plan = _check_columns(table.columns)
    choice = choose_region(kode=region_kode, nama=region_nama, may_create=True)
    parsed = _parse_rows(table, cash_plan, progress=progress)
    with transaction.atomic():
        region = lock_region(choice) if not (dry_run and choice.is_new) else None
        result = _plan_and_write(
            parsed, choice, region, cash_plan, dry_run, len(table.rows), tahap, versi
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _check_columns(columns: list[str]) -> str:
    has_quarters = any(c in columns for c in QUARTER_COLUMNS)
    has_months = any(c in columns for c in MONTH_COLUMNS)
    if has_quarters and has_months:
        raise ImportRefused(
            [
                RowError(
                    1,
                    None,
                    _(
                        "give the cash plan either by quarter (kas_tw1..4) or by month "
                        "(kas_bulan_1..12), not both"
                    ),
                )
            ]
        )
    cash_plan = "bulan" if has_months else "triwulan"
    errors = check_header(
        columns,
        required=cols.names(cols.columns(cols.DPA, plan=cash_plan)),
        optional=DPA_OPTIONAL_COLUMNS,
    )
    if errors:
        raise ImportRefused(errors)
    return cash_plan


@dataclass
class ParsedRow:
    row: int
    tahun: int
    opd: tuple[str, str]
    program: tuple[str, str] | None
    kegiatan: tuple[str, str] | None
    sub_kegiatan: tuple[str, str] | None
    account: tuple[str, str, int, str]  # kode, uraian, level, jenis
    line: dict[str, Any]  # the line's own fields (columns.DPA), the cash plan in quarters


def _parse_rows(table: Table, cash_plan: str, *, progress: bool) -> list[ParsedRow]:
    errors: list[RowError] = []
    parsed: list[ParsedRow] = []
    names = _Names(errors)
    layout = cols.columns(cols.DPA, plan=cash_plan, optional=True)
    # The account's jenis decides the program columns, so they are read after it.
    first = [c for c in layout if c.need is not cols.Need.BELANJA]
    hierarchy = [c for c in layout if c.need is cols.Need.BELANJA]
    cash = [c for c in layout if c.plan]
    quarters = list(dict.fromkeys(c.field for c in cash))  # the months fold into kas_tw1..4
    # iter(): a file's rows are counted as they are read, not by reading the file twice.
    rows = tqdm(iter(table.rows), desc="validating", unit="row") if progress else table.rows
    for row, cells in rows:
        before = len(errors)
        values = cols.parse_cells(first, cells, row, errors)
        jenis = _parse_hierarchy(hierarchy, cells, row, values, errors)
        line = cols.line_fields(layout, values)
        _check_cash_plan(line, quarters, cash[-1].name, row, errors)
        if len(errors) > before:
            continue
        parsed.append(_parsed_row(row, values, jenis, line, names))
    if not table.rows:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return parsed


@dataclass
class _Names:
    """The name each code is first given in the file: a code named two ways is refused."""

    errors: list[RowError]
    first: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def check(self, what: str, column: str, kode: str, nama: str, row: int) -> None:
        seen = self.first.setdefault((what, kode), (nama, row))
        if seen[0] != nama:
            self.errors.append(
                RowError(
                    row,
                    column,
                    _("%(what)s %(kode)s is named %(new)r here but %(old)r in row %(first)d")
                    % {"what": what, "kode": kode, "new": nama, "old": seen[0], "first": seen[1]},
                )
            )


def _parse_hierarchy(
    hierarchy: list[cols.Column],
    cells: dict[str, str],
    row: int,
    values: dict[str, Any],
    errors: list[RowError],
) -> Jenis | None:
    """The account's jenis, and for belanja the program, kegiatan and sub kegiatan columns
    read into `values`; None when the account is missing or of no jenis (an error is noted)."""
    account = values["kode_rekening"]
    if account is None:
        return None
    jenis = account.jenis
    if jenis is None:
        errors.append(
            RowError(
                row,
                "kode_rekening",
                _("account %(kode)s is not pendapatan (4), belanja (5) or pembiayaan (6)")
                % {"kode": account.kode},
            )
        )
        return None
    cols.parse_cells(hierarchy, cells, row, errors, jenis=jenis, values=values)
    return jenis


def _check_cash_plan(
    line: dict[str, Any], quarters: list[str], column: str, row: int, errors: list[RowError]
) -> None:
    kas = [line[name] for name in quarters]
    if line["pagu"] is not None and None not in kas and sum(kas, ZERO) != line["pagu"]:
        errors.append(
            RowError(
                row,
                column,
                _("the cash plan adds up to %(kas)s but the pagu is %(pagu)s")
                % {"kas": format_amount(sum(kas, ZERO)), "pagu": format_amount(line["pagu"])},
            )
        )


def _parsed_row(
    row: int, values: dict[str, Any], jenis: Jenis | None, line: dict[str, Any], names: _Names
) -> ParsedRow:
    """A valid row, once its names agree with the ones the file gave the same codes before."""
    if jenis is None:
        raise ValueError(f"row {row} has no account jenis but no error says why")
    opd = (values["kode_opd"], values["nama_opd"])
    names.check("OPD", "nama_opd", *opd, row)
    program = kegiatan = sub = None
    if jenis == Jenis.BELANJA:
        program = (values["kode_program"], values["nama_program"])
        kegiatan = (values["kode_kegiatan"], values["nama_kegiatan"])
        sub = (values["kode_sub_kegiatan"], values["nama_sub_kegiatan"])
        names.check("program", "nama_program", *program, row)
        names.check("kegiatan", "nama_kegiatan", *kegiatan, row)
        names.check("sub kegiatan", "nama_sub_kegiatan", *sub, row)
    account = values["kode_rekening"]
    return ParsedRow(
        row,
        values["tahun"],
        opd,
        program,
        kegiatan,
        sub,
        (account.kode, values["uraian"], account.level, jenis.value),
        line,
    )


def _plan_and_write(
    parsed, choice: RegionChoice, region, cash_plan, dry_run, rows_read, tahap=None, versi=None
) -> DpaResult:
    errors: list[RowError] = []
    lines = _plan_lines(parsed, errors)
    years = sorted({k[0] for k in lines})
    masters = {name: Counts() for name in MASTERS}
    existing_lines, realised = _existing_lines(region, years)
    compared = _compare(lines, existing_lines, realised, tahap, errors)
    planned_versions = plan_versions(
        region=region, years=years, info=versi or VersionInfo(), errors=errors
    )
    if errors:
        raise ImportRefused(errors)

    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for planned in lines.values():
        totals[planned.jenis] += planned.pagu
    not_in_file = len(set(existing_lines) - set(lines))

    result = DpaResult(
        region_kode=choice.kode,
        region_nama=choice.nama,
        region_created=choice.is_new,
        lines=compared.counts,
        masters=masters,
        rows_read=rows_read,
        cash_plan=cash_plan,
        years=years,
        totals=dict(totals),
        changes=compared.changes,
        created=compared.created,
        lines_not_in_file=not_in_file,
        dry_run=dry_run,
    )
    _write_masters_and_lines(region, parsed, lines, masters, dry_run, tahap)
    changed_years = {p.key[0] for p in lines.values() if p.action != "unchanged"}
    result.versions = [describe(v) for v in planned_versions if v.tahun in changed_years]
    if region is not None and not dry_run:
        record_versions(region=region, planned=planned_versions, lines=lines)
    return result


def _plan_lines(parsed: list[ParsedRow], errors: list[RowError]) -> dict[LineKey, PlannedLine]:
    """One planned DPA line per key, the rows that share it summed (_sum_into)."""
    lines: dict[LineKey, PlannedLine] = {}
    for p in parsed:
        key = (p.tahun, p.opd[0], p.sub_kegiatan[0] if p.sub_kegiatan else None, p.account[0])
        line = lines.get(key)
        if line is None:
            line = lines[key] = PlannedLine(key=key, jenis=p.account[3], fields=dict(p.line))
        else:
            _sum_into(line, p, errors)
        line.rows.append(p.row)
    return lines


class StoredLine(NamedTuple):
    """A DPA line as stored, read as a tuple: its key, murni pagu and the fields the file gives."""

    pk: int
    pagu_murni: Decimal
    fields: dict[str, Any]


def _existing_lines(
    region: Region | None, years: list[int]
) -> tuple[dict[LineKey, StoredLine], dict[int, Decimal]]:
    """The region's DPA lines of these years by key, and what is realised on each (by pk)."""
    if region is None:
        return {}, {}
    # Held until the import commits: no realisasi is written between reading what is
    # realised and the pagu checked against it (workflow.pagu_refusal).
    lock_opds(opds=Opd.objects.filter(region=region))
    names = list(cols.LINE_FIELDS)
    qs = DpaLine.objects.filter(region=region, tahun__in=years).values_list(
        "tahun", "opd__kode", "sub_kegiatan__kode", "account__kode", "pk", "pagu_murni", *names
    )
    existing_lines = {
        row[:4]: StoredLine(row[4], row[5], dict(zip(names, row[6:], strict=True))) for row in qs
    }
    realised = dict(
        Realisasi.objects.filter(line__region=region, line__tahun__in=years)
        .values("line")
        .annotate(s=Sum("jumlah"))
        .values_list("line", "s")
    )
    return existing_lines, realised


@dataclass
class _Compared:
    counts: Counts = field(default_factory=Counts)
    changes: list[dict] = field(default_factory=list)  # updated lines: key, old and new pagu
    created: list[dict] = field(default_factory=list)  # the first PREVIEW_LIMIT new lines


def _compare(
    lines: dict[LineKey, PlannedLine],
    existing_lines: dict[LineKey, StoredLine],
    realised: dict[int, Decimal],
    tahap: str | None,
    errors: list[RowError],
) -> _Compared:
    """Decide each planned line's action against the line already there; a new pagu below
    what is realised is refused (workflow.pagu_refusal)."""
    out = _Compared()
    for key, planned in lines.items():
        old = existing_lines.get(key)
        if old is None:
            out.counts.created += 1
            if len(out.created) < PREVIEW_LIMIT:
                out.created.append(
                    {
                        "key": key,
                        "pagu": planned.pagu,
                        "kas": _cash_plan(planned.fields),  # folded from months if need be
                        "rows": planned.rows,
                    }
                )
            continue
        planned.existing = old
        changed = [name for name, value in planned.fields.items() if old.fields[name] != value]
        if tahap == "murni" and old.pagu_murni != planned.pagu:
            changed.append("pagu_murni")
        if not changed:
            planned.action = "unchanged"
            out.counts.unchanged += 1
            continue
        planned.action = "update"
        out.counts.updated += 1
        reason = pagu_refusal(
            jenis=planned.jenis, pagu=planned.pagu, realised=realised.get(old.pk, ZERO)
        )
        if reason:
            errors.append(RowError(planned.rows[0], "pagu", reason))
        out.changes.append(
            {
                "key": key,
                "pagu_lama": old.fields["pagu"],
                "pagu_baru": planned.pagu,
                # The quarters whose cash plan changes, old and new: a change of the cash
                # plan alone (same pagu) is shown as such.
                "kas": [
                    (q, old_kas, new_kas)
                    for q, (old_kas, new_kas) in enumerate(
                        zip(_cash_plan(old.fields), _cash_plan(planned.fields), strict=True),
                        start=1,
                    )
                    if old_kas != new_kas
                ],
                "rows": planned.rows,
                "fields": changed,
            }
        )
    return out


def _cash_plan(fields: dict) -> tuple[Decimal, ...]:
    """A line's cash plan by quarter (kas_tw1..4; a monthly file's months already folded)."""
    return tuple(fields[f"kas_tw{q}"] for q in (1, 2, 3, 4))


def _sum_into(line: PlannedLine, p: ParsedRow, errors: list[RowError]) -> None:
    """Add a row to the line it shares a key with: amounts are added up, other fields (the
    fund source) must be what the line's first row says."""
    for name, value in p.line.items():
        column = cols.LINE_FIELDS[name]
        if column.kind.summed:
            line.fields[name] += value
        elif line.fields[name] != value:
            errors.append(
                RowError(
                    p.row,
                    column.name,
                    _(
                        "%(new)r here but %(old)r in row %(first)d; both rows have the same "
                        "tahun, kode_opd, kode_sub_kegiatan and kode_rekening and are summed "
                        "into one DPA line, so they must agree"
                    )
                    % {"new": value, "old": line.fields[name], "first": line.rows[0]},
                )
            )


def _sync(model, region, wanted: dict[str, dict], counts: Counts, dry_run: bool, name_field: str):
    """Create missing rows of a master table, rename changed ones; return {kode: object}."""
    existing = (
        {}
        if region is None
        else {o.kode: o for o in model.objects.filter(region=region, kode__in=list(wanted))}
    )
    new, renamed = [], []
    for kode, values in wanted.items():
        obj = existing.get(kode)
        if obj is None:
            new.append(model(region=region, kode=kode, **values))
        elif getattr(obj, name_field) != values[name_field]:
            setattr(obj, name_field, values[name_field])
            renamed.append(obj)
    counts.created += len(new)
    counts.updated += len(renamed)
    if not dry_run:
        model.objects.bulk_create(new, batch_size=2000)
        if renamed:
            model.objects.bulk_update(renamed, [name_field], batch_size=2000)
    existing.update({o.kode: o for o in new})
    return existing


@dataclass
class _Wanted:
    """The master rows the file names, by kode."""

    opds: dict[str, dict] = field(default_factory=dict)
    programs: dict[str, dict] = field(default_factory=dict)
    kegiatans: dict[str, tuple[str, str]] = field(default_factory=dict)  # nama, kode_program
    subs: dict[str, tuple[str, str]] = field(default_factory=dict)  # nama, kode_kegiatan
    accounts: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, parsed: list[ParsedRow]) -> "_Wanted":
        wanted = cls()
        for p in parsed:
            wanted.opds[p.opd[0]] = {"nama": p.opd[1]}
            wanted.accounts.setdefault(
                p.account[0],
                {"uraian": p.account[1], "level": p.account[2], "jenis": p.account[3]},
            )
            if p.program and p.kegiatan and p.sub_kegiatan:
                wanted.programs[p.program[0]] = {"nama": p.program[1]}
                wanted.kegiatans[p.kegiatan[0]] = (p.kegiatan[1], p.program[0])
                wanted.subs[p.sub_kegiatan[0]] = (p.sub_kegiatan[1], p.kegiatan[0])
        return wanted

    def by_master(self) -> dict[str, dict]:
        """Each table's wanted rows under its name in MASTERS."""
        return dict(
            zip(
                MASTERS,
                (self.opds, self.programs, self.kegiatans, self.subs, self.accounts),
                strict=True,
            )
        )


def _write_masters_and_lines(region, parsed, lines, masters, dry_run, tahap):
    wanted = _Wanted.from_rows(parsed)
    if region is None:  # dry run into a region that does not exist yet: count only
        for name, rows in wanted.by_master().items():
            masters[name].created = len(rows)
        return
    opd_objs = _sync(Opd, region, wanted.opds, masters["OPD"], dry_run, "nama")
    program_objs = _sync(Program, region, wanted.programs, masters["program"], dry_run, "nama")
    keg_objs = _sync(
        Kegiatan,
        region,
        {k: {"nama": n, "program": program_objs[p]} for k, (n, p) in wanted.kegiatans.items()},
        masters["kegiatan"],
        dry_run,
        "nama",
    )
    sub_objs = _sync(
        SubKegiatan,
        region,
        {k: {"nama": n, "kegiatan": keg_objs[g]} for k, (n, g) in wanted.subs.items()},
        masters["sub kegiatan"],
        dry_run,
        "nama",
    )
    acc_objs = _add_accounts(region, wanted.accounts, masters["rekening"], dry_run)
    if dry_run:
        return
    _write_lines(region, lines, opd_objs, sub_objs, acc_objs, tahap)


def _add_accounts(
    region: Region, accounts: dict[str, dict], counts: Counts, dry_run: bool
) -> dict[str, Account]:
    """Create the accounts not there yet; return {kode: Account}."""
    # An account's name is kept once known: uraian in a DPA file often names the komponen.
    acc_objs = {o.kode: o for o in Account.objects.filter(region=region, kode__in=list(accounts))}
    new_accounts = [
        Account(region=region, kode=k, **v) for k, v in accounts.items() if k not in acc_objs
    ]
    counts.created += len(new_accounts)
    if not dry_run:
        Account.objects.bulk_create(new_accounts, batch_size=2000)
    acc_objs.update({o.kode: o for o in new_accounts})
    return acc_objs


def _write_lines(
    region: Region,
    lines: dict[LineKey, PlannedLine],
    opd_objs: dict[str, Opd],
    sub_objs: dict[str, SubKegiatan],
    acc_objs: dict[str, Account],
    tahap: str | None,
) -> None:
    """New lines copied in (COPY), changed ones updated in one statement (budget.bulk)."""
    now = timezone.now()
    # The line fields the file gives, in order: the same for every line of the file.
    written = list(next(iter(lines.values())).fields) if lines else []
    keys = ["region_id", "tahun", "opd_id", "sub_kegiatan_id", "account_id", "jenis"]
    new, changed = [], []
    for planned in lines.values():
        tahun, opd_kode, sub_kode, acc_kode = planned.key
        values = [planned.fields[name] for name in written]
        if planned.action == "create":
            murni = ZERO if tahap == "perubahan" else planned.pagu
            sub = sub_objs[sub_kode].pk if sub_kode else None
            new.append(
                (
                    region.pk,
                    tahun,
                    opd_objs[opd_kode].pk,
                    sub,
                    acc_objs[acc_kode].pk,
                    planned.jenis,
                    murni,
                    *values,
                    now,
                    now,
                )
            )
        elif planned.action == "update":
            old = planned.existing
            if old is None:
                raise ValueError(f"the line {planned.key} to update was not read from the database")
            murni = planned.pagu if tahap == "murni" else old.pagu_murni
            changed.append((old.pk, *values, murni, now))
    copy_rows(DpaLine, [*keys, "pagu_murni", *written, "created_at", "updated_at"], new)
    update_rows(DpaLine, ["id"], [*written, "pagu_murni", "updated_at"], changed)
