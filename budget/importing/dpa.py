"""DPA import: budget lines with their pagu and cash plan, and the master data they name.

Rows with the same (tahun, kode_opd, kode_sub_kegiatan, kode_rekening) are summed into one
line, because SIPD exports list the item details (komponen) under one account. Importing the
same file twice changes nothing; a changed pagu is a revision (DPPA or pergeseran) and keeps
the original (murni) pagu for comparison.

The file is read once, row by row (`read_plan`): each valid row is folded into the line it
belongs to and the master rows it names, and nothing else of it is kept, so that memory grows
with the lines and masters the file makes, not with its rows. A line's amounts are held as
whole sen (int), exact like the Decimals they are read from and written as, at a third of the
memory: a province's 400 000 lines carry two million of them.
"""

from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.bulk import copy_lines, copy_text, insert_rows, update_rows
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
    progress_rows,
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
    Region,
    SubKegiatan,
)
from budget.money import cents_of, format_amount, from_cents, money_text
from budget.versions import VersionInfo, describe, plan_versions, record_versions, tahap_for
from budget.workflow import lock_opds, pagu_refusal

TAHAP = (None, "murni", "perubahan")
PREVIEW_LIMIT = 1000
MASTERS = ("OPD", "program", "kegiatan", "sub kegiatan", "rekening")
ZERO = Decimal("0.00")
_MISS = object()
# Stored lines are read in batches (a server-side cursor), not all at once.
STORED_BATCH = 20_000

LineKey = tuple[int, str, str | None, str]  # tahun, kode_opd, kode_sub_kegiatan, kode_rekening


