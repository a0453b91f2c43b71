"""DPA versions: the DPA murni, each DPPA and each pergeseran kept with its date and legal
basis, never overwritten, so that the pagu and the cash plan in force on any day can be
recalled.

A DPA import records one version per year whose lines it creates or changes (an import that
changes nothing records none: the same file twice changes nothing). Each line of the file gets
a snapshot in that version (`DpaLineVersion`: pagu, cash plan, the pagu in force before and
the class of the change); lines the file leaves out keep the snapshot of the version before.
A line leaves the DPA by a version that sets its pagu to 0 (*dihapus*): lines are never
deleted, their realisasi stays attached to them.

A year's versions follow each other in order of `tanggal`, ties in order of import: a version
dated before the year's latest is refused, and so is a DPA murni after a DPPA or pergeseran.
So the version in force on day D is the last dated on or before D, and the DPA a version
leaves in force is what the lines were just after its import (`DpaVersionRollup`, its sums).

Edits of a line in the admin correct the line in force and make no version (they are in the
history trail); the pages read the lines in force, the recall reads the versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Case, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.codes import Jenis
from budget.importing.errors import RowError
from budget.measures import MONEY_FIELD
from budget.models import (
    DpaLineVersion,
    DpaVersion,
    DpaVersionJenis,
    DpaVersionRollup,
    PerubahanKelas,
    Region,
)
from budget.money import format_amount, money_text

if TYPE_CHECKING:
    from budget.importing.dpa import LineKey, PlannedLine

VERSI = tuple(DpaVersionJenis.values)
# Which murni pagu a version gives its lines (budget.importing.dpa's `tahap`): a DPA murni sets
# it; a DPPA or a pergeseran keeps it, and a line new in one was in no murni DPA (0).
TAHAP_OF_VERSI = {
    DpaVersionJenis.MURNI.value: "murni",
    DpaVersionJenis.PERUBAHAN.value: "perubahan",
    DpaVersionJenis.PERGESERAN.value: "perubahan",
}
ZERO = Decimal("0.00")
QUARTERS = (1, 2, 3, 4)
KAS = tuple(f"kas_tw{q}" for q in QUARTERS)


def tahap_for(*, versi: str | None, tahap: str | None) -> str | None:
    """The import's `tahap` for a version kind: the one it implies, or `tahap` itself when no
    kind is given (the import's behaviour before versions). A contradiction is refused."""
    if versi is None:
        return tahap
    if versi not in VERSI:
        raise ValueError(f"versi must be one of {VERSI}")
    implied = TAHAP_OF_VERSI[versi]
    if tahap is not None and tahap != implied:
        raise ValueError(f"tahap {tahap!r} contradicts versi {versi!r} (which means {implied!r})")
    return implied


# --- the class of a change, pure ------------------------------------------------------------


# A line's change in a version (DpaLineVersion.kelas), in SQL: the snapshot is written by one
# INSERT ... SELECT from the lines as the import leaves them (`record_versions`). `before` is
# the pagu the line had before the import, NULL for a line the import creates. baru: the line
# was not there before; tetap: the pagu stays (the cash plan may move); dihapus: the pagu goes
# to 0; tambah and rasionalisasi: the pagu goes up or down.
_KELAS_SQL = """CASE WHEN {before} IS NULL THEN '{baru}'
    WHEN {after} = {before} THEN '{tetap}'
    WHEN {after} = 0 THEN '{dihapus}'
    WHEN {after} > {before} THEN '{tambah}'
    ELSE '{rasionalisasi}' END"""


def kelas_sql(before: str, after: str) -> str:
    """The SQL expression of the change from the pagu `before` to `after` (column names)."""
    return _KELAS_SQL.format(
        before=before, after=after, **{k.name.lower(): k.value for k in PerubahanKelas}
    )


# --- recording, at import -------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """What the person importing says about the document: its kind (None: a DPA murni for a
    year without versions, else a pergeseran), number, date and note."""

    jenis: str | None = None
    nomor: str = ""
    tanggal: date | None = None
    keterangan: str = ""
    berkas: str = ""


@dataclass(frozen=True)
class PlannedVersion:
    tahun: int
    jenis: str
    nomor: str
    tanggal: date
    keterangan: str
    berkas: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tahun": self.tahun,
            "jenis": self.jenis,
            "label": str(DpaVersionJenis(self.jenis).label),
            "nomor": self.nomor,
            "tanggal": self.tanggal,
        }


def plan_versions(
    *, region: Region | None, years: Iterable[int], info: VersionInfo, errors: list[RowError]
) -> list[PlannedVersion]:
    """The version each year of the file would record, checked against the year's versions
    already there (one query); a problem is noted in `errors` (no row: it is the file's)."""
    years = sorted(set(years))
    known: dict[int, Any] = {}
    if region is not None:
        known = {
            row["tahun"]: row
            for row in DpaVersion.objects.filter(region=region, tahun__in=years)
            .values("tahun")
            .annotate(
                last=Max("tanggal"),
                revised=Count("id", filter=~Q(jenis=DpaVersionJenis.MURNI.value)),
            )
            .order_by()
        }
    planned = []
    for tahun in years:
        had = known.get(tahun)
        jenis = info.jenis or (
            DpaVersionJenis.MURNI.value if had is None else DpaVersionJenis.PERGESERAN.value
        )
        tanggal = info.tanggal or _default_date(jenis, tahun, had["last"] if had else None)
        if had is not None and jenis == DpaVersionJenis.MURNI.value and had["revised"]:
            errors.append(
                RowError(
                    None,
                    None,
                    _(
                        "%(tahun)d already has a DPPA or pergeseran: a DPA murni cannot follow "
                        "it (import the file as a pergeseran or DPPA)"
                    )
                    % {"tahun": tahun},
                )
            )
        if had is not None and tanggal < had["last"]:
            errors.append(
                RowError(
                    None,
                    "tanggal",
                    _(
                        "the date %(tanggal)s is before the latest DPA version of %(tahun)d "
                        "(%(last)s): versions are kept in order of date"
                    )
                    % {
                        "tanggal": f"{tanggal:%d-%m-%Y}",
                        "tahun": tahun,
                        "last": f"{had['last']:%d-%m-%Y}",
                    },
                )
            )
        planned.append(
            PlannedVersion(
                tahun=tahun,
                jenis=jenis,
                nomor=info.nomor.strip(),
                tanggal=tanggal,
                keterangan=info.keterangan.strip(),
                berkas=info.berkas,
            )
        )
    return planned


def _default_date(jenis: str, tahun: int, last: date | None) -> date:
    """A DPA murni takes effect on 1 January of its year; another document on the day it is
    imported. Never before the year's latest version (its order is kept)."""
    day = date(tahun, 1, 1) if jenis == DpaVersionJenis.MURNI.value else timezone.localdate()
    return max(day, last) if last else day


def record_versions(
    *,
    region: Region,
    planned: list[PlannedVersion],
    lines: Mapping[LineKey, PlannedLine],
    absent: Iterable[int],
) -> list[DpaVersion]:
    """Write the versions of the years whose lines the import created or changed, with a
    snapshot of every line of the file in those years and the sums of the DPA they leave in
    force. Runs inside the import's transaction, after its lines are written; three statements
    whatever the number of lines, none reading lines back. `absent` are the ids of the stored
    lines of the file's years that the file does not name (they are not in its versions)."""
    touched = {p.key[0] for p in lines.values() if p.action in ("create", "update")}
    wanted = [p for p in planned if p.tahun in touched]
    if not wanted:
        return []
    versions = DpaVersion.objects.bulk_create(
        [
            DpaVersion(
                region=region,
                tahun=p.tahun,
                jenis=p.jenis,
                nomor=p.nomor,
                tanggal=p.tanggal,
                keterangan=p.keterangan,
                berkas=p.berkas[:255],
            )
            for p in wanted
        ]
    )
    stored: list[int] = []  # the file's lines already there, and the pagu they had
    before: list[str | None] = []  # None: unchanged (the pagu is what it was)
    for p in lines.values():
        if p.existing is not None:
            stored.append(p.existing.pk)
            before.append(money_text(p.existing.values[0]) if p.action == "update" else None)
    with connection.cursor() as cursor:
        cursor.execute(
            _SNAPSHOT_SQL,
            {
                "versions": [v.pk for v in versions],
                "stored": stored,
                "before": before,
                "absent": list(absent),
            },
        )
    _sum_versions(region, versions)
    return versions


# Every line of the versions' years that the file names (all but the `absent` ones), as the
# import left it, with the pagu it had before.
_BEFORE = "CASE WHEN u.id IS NULL THEN NULL ELSE coalesce(u.pagu, l.pagu) END"
_SNAPSHOT_SQL = f"""
INSERT INTO budget_dpalineversion
    (region_id, version_id, line_id, pagu, kas_tw1, kas_tw2, kas_tw3, kas_tw4, pagu_sebelum, kelas)
SELECT l.region_id, v.id, l.id, l.pagu, l.kas_tw1, l.kas_tw2, l.kas_tw3, l.kas_tw4, {_BEFORE},
       {kelas_sql(_BEFORE, "l.pagu")}
FROM budget_dpaversion v
JOIN budget_dpaline l ON l.region_id = v.region_id AND l.tahun = v.tahun
LEFT JOIN unnest(%(stored)s::bigint[], %(before)s::numeric[]) AS u(id, pagu) ON u.id = l.id
WHERE v.id = ANY(%(versions)s) AND NOT l.id = ANY(%(absent)s::bigint[])
"""  # noqa: S608 (constants of this module only)


# The three-segment account as migration 0010's roll-up triggers cut it.
_SUM_TEMPLATE = """
INSERT INTO budget_dpaversionrollup
    (region_id, version_id, opd_id, jenis, akun3, n_lines, pagu, kas_tw1, kas_tw2, kas_tw3, kas_tw4)
SELECT l.region_id, v.id, l.opd_id, l.jenis,
       array_to_string((string_to_array(a.kode, '.'))[1:3], '.'),
       count(*), sum(l.pagu), sum(l.kas_tw1), sum(l.kas_tw2), sum(l.kas_tw3), sum(l.kas_tw4)
FROM budget_dpaversion v
JOIN budget_dpaline l ON l.region_id = v.region_id AND l.tahun = v.tahun
JOIN budget_account a ON a.id = l.account_id
WHERE {where}
GROUP BY l.region_id, v.id, l.opd_id, l.jenis, 5
"""
_SUM_SQL = _SUM_TEMPLATE.format(where="v.id = ANY(%s)")
_SUM_OPDS_SQL = _SUM_TEMPLATE.format(where="v.id = %s AND l.opd_id = ANY(%s)")


def _sum_versions(region: Region, versions: list[DpaVersion]) -> None:
    """The sums of the DPA each version leaves in force: the year's lines as they now are."""
    with connection.cursor() as cursor:
        cursor.execute(_SUM_SQL, [[v.pk for v in versions]])


# --- correcting, by hand ---------------------------------------------------------------------

# A line corrected by hand in the version in force: its snapshot follows the line, the pagu
# before stays the one the version was imported with (before the import), and the class is
# recomputed against it; a line the version's file did not name joins it with the pagu it had
# before the correction (none for a new line: baru).
_CORRECT_SQL = f"""
INSERT INTO budget_dpalineversion AS s
    (region_id, version_id, line_id, pagu, kas_tw1, kas_tw2, kas_tw3, kas_tw4, pagu_sebelum, kelas)
SELECT l.region_id, %(version)s, l.id, l.pagu, l.kas_tw1, l.kas_tw2, l.kas_tw3, l.kas_tw4,
       %(before)s::numeric, {kelas_sql("%(before)s::numeric", "l.pagu")}
FROM budget_dpaline l WHERE l.id = %(line)s
ON CONFLICT (region_id, version_id, line_id) DO UPDATE SET
    pagu = EXCLUDED.pagu, kas_tw1 = EXCLUDED.kas_tw1, kas_tw2 = EXCLUDED.kas_tw2,
    kas_tw3 = EXCLUDED.kas_tw3, kas_tw4 = EXCLUDED.kas_tw4,
    kelas = {kelas_sql("s.pagu_sebelum", "EXCLUDED.pagu")}
"""  # noqa: S608 (constants of this module only)


def latest_version(*, region_id: Any, tahun: int) -> DpaVersion | None:
    """The year's last version (the DPA in force from now on), None for a year without."""
    return (
        DpaVersion.objects.filter(region_id=region_id, tahun=tahun)
        .order_by("-tanggal", "-id")
        .first()
    )


def correct_in_force(
    *, version: DpaVersion, line: Any, before: Decimal | None, opd_ids: Iterable[int]
) -> None:
    """Carry a hand correction of `line` (saved just now, inside the transaction that saved
    it) into `version`, the DPA in force: the line's snapshot, and the version's sums of the
    OPDs the line was and is in (`opd_ids`), summed again from the lines as they now are.
    `before` is the line's pagu before the correction (None: a new line). Three statements.
    The versions before it keep what they were imported with."""
    opds = sorted(set(opd_ids))
    with connection.cursor() as cursor:
        cursor.execute(_CORRECT_SQL, {"version": version.pk, "line": line.pk, "before": before})
        cursor.execute(
            "DELETE FROM budget_dpaversionrollup WHERE version_id = %s AND opd_id = ANY(%s)",
            [version.pk, opds],
        )
        cursor.execute(_SUM_OPDS_SQL, [version.pk, opds])


def describe(planned: PlannedVersion) -> str:
    """One line of an import's summary."""
    text = _("%(jenis)s %(tahun)d in force from %(tanggal)s") % {
        "jenis": DpaVersionJenis(planned.jenis).label,
        "tahun": planned.tahun,
        "tanggal": f"{planned.tanggal:%d-%m-%Y}",
    }
    if planned.nomor:
        text += _(", number %(nomor)s") % {"nomor": planned.nomor}
    return text


# --- recall ---------------------------------------------------------------------------------


def quarter_start(tahun: int, triwulan: int) -> date:
    """The first day of a quarter: the day whose DPA gives the quarter's cash plan."""
    return date(tahun, 3 * (triwulan - 1) + 1, 1)


def in_force_on(*, region: Region, tahun: int, day: date) -> DpaVersion | None:
    """The version of the year in force on `day`: the last dated on or before it."""
    return (
        DpaVersion.objects.filter(region=region, tahun=tahun, tanggal__lte=day)
        .order_by("-tanggal", "-id")
        .first()
    )


def lines_in_force(
    *, region: Region, tahun: int, day: date, opd: Any = None
) -> QuerySet[DpaLineVersion]:
    """Each line's snapshot in force on `day`: the one of the latest version dated on or
    before it (DISTINCT ON, one query). A line no version had set by then is not in it; a line
    removed (pagu 0) is, with its zero."""
    rows = DpaLineVersion.objects.filter(
        region=region, version__tahun=tahun, version__tanggal__lte=day
    )
    if opd is not None:
        rows = rows.filter(line__opd=opd)
    return rows.order_by("line_id", "-version__tanggal", "-version_id").distinct("line_id")


def version_subquery(region_id: Any, tahun: int, day: date) -> Subquery:
    """The id of the version whose DPA gave the plan on `day`, for a query: the last dated on
    or before it, else the year's first (before its first version the DPA murni, once made,
    is the plan the year started with). NULL for a year without versions."""
    on_or_before = Q(tanggal__lte=day)
    rows = DpaVersion.objects.filter(region_id=region_id, tahun=tahun).order_by(
        Case(When(on_or_before, then=Value(0)), default=Value(1)),
        Case(When(on_or_before, then=F("tanggal"))).desc(nulls_last=True),
        Case(When(on_or_before, then=F("id"))).desc(nulls_last=True),
        "tanggal",
        "id",
    )
    return Subquery(rows.values("id")[:1])


def plan_at_quarter_start_sums(
    *, region_id: Any, tahun: int, only: Q | None = None
) -> dict[str, Any]:
    """Aggregates over `DpaVersionRollup` rows: kas{q}, the cash plan of quarter q in the DPA
    in force on the quarter's first day; and the filter that keeps only those versions' rows."""
    subs = {q: version_subquery(region_id, tahun, quarter_start(tahun, q)) for q in QUARTERS}
    return {
        f"kas{q}": Coalesce(
            Sum(f"kas_tw{q}", filter=Q(version_id=subs[q]) & (only or Q())),
            Value(ZERO),
            output_field=MONEY_FIELD,
        )
        for q in QUARTERS
    }


def rollups_at_quarter_starts(*, region_id: Any, tahun: int) -> QuerySet[DpaVersionRollup]:
    """The version sums of the (at most four) versions the quarters of a year began under."""
    subs = [version_subquery(region_id, tahun, quarter_start(tahun, q)) for q in QUARTERS]
    keep = Q()
    for sub in subs:
        keep |= Q(version_id=sub)
    return DpaVersionRollup.objects.filter(keep, region_id=region_id)


# --- reading, for pages ---------------------------------------------------------------------


def versions_of(*, region: Region, tahun: int, opd: Any = None) -> list[DpaVersion]:
    """The year's versions in order, each with the belanja pagu it leaves in force
    (`pagu_belanja`, the OPD's when one is given) and the lines it changed (`n_berubah`, not
    counting those it left as they were). One query."""
    sums = DpaVersionRollup.objects.filter(version=OuterRef("pk"), jenis=Jenis.BELANJA.value)
    changed = DpaLineVersion.objects.filter(version=OuterRef("pk")).exclude(
        kelas=PerubahanKelas.TETAP.value
    )
    if opd is not None:
        sums = sums.filter(opd=opd)
        changed = changed.filter(line__opd=opd)
    pagu = sums.order_by().values("version").annotate(s=Sum("pagu")).values("s")
    count = changed.order_by().values("version").annotate(n=Count("id")).values("n")
    return list(
        DpaVersion.objects.filter(region=region, tahun=tahun)
        .annotate(
            pagu_belanja=Coalesce(Subquery(pagu), Value(ZERO), output_field=MONEY_FIELD),
            n_berubah=Coalesce(Subquery(count), Value(0)),
        )
        .order_by("tanggal", "id")
    )


def changed_lines(
    *, region: Region, tahun: int, opd: Any = None, kelas: str = "", version: Any = None
) -> QuerySet[DpaLineVersion]:
    """The line snapshots of the year's versions after the first (what DPPA and pergeseran
    changed), with the line's codes; `kelas` empty means every class but tetap."""
    rows = DpaLineVersion.objects.filter(region=region, version__tahun=tahun).exclude(
        version__jenis=DpaVersionJenis.MURNI.value
    )
    if opd is not None:
        rows = rows.filter(line__opd=opd)
    if version is not None:
        rows = rows.filter(version=version)
    rows = rows.filter(kelas=kelas) if kelas else rows.exclude(kelas=PerubahanKelas.TETAP.value)
    return rows.select_related(
        "version", "line__opd", "line__sub_kegiatan", "line__account"
    ).order_by("version__tanggal", "version_id", "line__sub_kegiatan__kode", "line__account__kode")


def change_text(row: DpaLineVersion) -> str:
    """`Rp 1.000 → Rp 800` or `baru: Rp 800`: a change as one phrase."""
    if row.pagu_sebelum is None:
        return format_amount(row.pagu)
    return f"{format_amount(row.pagu_sebelum)} → {format_amount(row.pagu)}"
