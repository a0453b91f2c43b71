"""Realisasi import: the amount realised on a DPA line within one quarter.

Each row must match an existing DPA line. The same (line, quarter) twice in one file is refused
rather than summed: a treasurer's figure must not be silently changed. Belanja that would take
a line's total for the year above its pagu is refused; revenue and financing may exceed their
target. Importing the same file twice changes nothing.
"""

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple, cast

from django.db import transaction
from django.utils.translation import gettext as _

from budget.importing.columns import (
    PLAIN_CENTS,
    REALISASI,
    REALISASI_COLUMNS,
    Need,
    cell_reader,
)
from budget.importing.common import (
    Counts,
    check_header,
    check_own_opd,
    choose_region,
    lock_region,
    progress_rows,
)
from budget.importing.errors import ImportRefused, RowError
from budget.importing.reading import Table
from budget.logs import logs_refusal
from budget.models import Opd, Region
from budget.money import format_amount, from_cents
from budget.roles import SYSTEM, Actor
from budget.workflow import (
    CREATED,
    UNCHANGED,
    UPDATED,
    FiguresRefused,
    Ledger,
    Writes,
    WrittenFigures,
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


class _Row(NamedTuple):
    """One figure of the file as read (`_FileFigures.rows`)."""

    row: int
    tahun: int
    triwulan: int
    opd: str
    sub: str | None
    account: str
    amount: Decimal


FileLineKey = tuple[int, str, str | None, str]  # tahun, kode_opd, kode_sub_kegiatan, kode_rekening


class _FileFigures:
    """The figures of a file as read, held by column: a province's 1.6 million rows as arrays
    (the row, the quarter, the amount in sen, the index of the DPA line the row names), each
    distinct line named once. What validation needs and no more: a row's cells are not kept."""

    def __init__(self) -> None:
        self.lines: dict[FileLineKey, int] = {}  # each line the file names: its index
        self.keys: list[FileLineKey] = []  # by index
        self.quarters = bytearray()  # by line index: a bit for each quarter given
        self.line: array[int] = array("q")  # by figure: its line's index
        self.triwulan = bytearray()
        self.row: array[int] = array("q")
        self.writes = Writes()  # the amounts, in sen (line ids filled in once matched)
        self.by_quarter: dict[tuple[int, int], int] = {}  # (tahun, triwulan): sen
        self.opds: dict[str, None] = {}  # the OPD codes, in order
        self._first: dict[tuple[int, int], int] | None = None  # (line, quarter): row, on demand
        self.rows_read = 0

    def __len__(self) -> int:
        return len(self.row)

    def add(self, row: int, key: FileLineKey, tw: int, cents: int) -> int | None:
        """Add a figure; when the file gave its line and quarter already, add nothing and
        return the row that did."""
        index = self.lines.get(key)
        if index is None:
            index = self.lines[key] = len(self.keys)
            self.keys.append(key)
            self.quarters.append(0)
            self.opds.setdefault(key[1], None)
        bit = 1 << tw
        if self.quarters[index] & bit:
            return self._first_row(index, tw)
        self.quarters[index] |= bit
        if self._first is not None:
            self._first[(index, tw)] = row
        self.line.append(index)
        self.triwulan.append(tw)
        self.row.append(row)
        self.writes.cents.append(cents)
        q = (key[0], tw)
        self.by_quarter[q] = self.by_quarter.get(q, 0) + cents
        return None

    def _first_row(self, index: int, tw: int) -> int:
        # Looked up on a duplicate only: built once, then kept as the rows come.
        if self._first is None:
            self._first = {
                (i, q): r for i, q, r in zip(self.line, self.triwulan, self.row, strict=True)
            }
        return self._first[(index, tw)]

    def where(self, i: int) -> dict:
        tahun, opd, sub, account = self.keys[self.line[i]]
        return {
            "tahun": tahun,
            "triwulan": self.triwulan[i],
            "opd": opd,
            "sub": sub,
            "akun": account,
        }

    def rows(self) -> Iterator[_Row]:
        """The figures in the file's order."""
        cents = self.writes.cents.items
        for i, (index, tw, row) in enumerate(zip(self.line, self.triwulan, self.row, strict=True)):
            tahun, opd, sub, account = self.keys[index]
            amount = cents[i]
            yield _Row(row, tahun, tw, opd, sub, account, from_cents(amount or 0))


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
    figures = _parse(table, progress, only_opd, only_tahun, only_triwulan)
    with transaction.atomic():
        region = lock_region(choice)
        result = _match_and_write(figures, region, dry_run, actor, seen)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _parse(table, progress, only_opd, only_tahun, only_triwulan) -> _FileFigures:
    errors: list[RowError] = []
    out = _FileFigures()
    read = _RowReader()
    rows = progress_rows(table.rows, progress)
    n = 0
    for row, cells in rows:
        n += 1
        values = read(cells, row, errors)
        if values is None:
            continue
        tahun, tw, opd, sub, account, cents = values
        if only_opd is not None or only_tahun is not None or only_triwulan is not None:
            errors.extend(_outside_upload(row, opd, tahun, tw, only_opd, only_tahun, only_triwulan))
        first = out.add(row, (tahun, opd, sub, account), tw, cents)
        if first is not None:
            errors.append(
                RowError(
                    row,
                    "kode_rekening",
                    _(
                        "the same line and quarter is already in row %(first)d; "
                        "give one amount per line and quarter"
                    )
                    % {"first": first},
                )
            )
    out.rows_read = n
    if not n:
        errors.append(RowError(None, None, _("the file has a header but no rows")))
    if errors:
        raise ImportRefused(errors)
    return out


class _RowReader:
    """Reads one row's cells by the column table (columns.REALISASI), each column through its
    memoised reader (columns.cell_reader): a file repeats its years, quarters and codes on
    every row. Returns (tahun, triwulan, kode_opd, kode_sub_kegiatan, kode_rekening, sen), or
    None when the row is refused (the reasons appended to `errors`)."""

    def __init__(self) -> None:
        by_name = {c.name: c for c in REALISASI}
        readers = [
            (name, cell_reader(by_name[name], cents=True))
            for name in ("tahun", "triwulan", "kode_opd", "kode_sub_kegiatan", "kode_rekening")
        ]
        # Empty on pendapatan and pembiayaan rows (their DPA line says which: columns.Need).
        self.columns = [
            (name, cast(dict, r.memo), r, by_name[name].need is Need.BELANJA)  # codes: a memo each
            for name, r in readers
        ]
        self.amount = cell_reader(by_name["realisasi"], cents=True)

    def __call__(self, cells: dict[str, str], row: int, errors: list[RowError]) -> tuple | None:
        before = len(errors)
        get, miss = cells.get, _MISS
        out: list[Any] = []
        for name, memo, read, optional in self.columns:
            raw = get(name, "")
            if not raw and optional:
                out.append(None)
                continue
            if type(raw) is str and (value := memo.get(raw, miss)) is not miss:
                out.append(value)
                continue
            out.append(read(raw, row, errors, None))
        raw = get("realisasi", "")
        if type(raw) is str and (plain := PLAIN_CENTS.fullmatch(raw)) is not None:
            whole, sen = plain.groups()
            cents = int(whole) * 100
            out.append(cents if sen is None else cents + int(sen) * (10 if len(sen) == 1 else 1))
        else:
            out.append(self.amount(raw, row, errors, None))
        if len(errors) > before:
            return None
        out[4] = out[4].kode
        return tuple(out)


_MISS = object()


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
    figures: _FileFigures, region, dry_run: bool, actor: Actor, seen: _Seen | None
) -> RealisasiResult:
    """Match the rows to DPA lines and write them through budget.workflow's one write path,
    which locks the file's OPDs, checks the page's version and applies the entry page's rules."""
    keys = figures.keys
    check_own_opd(
        ((row, keys[i][1]) for i, row in zip(figures.line, figures.row, strict=True)), actor
    )
    ledger = realisasi_ledger(
        opds=Opd.objects.filter(region=region, kode__in=list(figures.opds)),
        years={key[0] for key in figures.keys},
    )
    writes = _match(figures, ledger)
    versions = None
    if seen is not None:
        opd_id = next(pk for pk, opd in ledger.opds.items() if opd.kode == seen.opd)
        versions = {(opd_id, seen.tahun, seen.triwulan): seen.version}
    try:
        result = realisasi_write(
            actor=actor, ledger=ledger, figures=writes, versions=versions, dry_run=dry_run
        )
    except FiguresRefused as exc:
        # The file's row of each refused figure: looked up on refusal only (a dict of every
        # figure would weigh as much as the figures).
        at = zip(writes.line_ids, writes.triwulan, strict=True)
        row_of = dict(zip(at, figures.row, strict=True))
        column = "triwulan" if exc.locked else "realisasi"
        raise ImportRefused(
            [RowError(row_of[key], column, reason) for key, reason in exc.errors.items()]
        ) from None
    return _result(region, figures, result.written, dry_run)