class PlannedLine:
    """One DPA line of the file: its rows summed. `values` are the line's own fields the file
    gives (`Plan.fields`, in that order: pagu first, then kas_tw1..4, sumber_dana...), the
    amounts in sen. Slots: a province's file makes 400 000 of them."""

    __slots__ = ("key", "jenis", "values", "rows", "action", "existing")

    def __init__(self, key: LineKey, jenis: str, values: list[Any], row: int):
        self.key = key
        self.jenis = jenis
        self.values = values
        self.rows: int | list[int] = row  # one row (most lines) or the rows summed, in order
        self.action = "create"  # create | update | unchanged
        self.existing: StoredLine | None = None

    @property
    def row_list(self) -> list[int]:
        return [self.rows] if isinstance(self.rows, int) else self.rows

    @property
    def first_row(self) -> int:
        return self.rows if isinstance(self.rows, int) else self.rows[0]

    @property
    def pagu(self) -> Decimal:
        return from_cents(self.values[0])

    def fields(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The line's fields by name, amounts as Decimals."""
        return dict(zip(names, _decimals(names, self.values), strict=True))


class StoredLine(NamedTuple):
    """A DPA line as stored, read as a tuple: its id, murni pagu and the fields the file gives
    (in the order of `Plan.fields`, amounts in sen)."""

    pk: int
    pagu_murni: int
    values: tuple


@dataclass
class Masters:
    """The master rows the file names, by kode, each with the name its first row gives it
    (and that row): a code named two ways is refused."""

    opds: dict[str, tuple[str, int]] = field(default_factory=dict)
    programs: dict[str, tuple[str, int]] = field(default_factory=dict)
    kegiatans: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # +kode_program
    subs: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # +kode_kegiatan
    accounts: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # uraian, level, jenis

    def by_master(self) -> dict[str, dict]:
        """Each table's rows under its name in MASTERS."""
        return dict(
            zip(
                MASTERS,
                (self.opds, self.programs, self.kegiatans, self.subs, self.accounts),
                strict=True,
            )
        )


@dataclass
class Plan:
    """What a DPA file asks for, as read: its lines and the master rows they name."""

    cash_plan: str  # "triwulan" or "bulan"
    fields: tuple[str, ...]  # the line fields the file gives, in the order of PlannedLine.values
    lines: dict[LineKey, PlannedLine] = field(default_factory=dict)
    masters: Masters = field(default_factory=Masters)
    rows_read: int = 0
    # Rows summed into one line that disagree on a field that is not summed: refused with
    # the checks against the database (the file's own checks come first).
    sum_errors: list[RowError] = field(default_factory=list)


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
    plan = read_plan(table, cash_plan, progress=progress)
    with transaction.atomic():
        region = lock_region(choice) if not (dry_run and choice.is_new) else None
        result = _compare_and_write(plan, choice, region, dry_run, tahap, versi)
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


# --- reading the file ----------------------------------------------------------------------------


def read_plan(table: Table, cash_plan: str, *, progress: bool = False) -> Plan:
    """Check every row of `table` (a header already checked by `_check_columns`) and fold the
    valid ones into the lines and masters they make. Raises ImportRefused with every problem
    the file has on its own (the database is not read)."""
    layout = [
        c
        for c in cols.columns(cols.DPA, plan=cash_plan, optional=True)
        if c.need is not cols.Need.OPTIONAL or c.name in table.columns
    ]
    reader = _RowReader(layout)
    plan = Plan(cash_plan=cash_plan, fields=reader.fields)
    errors: list[RowError] = []
    folder = _Folder(plan, errors)
    rows = progress_rows(table.rows, progress)
    n = 0
    for row, cells in rows:
        n += 1
        parsed = reader.read(cells, row, errors)
        if parsed is not None:
            folder.fold(row, *parsed)
    plan.rows_read = n
    if not n:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return plan


class _RowReader:
    """Reads the cells of one row of a DPA file by the column table (budget.importing.columns),
    each column through its memoised reader: a file repeats its codes, names and years on every
    row, and each distinct text is checked once."""

    def __init__(self, layout: list[cols.Column]):
        readers = [(c.name, cols.cell_reader(c, cents=True)) for c in layout]
        # The account's jenis decides the program columns, so they are read after it.
        self.first = [
            (n, r.memo, r)
            for (n, r), c in zip(readers, layout, strict=True)
            if c.need is not cols.Need.BELANJA
        ]
        self.hierarchy = [
            (n, r.memo, r, c.within)
            for (n, r), c in zip(readers, layout, strict=True)
            if c.need is cols.Need.BELANJA
        ]
        # The line's fields: (field, the columns giving it: the months of a quarter add up).
        given: dict[str, list[str]] = {}
        for c in layout:
            if c.writes_line:
                given.setdefault(c.field, []).append(c.name)
        self.fields = tuple(given)
        self.line = [
            (names[0], names[1:], cols.LINE_FIELDS[f].kind.summed) for f, names in given.items()
        ]
        cash = [c for c in layout if c.plan]
        self.quarters = [self.fields.index(f) for f in dict.fromkeys(c.field for c in cash)]
        self.last_cash = cash[-1].name

    def read(
        self, cells: dict[str, str], row: int, errors: list[RowError]
    ) -> tuple[dict[str, Any], Jenis, list[Any]] | None:
        """The row's values by column, its account's jenis and its line's values (amounts in
        sen); None when the row is refused (the reasons appended to `errors`). The readers'
        memo and the plain amounts are looked at here, the readers called for the rest."""
        before = len(errors)
        values: dict[str, Any] = {}
        get, plain, miss = cells.get, cols.PLAIN_CENTS.fullmatch, _MISS
        for name, memo, read in self.first:
            raw = get(name, "")
            if type(raw) is str:
                if memo is None:  # an amount
                    if (m := plain(raw)) is not None:
                        whole, sen = m.groups()
                        cents = int(whole) * 100
                        values[name] = (
                            cents
                            if sen is None
                            else cents + int(sen) * (10 if len(sen) == 1 else 1)
                        )
                        continue
                elif (value := memo.get(raw, miss)) is not miss:
                    values[name] = value
                    continue
            values[name] = read(raw, row, errors, None)
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
                self._hierarchy(cells, row, values, jenis, errors)
        line = self._line(values)
        self._check_cash_plan(line, row, errors)
        if len(errors) > before or jenis is None:
            return None
        return values, jenis, line

    def _hierarchy(
        self, cells: dict[str, str], row: int, values: dict[str, Any], jenis: Jenis, errors: list
    ) -> None:
        """The program, kegiatan and sub kegiatan columns (columns.Need.BELANJA): read on a
        belanja row, empty on a pendapatan or pembiayaan row."""
        belanja = jenis is Jenis.BELANJA
        miss = _MISS
        for name, memo, read, within in self.hierarchy:
            raw = cells.get(name, "")
            if belanja:
                parent = values.get(within) if within else None
                if type(raw) is str and memo is not None:
                    value = memo.get(raw if parent is None else (raw, parent), miss)
                    if value is not miss:
                        values[name] = value
                        continue
                values[name] = read(raw, row, errors, parent)
                continue
            if raw:
                errors.append(
                    RowError(
                        row,
                        name,
                        _("must be empty: %(jenis)s lines are not budgeted under a program")
                        % {"jenis": jenis.value},
                    )
                )
            values[name] = None

    def _line(self, values: dict[str, Any]) -> list[Any]:
        line = []
        for first, more, summed in self.line:
            value = values[first]
            if more and summed:
                for name in more:
                    other = values[name]
                    value = None if value is None or other is None else value + other
            line.append(value)
        return line

    def _check_cash_plan(self, line: list[Any], row: int, errors: list[RowError]) -> None:
        pagu = line[0]
        kas = [line[i] for i in self.quarters]
        if pagu is not None and None not in kas and sum(kas) != pagu:
            errors.append(
                RowError(
                    row,
                    self.last_cash,
                    _("the cash plan adds up to %(kas)s but the pagu is %(pagu)s")
                    % {
                        "kas": format_amount(from_cents(sum(kas))),
                        "pagu": format_amount(from_cents(pagu)),
                    },
                )
            )


class _Folder:
    """Folds each valid row into its line (rows of one key summed) and the masters it names."""

    def __init__(self, plan: Plan, errors: list[RowError]):
        self.plan = plan
        self.errors = errors
        self.summed = [cols.LINE_FIELDS[name].kind.summed for name in plan.fields]
        self.columns = [cols.LINE_FIELDS[name].name for name in plan.fields]

    def fold(self, row: int, values: dict[str, Any], jenis: Jenis, line: list[Any]) -> None:
        m = self.plan.masters
        opd = values["kode_opd"]
        # The common case inline: a code seen before, under the same name.
        first = m.opds.get(opd)
        if first is None or first[0] != values["nama_opd"]:
            self._name(m.opds, "OPD", "nama_opd", opd, values["nama_opd"], row, ())
        sub = None
        if jenis is Jenis.BELANJA:
            program, kegiatan = values["kode_program"], values["kode_kegiatan"]
            sub = values["kode_sub_kegiatan"]
            p, k, s = m.programs.get(program), m.kegiatans.get(kegiatan), m.subs.get(sub)
            if (
                p is None
                or k is None
                or s is None
                or p[0] != values["nama_program"]
                or k[0] != values["nama_kegiatan"]
                or s[0] != values["nama_sub_kegiatan"]
            ):
                self._names(m, row, values, program, kegiatan, sub)
        account = values["kode_rekening"]
        if account.kode not in m.accounts:
            m.accounts[account.kode] = (values["uraian"], account.level, jenis.value)
        if self.errors:
            return  # the file is refused: nothing more to sum
        key = (values["tahun"], opd, sub, account.kode)
        planned = self.plan.lines.get(key)
        if planned is None:
            self.plan.lines[key] = PlannedLine(key, jenis.value, line, row)
        else:
            self._sum_into(planned, row, line)

    def _names(
        self, m: Masters, row: int, values: dict[str, Any], program: str, kegiatan: str, sub: str
    ) -> None:
        self._name(m.programs, "program", "nama_program", program, values["nama_program"], row, ())
        self._name(
            m.kegiatans,
            "kegiatan",
            "nama_kegiatan",
            kegiatan,
            values["nama_kegiatan"],
            row,
            (program,),
        )
        self._name(
            m.subs, "sub kegiatan", "nama_sub_kegiatan", sub, values["nama_sub_kegiatan"], row,
            (kegiatan,),
        )  # fmt: skip

    def _name(
        self, seen: dict, what: str, column: str, kode: str, nama: str, row: int, more: tuple
    ) -> None:
        first = seen.get(kode)
        if first is None:
            seen[kode] = (nama, row, *more)
        elif first[0] != nama:
            self.errors.append(
                RowError(
                    row,
                    column,
                    _("%(what)s %(kode)s is named %(new)r here but %(old)r in row %(first)d")
                    % {"what": what, "kode": kode, "new": nama, "old": first[0], "first": first[1]},
                )
            )

    def _sum_into(self, planned: PlannedLine, row: int, line: list[Any]) -> None:
        """Add a row to the line it shares a key with: amounts are added up, other fields (the
        fund source) must be what the line's first row says."""
        values = planned.values
        for i, value in enumerate(line):
            if self.summed[i]:
                values[i] += value
            elif values[i] != value:
                self.plan.sum_errors.append(
                    RowError(
                        row,
                        self.columns[i],
                        _(
                            "%(new)r here but %(old)r in row %(first)d; both rows have the same "
                            "tahun, kode_opd, kode_sub_kegiatan and kode_rekening and are summed "
                            "into one DPA line, so they must agree"
                        )
                        % {"new": value, "old": values[i], "first": planned.first_row},
                    )
                )
        if isinstance(planned.rows, int):
            planned.rows = [planned.rows, row]
        else:
            planned.rows.append(row)


def _decimals(names: tuple[str, ...], values) -> Iterator[Any]:
    """A line's values with its amounts (in sen) as Decimals."""
    for name, value in zip(names, values, strict=True):
        yield from_cents(value) if cols.LINE_FIELDS[name].kind.summed else value


# --- comparing with the database and writing ------------------------------------------------------


@dataclass
class _Compared:
    counts: Counts = field(default_factory=Counts)
    changes: list[dict] = field(default_factory=list)  # updated lines: key, old and new pagu
    created: list[dict] = field(default_factory=list)  # the first PREVIEW_LIMIT new lines
    absent: array = field(default_factory=lambda: array("q"))  # stored lines not in the file

    @property
    def not_in_file(self) -> int:
        return len(self.absent)


def _compare_and_write(
    plan: Plan,
    choice: RegionChoice,
    region: Region | None,
    dry_run: bool,
    tahap: str | None,
    versi: VersionInfo,
) -> DpaResult:
    years = sorted({k[0] for k in plan.lines})
    errors = list(plan.sum_errors)
    # A region this import creates holds nothing: no stored line or master to read.
    stored = region if region is not None and not choice.created else None
    compared = _compare(plan, stored, years, tahap, errors)
    planned_versions = plan_versions(region=region, years=years, info=versi, errors=errors)
    if errors:
        raise ImportRefused(errors)
    totals: dict[str, int] = {}
    for planned in plan.lines.values():
        totals[planned.jenis] = totals.get(planned.jenis, 0) + planned.values[0]
    masters = {name: Counts() for name in MASTERS}
    result = DpaResult(
        region_kode=choice.kode,
        region_nama=choice.nama,
        region_created=choice.is_new,
        lines=compared.counts,
        masters=masters,
        rows_read=plan.rows_read,
        cash_plan=plan.cash_plan,
        years=years,
        totals={jenis: from_cents(total) for jenis, total in totals.items()},
        changes=compared.changes,
        created=compared.created,
        lines_not_in_file=compared.not_in_file,
        dry_run=dry_run,
    )
    _write_masters_and_lines(region, plan, masters, dry_run, tahap, fresh=choice.created)
    changed_years = {p.key[0] for p in plan.lines.values() if p.action != "unchanged"}
    result.versions = [describe(v) for v in planned_versions if v.tahun in changed_years]
    if region is not None and not dry_run:
        record_versions(
            region=region, planned=planned_versions, lines=plan.lines, absent=compared.absent
        )
    return result


def _compare(
    plan: Plan, region: Region | None, years: list[int], tahap: str | None, errors: list
) -> _Compared:
    """Decide each planned line's action against the line already there in `region` (None:
    there is none); a new pagu below what is realised is refused (workflow.pagu_refusal)."""
    out = _Compared()
    if region is not None:
        # Held until the import commits: no realisasi is written between reading what is
        # realised and the pagu checked against it (workflow.pagu_refusal).
        lock_opds(opds=Opd.objects.filter(region=region))
        out.absent = _attach_stored(plan, region, years)
    changed: list[PlannedLine] = []
    kas = [plan.fields.index(f"kas_tw{q}") for q in (1, 2, 3, 4)]
    for key, planned in plan.lines.items():
        old = planned.existing
        if old is None:
            out.counts.created += 1
            if len(out.created) < PREVIEW_LIMIT:
                values = planned.values
                out.created.append(
                    {
                        "key": key,
                        "pagu": from_cents(values[0]),
                        "kas": tuple(from_cents(values[i]) for i in kas),
                        "rows": planned.row_list,
                    }
                )
        elif old.values == tuple(planned.values) and not (
            tahap == "murni" and old.pagu_murni != planned.values[0]
        ):
            planned.action = "unchanged"
            out.counts.unchanged += 1
        else:
            planned.action = "update"
            out.counts.updated += 1
            changed.append(planned)
    realised = _realised(
        [p.existing.pk for p in changed if p.existing and p.jenis == Jenis.BELANJA.value]
    )
    for planned in changed:
        out.changes.append(_change(plan, planned, tahap, realised, errors))
    return out


def _change(
    plan: Plan, planned: PlannedLine, tahap: str | None, realised: dict, errors: list
) -> dict:
    old = planned.existing
    if old is None:  # pragma: no cover - only stored lines are changed
        raise ValueError(f"the line {planned.key} to update was not read from the database")
    names = [
        name
        for name, before, after in zip(plan.fields, old.values, planned.values, strict=True)
        if before != after
    ]
    if tahap == "murni" and old.pagu_murni != planned.values[0]:
        names.append("pagu_murni")
    reason = pagu_refusal(
        jenis=planned.jenis, pagu=planned.pagu, realised=realised.get(old.pk, ZERO)
    )
    if reason:
        errors.append(RowError(planned.first_row, "pagu", reason))
    old_fields = dict(zip(plan.fields, _decimals(plan.fields, old.values), strict=True))
    new_fields = planned.fields(plan.fields)
    return {
        "key": planned.key,
        "pagu_lama": old_fields["pagu"],
        "pagu_baru": new_fields["pagu"],
        # The quarters whose cash plan changes, old and new: a change of the cash plan alone
        # (same pagu) is shown as such.
        "kas": [
            (q, old_kas, new_kas)
            for q, (old_kas, new_kas) in enumerate(
                zip(_cash_plan(old_fields), _cash_plan(new_fields), strict=True), start=1
            )
            if old_kas != new_kas
        ],
        "rows": planned.row_list,
        "fields": names,
    }


def _attach_stored(plan: Plan, region: Region, years: list[int]) -> array:
    """Give each planned line the line already stored under its key; returns the ids of the
    stored lines of these years the file does not name. Read in batches, kept for the file's
    lines only."""
    names = plan.fields
    summed = [cols.LINE_FIELDS[name].kind.summed for name in names]
    qs = DpaLine.objects.filter(region=region, tahun__in=years).values_list(
        "tahun", "opd__kode", "sub_kegiatan__kode", "account__kode", "pk", "pagu_murni", *names
    )
    absent = array("q")
    lines = plan.lines
    for row in qs.iterator(chunk_size=STORED_BATCH):
        planned = lines.get(row[:4])
        if planned is None:
            absent.append(row[4])
            continue
        values = tuple(cents_of(v) if s else v for v, s in zip(row[6:], summed, strict=True))
        planned.existing = StoredLine(row[4], cents_of(row[5]), values)
    return absent


def _realised(line_ids: list[int]) -> dict[int, Decimal]:
    """What is realised on each of these lines (by id), in one statement."""
    if not line_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT line_id, sum(jumlah) FROM budget_realisasi WHERE line_id = ANY(%s) "
            "GROUP BY line_id",
            [line_ids],
        )
        return dict(cursor.fetchall())


