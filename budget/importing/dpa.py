"""DPA import: budget lines with their pagu and cash plan, and the master data they name.

Rows with the same (tahun, kode_opd, kode_sub_kegiatan, kode_rekening) are summed into one
line, because SIPD exports list the item details (komponen) under one account. Importing the
same file twice changes nothing; a changed pagu is a revision (DPPA or pergeseran) and keeps
the original (murni) pagu for comparison.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

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
from budget.models import Account, DpaLine, Kegiatan, Opd, Program, Realisasi, SubKegiatan
from budget.money import format_amount
from budget.workflow import lock_opds, pagu_refusal

TAHAP = (None, "murni", "perubahan")
PREVIEW_LIMIT = 1000
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
    existing: DpaLine | None = None

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
        return out


def import_dpa(
    *,
    table: Table,
    region_kode: str | None = None,
    region_nama: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    tahap: str | None = None,
) -> DpaResult:
    """Validate every row, then write everything in one transaction, or nothing.

    `tahap` says which DPA the file is. Unset, a new line's murni pagu is its pagu and an
    updated line keeps its murni pagu. "murni" (a corrected original DPA) sets the murni pagu
    of every line in the file to its pagu. "perubahan" (DPPA after the APBD-P) gives a line
    that first appears in it a murni pagu of 0: it was not in the original budget.

    Raises ImportRefused with every problem found (row, column, reason).
    """
    if tahap not in TAHAP:
        raise ValueError(f"tahap must be one of {TAHAP}")
    cash_plan = _check_columns(table.columns)
    choice = choose_region(kode=region_kode, nama=region_nama, may_create=True)
    parsed = _parse_rows(table, cash_plan, progress=progress)
    with transaction.atomic():
        region = lock_region(choice) if not (dry_run and choice.is_new) else None
        result = _plan_and_write(parsed, choice, region, cash_plan, dry_run, len(table.rows), tahap)
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
    names: dict[tuple[str, str], tuple[str, int]] = {}  # (what, kode) -> (name, first row)
    layout = cols.columns(cols.DPA, plan=cash_plan, optional=True)
    # The account's jenis decides the program columns, so they are read after it.
    first = [c for c in layout if c.need is not cols.Need.BELANJA]
    hierarchy = [c for c in layout if c.need is cols.Need.BELANJA]
    cash = [c for c in layout if c.plan]
    quarters = list(dict.fromkeys(c.field for c in cash))  # the months fold into kas_tw1..4

    def same_name(what: str, column: str, kode: str, nama: str, row: int) -> None:
        seen = names.setdefault((what, kode), (nama, row))
        if seen[0] != nama:
            errors.append(
                RowError(
                    row,
                    column,
                    _("%(what)s %(kode)s is named %(new)r here but %(old)r in row %(first)d")
                    % {"what": what, "kode": kode, "new": nama, "old": seen[0], "first": seen[1]},
                )
            )

    for row, cells in tqdm(table.rows, desc="validating", unit="row", disable=not progress):
        before = len(errors)
        values = cols.parse_cells(first, cells, row, errors)
        account = values["kode_rekening"]
        jenis = None
        if account is not None:
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
            else:
                cols.parse_cells(hierarchy, cells, row, errors, jenis=jenis, values=values)
        line = cols.line_fields(layout, values)
        kas = [line[name] for name in quarters]
        if line["pagu"] is not None and None not in kas and sum(kas, ZERO) != line["pagu"]:
            errors.append(
                RowError(
                    row,
                    cash[-1].name,
                    _("the cash plan adds up to %(kas)s but the pagu is %(pagu)s")
                    % {"kas": sum(kas, ZERO), "pagu": line["pagu"]},
                )
            )
        if len(errors) > before:
            continue
        opd = (values["kode_opd"], values["nama_opd"])
        same_name("OPD", "nama_opd", *opd, row)
        program = kegiatan = sub = None
        if jenis == Jenis.BELANJA:
            program = (values["kode_program"], values["nama_program"])
            kegiatan = (values["kode_kegiatan"], values["nama_kegiatan"])
            sub = (values["kode_sub_kegiatan"], values["nama_sub_kegiatan"])
            same_name("program", "nama_program", *program, row)
            same_name("kegiatan", "nama_kegiatan", *kegiatan, row)
            same_name("sub kegiatan", "nama_sub_kegiatan", *sub, row)
        parsed.append(
            ParsedRow(
                row,
                values["tahun"],
                opd,
                program,
                kegiatan,
                sub,
                (account.kode, values["uraian"], account.level, jenis.value),
                line,
            )
        )
    if not table.rows:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return parsed


def _plan_and_write(
    parsed, choice: RegionChoice, region, cash_plan, dry_run, rows_read, tahap=None
) -> DpaResult:
    errors: list[RowError] = []
    lines: dict[LineKey, PlannedLine] = {}
    for p in parsed:
        key = (p.tahun, p.opd[0], p.sub_kegiatan[0] if p.sub_kegiatan else None, p.account[0])
        line = lines.get(key)
        if line is None:
            line = lines[key] = PlannedLine(key=key, jenis=p.account[3], fields=dict(p.line))
        else:
            _sum_into(line, p, errors)
        line.rows.append(p.row)

    years = sorted({k[0] for k in lines})
    masters = {
        name: Counts() for name in ("OPD", "program", "kegiatan", "sub kegiatan", "rekening")
    }
    existing_lines: dict[LineKey, DpaLine] = {}
    realised: dict[int, Decimal] = {}
    if region is not None:
        # Held until the import commits: no realisasi is written between reading what is
        # realised and the pagu checked against it (workflow.pagu_refusal).
        lock_opds(opds=Opd.objects.filter(region=region))
        qs = DpaLine.objects.filter(region=region, tahun__in=years).select_related(
            "opd", "sub_kegiatan", "account"
        )
        for line in qs:
            key = (
                line.tahun,
                line.opd.kode,
                line.sub_kegiatan.kode if line.sub_kegiatan else None,
                line.account.kode,
            )
            existing_lines[key] = line
        realised = dict(
            Realisasi.objects.filter(line__region=region, line__tahun__in=years)
            .values("line")
            .annotate(s=Sum("jumlah"))
            .values_list("line", "s")
        )

    changes = []
    created: list[dict] = []
    counts = Counts()
    for key, planned in lines.items():
        old = existing_lines.get(key)
        if old is None:
            counts.created += 1
            if len(created) < PREVIEW_LIMIT:
                created.append({"key": key, "pagu": planned.pagu, "rows": planned.rows})
            continue
        planned.existing = old
        changed = [name for name, value in planned.fields.items() if getattr(old, name) != value]
        if tahap == "murni" and old.pagu_murni != planned.pagu:
            changed.append("pagu_murni")
        if not changed:
            planned.action = "unchanged"
            counts.unchanged += 1
            continue
        planned.action = "update"
        counts.updated += 1
        reason = pagu_refusal(
            jenis=planned.jenis, pagu=planned.pagu, realised=realised.get(old.pk, ZERO)
        )
        if reason:
            errors.append(RowError(planned.rows[0], "pagu", reason))
        changes.append(
            {
                "key": key,
                "pagu_lama": old.pagu,
                "pagu_baru": planned.pagu,
                "rows": planned.rows,
                "fields": changed,
            }
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
        lines=counts,
        masters=masters,
        rows_read=rows_read,
        cash_plan=cash_plan,
        years=years,
        totals=dict(totals),
        changes=changes,
        created=created,
        lines_not_in_file=not_in_file,
        dry_run=dry_run,
    )
    _write_masters_and_lines(region, parsed, lines, masters, dry_run, tahap)
    return result


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


def _write_masters_and_lines(region, parsed, lines, masters, dry_run, tahap):
    opds, programs, kegiatans, subs, accounts = {}, {}, {}, {}, {}
    for p in parsed:
        opds[p.opd[0]] = {"nama": p.opd[1]}
        accounts.setdefault(
            p.account[0], {"uraian": p.account[1], "level": p.account[2], "jenis": p.account[3]}
        )
        if p.program:
            programs[p.program[0]] = {"nama": p.program[1]}
            kegiatans[p.kegiatan[0]] = (p.kegiatan[1], p.program[0])
            subs[p.sub_kegiatan[0]] = (p.sub_kegiatan[1], p.kegiatan[0])
    if region is None:  # dry run into a region that does not exist yet: count only
        for name, wanted in (
            ("OPD", opds),
            ("program", programs),
            ("kegiatan", kegiatans),
            ("sub kegiatan", subs),
            ("rekening", accounts),
        ):
            masters[name].created = len(wanted)
        return
    opd_objs = _sync(Opd, region, opds, masters["OPD"], dry_run, "nama")
    program_objs = _sync(Program, region, programs, masters["program"], dry_run, "nama")
    keg_objs = _sync(
        Kegiatan,
        region,
        {k: {"nama": n, "program": program_objs[p]} for k, (n, p) in kegiatans.items()},
        masters["kegiatan"],
        dry_run,
        "nama",
    )
    sub_objs = _sync(
        SubKegiatan,
        region,
        {k: {"nama": n, "kegiatan": keg_objs[g]} for k, (n, g) in subs.items()},
        masters["sub kegiatan"],
        dry_run,
        "nama",
    )
    # An account's name is kept once known: uraian in a DPA file often names the komponen.
    acc_objs = {o.kode: o for o in Account.objects.filter(region=region, kode__in=list(accounts))}
    new_accounts = [
        Account(region=region, kode=k, **v) for k, v in accounts.items() if k not in acc_objs
    ]
    masters["rekening"].created += len(new_accounts)
    if dry_run:
        return
    Account.objects.bulk_create(new_accounts, batch_size=2000)
    acc_objs.update({o.kode: o for o in new_accounts})

    to_create, to_update = [], []
    written: dict[str, None] = {}  # the line fields the file gives, in order
    now = timezone.now()
    for planned in lines.values():
        tahun, opd_kode, sub_kode, acc_kode = planned.key
        if planned.action == "create":
            to_create.append(
                DpaLine(
                    region=region,
                    tahun=tahun,
                    opd=opd_objs[opd_kode],
                    sub_kegiatan=sub_objs[sub_kode] if sub_kode else None,
                    account=acc_objs[acc_kode],
                    jenis=planned.jenis,
                    pagu_murni=ZERO if tahap == "perubahan" else planned.pagu,
                    **planned.fields,
                )
            )
        elif planned.action == "update":
            line = planned.existing
            for name, value in planned.fields.items():
                setattr(line, name, value)
                written[name] = None
            if tahap == "murni":
                line.pagu_murni = planned.pagu
            line.updated_at = now  # bulk_update does not apply auto_now
            to_update.append(line)
    DpaLine.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        DpaLine.objects.bulk_update(
            to_update, [*written, "pagu_murni", "updated_at"], batch_size=2000
        )