def _match(figures: _FileFigures, ledger: Ledger) -> Writes:
    """The file's figures on the DPA lines they name (their ids filled into its `writes`);
    every row that names no line of the DPA is refused."""
    kode = {pk: opd.kode for pk, opd in ledger.opds.items()}
    index = figures.lines
    pks = array("q", [0]) * len(figures.keys)  # by the file's line index; 0: no such line
    for line in ledger.lines.values():
        i = index.get((line.tahun, kode[line.opd_id], line.sub_kegiatan_kode, line.account_kode))
        if i is not None:
            pks[i] = line.pk
    if 0 in pks:
        errors = []
        for i, row in zip(figures.line, figures.row, strict=True):
            if pks[i]:
                continue
            tahun, opd, sub, account = figures.keys[i]
            errors.append(
                RowError(
                    row,
                    "kode_rekening",
                    _(
                        "no DPA line for year %(tahun)d, OPD %(opd)s, "
                        "sub kegiatan %(sub)s, account %(acc)s"
                    )
                    % {"tahun": tahun, "opd": opd, "sub": sub or "-", "acc": account},
                )
            )
        raise ImportRefused(errors)
    writes = figures.writes
    writes.line_ids = array("q", map(pks.__getitem__, figures.line))
    writes.triwulan = figures.triwulan
    return writes


def _result(
    region: Region, figures: _FileFigures, written: WrittenFigures, dry_run: bool
) -> RealisasiResult:
    cents = cast("Sequence[int]", figures.writes.cents.items)  # a file's figures are never blank
    rows = figures.row
    created = [
        {"row": rows[i], **figures.where(i), "baru": from_cents(cents[i])}
        for i in islice(written.indexes(CREATED), PREVIEW_LIMIT)
    ]
    changes = [
        {
            "row": rows[i],
            **figures.where(i),
            "lama": written.before[i],
            "baru": from_cents(cents[i]),
        }
        for i in written.indexes(UPDATED)
    ]
    counts = Counts(
        created=written.number(CREATED),
        updated=written.number(UPDATED),
        unchanged=written.number(UNCHANGED),
    )
    return RealisasiResult(
        region_kode=region.kode,
        region_nama=region.nama,
        counts=counts,
        rows_read=figures.rows_read,
        total=from_cents(sum(cents)),
        by_quarter={key: from_cents(total) for key, total in figures.by_quarter.items()},
        changes=changes,
        dry_run=dry_run,
        created=created,
    )