def _cash_plan(fields: dict) -> tuple[Decimal, ...]:
    """A line's cash plan by quarter (kas_tw1..4; a monthly file's months already folded)."""
    return tuple(fields[f"kas_tw{q}"] for q in (1, 2, 3, 4))


def _sync(
    model,
    region: Region,
    wanted: dict[str, tuple],
    counts: Counts,
    dry_run: bool,
    parent: str | None,
    fresh: bool,
) -> dict[str, int]:
    """Create missing rows of a master table (code, name and the parent's id), rename changed
    ones; return {kode: id}. `wanted` holds each code's name first, its parent's id last.
    `fresh`: the region is new, and holds none yet."""
    rows = () if fresh else model.objects.filter(region=region).values_list("kode", "pk", "nama")
    existing = {kode: (pk, nama) for kode, pk, nama in rows}
    new, renamed = [], []
    for kode, (nama, *_rest) in wanted.items():
        stored = existing.get(kode)
        if stored is None:
            new.append((region.pk, kode, nama, *([_rest[-1]] if parent else [])))
        elif stored[1] != nama:
            renamed.append((stored[0], nama))
    counts.created += len(new)
    counts.updated += len(renamed)
    ids = {kode: pk for kode, (pk, _nama) in existing.items()}
    if dry_run:
        return ids
    fields = ["region_id", "kode", "nama", *([parent] if parent else [])]
    ids.update(insert_rows(model, fields, new, returning=("kode", "id")))
    update_rows(model, ["id"], ["nama"], renamed)
    return ids


def _write_masters_and_lines(
    region: Region | None,
    plan: Plan,
    masters: dict[str, Counts],
    dry_run: bool,
    tahap: str | None,
    *,
    fresh: bool = False,
) -> None:
    wanted = plan.masters
    if region is None:  # dry run into a region that does not exist yet: count only
        for name, rows in wanted.by_master().items():
            masters[name].created = len(rows)
        return

    def sync(model, name: str, rows: dict[str, tuple], parent: str | None = None):
        return _sync(model, region, rows, masters[name], dry_run, parent, fresh)

    opds = sync(Opd, "OPD", wanted.opds)
    programs = sync(Program, "program", wanted.programs)
    kegiatans = sync(
        Kegiatan,
        "kegiatan",
        {k: (n, r, programs.get(p)) for k, (n, r, p) in wanted.kegiatans.items()},
        "program_id",
    )
    subs = sync(
        SubKegiatan,
        "sub kegiatan",
        {k: (n, r, kegiatans.get(g)) for k, (n, r, g) in wanted.subs.items()},
        "kegiatan_id",
    )
    accounts = _add_accounts(region, wanted.accounts, masters["rekening"], dry_run, fresh)
    if dry_run:
        return
    _write_lines(region, plan, opds, subs, accounts, tahap)


def _add_accounts(
    region: Region,
    accounts: dict[str, tuple[str, int, str]],
    counts: Counts,
    dry_run: bool,
    fresh: bool,
) -> dict[str, int]:
    """Create the accounts not there yet; return {kode: id}."""
    # An account's name is kept once known: uraian in a DPA file often names the komponen.
    ids = {} if fresh else dict(Account.objects.filter(region=region).values_list("kode", "pk"))
    new = [(region.pk, k, *v) for k, v in accounts.items() if k not in ids]
    counts.created += len(new)
    if not dry_run:
        fields = ["region_id", "kode", "uraian", "level", "jenis"]
        ids.update(insert_rows(Account, fields, new, returning=("kode", "id")))
    return ids


def _write_lines(
    region: Region,
    plan: Plan,
    opds: dict[str, int],
    subs: dict[str, int],
    accounts: dict[str, int],
    tahap: str | None,
) -> None:
    """New lines copied in (COPY), changed ones updated in one statement (budget.bulk)."""
    now = timezone.now()
    written = plan.fields
    text = [money_text if cols.LINE_FIELDS[n].kind.summed else copy_text for n in written]
    keys = ["region_id", "tahun", "opd_id", "sub_kegiatan_id", "account_id", "jenis"]
    stamp = copy_text(now)

    def new() -> Iterator[str]:
        """Each new line in COPY's text: numbers, codes and choices (the fund source through
        copy_text all the same)."""
        for planned in plan.lines.values():
            if planned.action != "create":
                continue
            tahun, opd_kode, sub_kode, acc_kode = planned.key
            values = planned.values
            sub = subs[sub_kode] if sub_kode else "\\N"
            murni = "0.00" if tahap == "perubahan" else money_text(values[0])
            fields = "\t".join([f(v) for f, v in zip(text, values, strict=True)])
            yield (
                f"{region.pk}\t{tahun}\t{opds[opd_kode]}\t{sub}\t{accounts[acc_kode]}\t"
                f"{planned.jenis}\t{murni}\t{fields}\t{stamp}\t{stamp}"
            )

    changed = []
    for planned in plan.lines.values():
        if planned.action == "update":
            old = planned.existing
            if old is None:
                raise ValueError(f"the line {planned.key} to update was not read from the database")
            murni = planned.values[0] if tahap == "murni" else old.pagu_murni
            changed.append((old.pk, *_decimals(written, planned.values), from_cents(murni), now))
    copy_lines(DpaLine, [*keys, "pagu_murni", *written, "created_at", "updated_at"], new())
    update_rows(DpaLine, ["id"], [*written, "pagu_murni", "updated_at"], changed)
