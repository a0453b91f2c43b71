"""The demo region: Kabupaten Sukamaju, a fictional kabupaten to try the dashboard on.

Everything is built deterministically (string-seeded random generators, so the same numbers on
every machine and every run) as in-memory import tables, and loaded through the same importers
as a real DPA or realisasi file: the demo obeys every validation rule a real file must obey.

The nomenclature and the patterns are data, in `fixtures/demo/*.csv` (described in
`fixtures/README.md`); this module only turns them into lines, cash plans and realisasi.

The nomenclature is real: OPD, program, kegiatan and sub kegiatan codes and names follow
Permendagri 90/2019 as updated by Kepmendagri 050-5889/2021, and the kode rekening the same
chart of accounts. The amounts are invented but sized like a kabupaten APBD of about
Rp 2 triliun: teachers' salaries dominate Dinas Pendidikan, roads dominate Dinas PUPR, the
village transfers (ADD and Dana Desa) sit on BPKAD, and DAU carries most of the revenue.

The story the numbers tell:
- 2024 is closed: DPA murni, realisasi through TW IV.
- 2025 is closed: DPA murni, then a DPPA after the APBD-Perubahan, realisasi through TW IV.
- 2026 runs through TW III: the latest quarter with data is 2026 TW III. The two closed
  years teach the early-warning forecast (budget.kinerja) how each OPD spends.
- Quarterly reports were handed in a few days after each quarter, the laggards' often after
  the deadline of 10 days.
- Cash plans are back-loaded (most of the plan in TW III-IV) and so is the spending.
- Three OPDs lag (serapan well under 60% at the end of 2025): a failed tender season at
  Perkim, late technical guidance for DAK at Pertanian, and a TPA that was never built at DLH.
- One OPD (Disdukcapil) runs ahead of its own cash plan (capaian anggaran kas above 100%).
- Revenue may exceed its target; belanja never exceeds its pagu.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

import pghistory
from django.contrib.auth.models import Group, User
from django.db import transaction

from budget import roles, workflow
from budget.codes import JENIS_BY_AKUN, Jenis
from budget.importing.columns import FISIK_COLUMNS
from budget.importing.dpa import DPA_COLUMNS, DpaResult, import_dpa
from budget.importing.fisik import FisikResult, import_fisik
from budget.importing.reading import Table
from budget.importing.realisasi import REALISASI_COLUMNS, RealisasiResult, import_realisasi
from budget.kinerja import quarter_end
from budget.models import DpaLine, Opd, Profile, QuarterReport, Region, Upaya
from budget.versions import VersionInfo

if TYPE_CHECKING:
    from budget.selectors import AbsorptionRow

REGION_KODE = "9901"
REGION_NAMA = "Kabupaten Sukamaju"
DEMO_SIGNATORY = {
    "ttd_nama": "Dra. Sri Wahyuni, M.Si.",
    "ttd_nip": "19700101 199003 2 001",
    "ttd_jabatan": "Kepala Badan Pengelolaan Keuangan dan Aset Daerah",
    "ttd_tempat": "Sukamaju",
}
YEARS = (2024, 2025, 2026)
# The year the fixtures' amounts are sized for; the others grow from it or towards it.
BASE_YEAR = 2025
# The year revised by a DPPA after its APBD-Perubahan.
REVISED_YEAR = 2025
# The last quarter with realisasi in each year: 2024 and 2025 are closed, 2026 is in its
# fourth quarter.
REPORTED_THROUGH = {2024: 4, 2025: 4, 2026: 3}
# Quarterly reports are due this many days after the quarter (the region's default).
DEADLINE_DAYS = 10
# Not a secret: the demo accounts' password is part of the documented demo contract.
DEMO_PASSWORD = "demo12345"  # noqa: S105
SEED = "serapan-demo-v1"
JAKARTA = ZoneInfo("Asia/Jakarta")

GROUP_BPKAD = roles.GROUP_BPKAD
GROUP_KEPALA_DAERAH = roles.GROUP_KEPALA
GROUP_BENDAHARA = roles.GROUP_BENDAHARA

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
JUTA = 1_000_000  # the fixtures' amounts are in millions of rupiah
BPKAD_KODE = "5.02.0.00.0.00.01.0000"  # carries the SiLPA that balances the APBD
SILPA = ("6.1.01.01.01.0001", "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya")
URUSAN = "X.XX"  # in penunjang.csv: the OPD's urusan, the first two segments of its code


# --------------------------------------------------------------------------------------------
# The fixtures (fixtures/README.md describes every file and column)
# --------------------------------------------------------------------------------------------

Range = tuple[float, float]
Row = dict[str, str]
# The columns a DPA line takes from its sub kegiatan: kode_program … nama_sub_kegiatan.
SUB_COLUMNS = tuple(c for c in DPA_COLUMNS if c.endswith(("program", "kegiatan")))


@dataclass(frozen=True)
class Sub:
    """A sub kegiatan with its kegiatan and program, as a row of sub_kegiatan.csv."""

    kode_program: str
    nama_program: str
    kode_kegiatan: str
    nama_kegiatan: str
    kode_sub_kegiatan: str
    nama_sub_kegiatan: str
    mix: str  # how its money is spread over accounts (mixes.csv)
    juta: int  # its size in 2025, in millions of rupiah


@dataclass(frozen=True)
class Revenue:
    kode: str
    uraian: str
    juta: int
    kind: str  # its cash profile and collection pattern: pad, blud, dau, dbh, dak, …


@dataclass(frozen=True)
class OpdSpec:
    kode: str
    nama: str
    pace: str  # normal, laggard or ahead (of its own cash plan)
    subs: tuple[Sub, ...]  # the penunjang program first, then the OPD's own programs
    revenue: tuple[Revenue, ...]


@dataclass(frozen=True)
class DemoData:
    accounts: dict[str, str]  # kode rekening -> uraian
    mixes: dict[str, list[tuple[str, float]]]  # mix -> (kode rekening, share)
    opds: tuple[OpdSpec, ...]
    cash_profiles: dict[str, tuple[float, ...]]  # kind -> share of the plan in TW I-IV
    exact_profiles: frozenset[str]  # fixed by regulation (DAU monthly, SiLPA at the start)
    # (pace, kind) -> share of the pagu realised by the year end, and cumulative realisasi /
    # cumulative plan in TW I-III
    spending: dict[tuple[str, str], tuple[Range, tuple[Range, ...]]]
    revenue_final: dict[str, Range]  # kind -> share of the target collected by the year end
    kendala: dict[str, tuple[list[str], str]]  # kode_opd ("" for any other) -> choices, catatan
    # (account prefix, OPD prefix, sumber dana), the first match wins; revenue has none
    sumber_dana: tuple[tuple[str, str, str], ...]
    # kode_opd ("" for any other) -> physical minus financial progress of its sub kegiatan,
    # in points (fisik.csv)
    fisik: dict[str, Range]

    def sumber_dana_of(self, account: str, opd: str) -> str:
        for account_prefix, opd_prefix, source in self.sumber_dana:
            if account.startswith(account_prefix) and opd.startswith(opd_prefix):
                return source
        return ""


class FixtureError(ValueError):
    pass


def _read(name: str) -> list[Row]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _yes(row: Row, column: str) -> bool:
    if row[column] not in ("yes", "no"):
        raise FixtureError(f"{column}: expected yes or no, got {row[column]!r}")
    return row[column] == "yes"


def _range(row: Row, prefix: str) -> Range:
    return (float(row[f"{prefix}_min"]), float(row[f"{prefix}_max"]))


def _sub(row: Row, juta: int, urusan: str = URUSAN) -> Sub:
    cells = {
        c: row[c].replace(URUSAN, urusan, 1) if c[:4] == "kode" else row[c] for c in SUB_COLUMNS
    }
    sub = Sub(**cells, mix=row["mix"], juta=juta)
    program, kegiatan = sub.kode_program, sub.kode_kegiatan
    if not (
        kegiatan.startswith(f"{program}.") and sub.kode_sub_kegiatan.startswith(f"{kegiatan}.")
    ):
        raise FixtureError(f"sub kegiatan {sub.kode_sub_kegiatan}: its codes do not nest")
    return sub


def _penunjang(opd: Row, template: list[Row]) -> list[Sub]:
    """The X.XX.01 program every OPD carries, sized from its salaries and operating budget."""
    subs = []
    for row in template:
        if _yes(row, "capex_only") and not _yes(opd, "capex"):
            continue
        share = row["share_of_operasional"]  # empty for salaries, sized by gaji_juta
        ops = int(opd["operasional_juta"])
        juta = max(25, round(ops * float(share))) if share else int(opd["gaji_juta"])
        subs.append(_sub(row, juta, urusan=opd["kode_opd"][:4]))
    return subs


def _group(pairs: Iterable[tuple[str, object]]) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for key, item in pairs:
        grouped.setdefault(key, []).append(item)
    return grouped


@cache
def demo_data() -> DemoData:
    """The fixtures, read and checked once per process."""
    accounts = {r["kode_rekening"]: r["uraian"] for r in _read("accounts.csv")}
    mixes = _group((r["mix"], (r["kode_rekening"], float(r["share"]))) for r in _read("mixes.csv"))
    cash = {r["kind"]: r for r in _read("cash_profiles.csv")}
    template = _read("penunjang.csv")
    own = _group((r["kode_opd"], _sub(r, int(r["pagu_juta"]))) for r in _read("sub_kegiatan.csv"))
    revenue = _group(
        (r["kode_opd"], Revenue(r["kode_rekening"], r["uraian"], int(r["target_juta"]), r["kind"]))
        for r in _read("pendapatan.csv")
    )
    opds = []
    for r in _read("opd.csv"):
        # The template's penunjang sub kegiatan, then those of sub_kegiatan.csv (a BLUD's), then
        # the OPD's own programs.
        subs = sorted(
            own.pop(r["kode_opd"], []), key=lambda s: s.kode_program != f"{r['kode_opd'][:4]}.01"
        )
        subs[:0] = _penunjang(r, template)
        incomes = tuple(revenue.pop(r["kode_opd"], ()))
        if (
            unknown := {s.mix for s in subs} - mixes.keys()
            | {x.kind for x in incomes} - cash.keys()
        ):
            raise FixtureError(f"{r['kode_opd']}: no such mix or kind: {sorted(unknown)}")
        opds.append(OpdSpec(r["kode_opd"], r["nama_opd"], r["pace"], tuple(subs), incomes))
    if own or revenue:
        raise FixtureError(f"OPDs not in opd.csv: {sorted({*own, *revenue})}")
    if unknown := {a for parts in mixes.values() for a, _share in parts} - accounts.keys():
        raise FixtureError(f"mixes.csv: accounts not in accounts.csv: {sorted(unknown)}")
    return DemoData(
        accounts=accounts,
        mixes=mixes,
        opds=tuple(opds),
        cash_profiles={k: tuple(float(r[f"share_tw{q}"]) for q in "1234") for k, r in cash.items()},
        exact_profiles=frozenset(k for k, r in cash.items() if _yes(r, "exact")),
        spending={
            (r["pace"], r["kind"]): (_range(r, "final"), tuple(_range(r, f"tw{q}") for q in "123"))
            for r in _read("spending.csv")
        },
        revenue_final={r["kind"]: _range(r, "final") for r in _read("revenue_collection.csv")},
        kendala={r["kode_opd"]: (r["kendala"].split(), r["catatan"]) for r in _read("kendala.csv")},
        sumber_dana=tuple(
            (r["awalan_rekening"], r["awalan_opd"], r["sumber_dana"])
            for r in _read("sumber_dana.csv")
        ),
        fisik={r["kode_opd"]: _range(r, "selisih") for r in _read("fisik.csv")},
    )


# --------------------------------------------------------------------------------------------
# Building the lines: pagu, cash plan and realisasi
# --------------------------------------------------------------------------------------------


@dataclass
class Line:
    tahun: int
    opd: OpdSpec
    account: str
    uraian: str
    kind: str  # pegawai, barjas, modal, btt, transfer, or a revenue kind
    pagu: int
    kas: list[int]
    sub: Sub | None = None

    @property
    def jenis(self) -> Jenis:
        return JENIS_BY_AKUN[self.account[0]]

    @property
    def sub_kode(self) -> str:
        return self.sub.kode_sub_kegiatan if self.sub else ""

    @property
    def key(self) -> str:
        return f"{self.tahun}:{self.opd.kode}:{self.sub_kode}:{self.account}"


def _belanja_kind(account: str) -> str:
    prefixes = (("5.1.01", "pegawai"), ("5.1", "barjas"), ("5.2", "modal"), ("5.3", "btt"))
    return next((kind for prefix, kind in prefixes if account.startswith(prefix)), "transfer")


def _rng(*parts: object) -> Random:
    # A str seed is hashed with SHA-512: the same sequence on every machine and Python run.
    # Deterministic demo data, not cryptography: a seeded generator is the point.
    return Random(":".join([SEED, *map(str, parts)]))  # noqa: S311


def _thousands(amount: float) -> int:
    """A DPA amount: whole rupiah, rounded to a thousand as budgets are written."""
    return max(1, round(amount / 1000)) * 1000


def _cash_plan(pagu: int, kind: str, rng: Random | None) -> list[int]:
    """Four quarters adding up exactly to the pagu, in thousands of rupiah."""
    data = demo_data()
    profile = data.cash_profiles[kind]
    if rng is not None and kind not in data.exact_profiles:
        noisy = [s * rng.uniform(0.85, 1.15) for s in profile]
        total = sum(noisy)
        profile = tuple(s / total for s in noisy)
    units = pagu // 1000
    first = [int(units * s) for s in profile[:3]]
    return [u * 1000 for u in first] + [(units - sum(first)) * 1000]


def _growth(tahun: int, what: str, rng: Random) -> float:
    """The size of a budget item in `tahun` against BASE_YEAR's: a year's growth after it,
    the inverse before it."""
    if tahun == BASE_YEAR:
        return 1.0
    if what == "gaji":
        g = rng.uniform(1.03, 1.06)  # periodic raises and new PPPK
    elif what == "dau":
        g = 1.03
    else:
        g = rng.uniform(0.93, 1.10)
    return g if tahun > BASE_YEAR else 1 / g


def _lines_for_year(tahun: int) -> list[Line]:
    data = demo_data()
    lines: list[Line] = []
    for opd in data.opds:
        for sub in opd.subs:
            nomor = sub.kode_sub_kegiatan.rsplit(".", 1)[1]
            rng = _rng(tahun, opd.kode, sub.kode_kegiatan, nomor)
            amount = sub.juta * JUTA * _growth(tahun, sub.mix, rng)
            amount *= rng.uniform(0.92, 1.08)
            for account, share in data.mixes[sub.mix]:
                pagu = _thousands(amount * share * rng.uniform(0.9, 1.1))
                kind = _belanja_kind(account)
                kas = _cash_plan(pagu, kind, rng)
                lines.append(
                    Line(tahun, opd, account, data.accounts[account], kind, pagu, kas, sub)
                )
        for rev in opd.revenue:
            rng = _rng(tahun, opd.kode, rev.kode)
            pagu = _thousands(rev.juta * JUTA * _growth(tahun, rev.kind, rng))
            kas = _cash_plan(pagu, rev.kind, rng)
            lines.append(Line(tahun, opd, rev.kode, rev.uraian, rev.kind, pagu, kas))
    lines.append(_silpa(tahun, lines))
    return lines


def _silpa(tahun: int, lines: list[Line]) -> Line:
    """The financing line that balances the APBD: belanja minus pendapatan, funded by SiLPA."""
    belanja = sum(x.pagu for x in lines if x.jenis == Jenis.BELANJA)
    pendapatan = sum(x.pagu for x in lines if x.jenis == Jenis.PENDAPATAN)
    pagu = _thousands(max(belanja - pendapatan, 25_000 * JUTA))
    bpkad = next(o for o in demo_data().opds if o.kode == BPKAD_KODE)
    return Line(tahun, bpkad, SILPA[0], SILPA[1], "silpa", pagu, _cash_plan(pagu, "silpa", None))


def _perubahan(lines: list[Line]) -> list[Line]:
    """The DPPA after the APBD-Perubahan: some goods and capital lines move, TW I-II stay.

    The quarters already past keep their cash plan; the change goes into TW III and IV.
    """
    revised = []
    for line in lines:
        rng = _rng("dppa", line.key)
        new = replace(line, kas=list(line.kas))
        if line.kind in {"barjas", "modal", "pad"} and rng.random() < 0.15:
            delta = _thousands(line.pagu * rng.uniform(0.05, 0.2))
            if rng.random() < 0.5:
                # A cut takes at most 80% of what is still planned for TW III-IV.
                max_cut = (line.kas[2] + line.kas[3]) * 8 // 10 // 1000 * 1000
                delta = -min(delta, max_cut)
            new.pagu = line.pagu + delta
            if delta >= 0:
                add3 = delta * 4 // 10 // 1000 * 1000
                new.kas[2] += add3
                new.kas[3] += delta - add3
            else:
                cut4 = min(new.kas[3], -delta)
                new.kas[3] -= cut4
                new.kas[2] -= -delta - cut4
        revised.append(new)
    # The SiLPA is revised too, so that the APBD-Perubahan still balances.
    if revised[-1].kind != "silpa":
        raise ValueError(f"the last DPA line should be the SiLPA, not {revised[-1].kind!r}")
    revised[-1] = _silpa(lines[0].tahun, revised[:-1])
    return revised


def _diligence(line: Line) -> float:
    """How well an OPD executes its non-salary budget this year: the same for all its lines."""
    return _rng("diligence", line.tahun, line.opd.kode).uniform(0.88, 1.03)


def _realised(line: Line) -> list[int]:
    """Realisasi within each quarter (whole rupiah). Belanja never goes above its pagu."""
    data = demo_data()
    rng = _rng("realisasi", line.key)
    cum_kas = [sum(line.kas[: q + 1]) for q in range(4)]
    if line.jenis == Jenis.BELANJA:
        pace = line.opd.pace if (line.opd.pace, line.kind) in data.spending else "normal"
        (low, high), paces = data.spending[pace, line.kind]
        final = line.pagu * rng.uniform(low, high)
        if pace == "normal" and line.kind != "pegawai":
            final = min(final * _diligence(line), line.pagu * 0.995)
        if pace == "normal" and line.kind == "modal" and rng.random() < 0.08:
            final = line.pagu * rng.uniform(0.45, 0.7)  # a package whose tender failed once
        factors = [rng.uniform(*r) for r in paces]
        cum = [min(int(cum_kas[q] * factors[q]), int(final)) for q in range(3)]
        cum.append(int(final))
    else:
        low, high = data.revenue_final[line.kind]
        final = int(line.pagu * rng.uniform(low, high))
        if line.kind in data.exact_profiles:
            cum = [cum_kas[q] for q in range(3)] + [final]
        else:
            cum = [int(cum_kas[q] * rng.uniform(0.85, 1.12)) for q in range(3)] + [final]
    for q in range(1, 4):
        cum[q] = max(cum[q], cum[q - 1])
    if line.jenis == Jenis.BELANJA and cum[3] > line.pagu:
        # Only a spending range above 1.0 in the fixtures can take belanja past its pagu.
        raise FixtureError(f"{line.key}: realisasi {cum[3]} is above its pagu {line.pagu}")
    return [cum[0]] + [cum[q] - cum[q - 1] for q in range(1, 4)]


# --------------------------------------------------------------------------------------------
# Import tables
# --------------------------------------------------------------------------------------------


@dataclass
class DpaStage:
    label: str
    tahun: int
    table: Table
    # The murni DPA is loaded once: once its DPPA is in, re-importing it would revise back.
    only_into_empty_year: bool = False
    versi: VersionInfo | None = None  # the document (budget.versions): kind, number, date


@dataclass
class DemoTables:
    dpa: list[DpaStage]
    realisasi: Table
    lines: dict[int, list[Line]]  # the final DPA of each year
    fisik: Table


def _dpa_table(lines: Iterable[Line]) -> Table:
    data = demo_data()
    columns = [*DPA_COLUMNS, "sumber_dana"]
    rows = []
    for n, line in enumerate(lines, start=2):
        cells = dict.fromkeys(columns, "")
        cells.update(
            tahun=str(line.tahun),
            kode_opd=line.opd.kode,
            nama_opd=line.opd.nama,
            kode_rekening=line.account,
            uraian=line.uraian,
            pagu=str(line.pagu),
            sumber_dana=data.sumber_dana_of(line.account, line.opd.kode),
            **{f"kas_tw{q + 1}": str(k) for q, k in enumerate(line.kas)},
        )
        if line.sub is not None:
            cells.update({c: getattr(line.sub, c) for c in SUB_COLUMNS})
        rows.append((n, cells))
    return Table(columns=columns, rows=rows)


def _realisasi_table(lines_by_year: dict[int, list[Line]]) -> Table:
    cells = (
        {
            "tahun": str(tahun),
            "triwulan": str(q),
            "kode_opd": line.opd.kode,
            "kode_sub_kegiatan": line.sub_kode,
            "kode_rekening": line.account,
            "realisasi": str(amount),
        }
        for tahun, lines in lines_by_year.items()
        for line in lines
        for q, amount in enumerate(_realised(line)[: REPORTED_THROUGH[tahun]], start=1)
    )
    return Table(columns=list(REALISASI_COLUMNS), rows=list(enumerate(cells, start=2)))


def _murni(tahun: int) -> VersionInfo:
    """The DPA murni of a demo year: signed in December, in force from 1 January."""
    return VersionInfo(
        jenis="murni",
        nomor=f"DPA/{tahun}/BPKAD-SKM/001",
        tanggal=date(tahun, 1, 1),
        keterangan="Perda APBD Kabupaten Sukamaju",
    )


# The APBD-Perubahan of the revised year, adopted at the end of September: TW I-III began
# under the DPA murni, TW IV under the DPPA.
DPPA = {
    REVISED_YEAR: VersionInfo(
        jenis="perubahan",
        nomor=f"DPPA/{REVISED_YEAR}/BPKAD-SKM/014",
        tanggal=date(REVISED_YEAR, 9, 29),
        keterangan="Perda Perubahan APBD Kabupaten Sukamaju",
    )
}


def _fisik_table(lines_by_year: dict[int, list[Line]]) -> Table:
    """Each sub kegiatan's physical progress at the end of each quarter reported: its serapan
    moved by the OPD's gap of fisik.csv (work ahead of the bills at PUPR, paid ahead of the
    work at Disdukcapil), within 0-100 and never falling."""
    data = demo_data()
    subs: dict[tuple[int, str, str], list[list[int]]] = {}
    pagu: dict[tuple[int, str, str], int] = {}
    for tahun, lines in lines_by_year.items():
        for line in lines:
            if line.jenis != Jenis.BELANJA or line.sub is None:
                continue
            key = (tahun, line.opd.kode, line.sub_kode)
            subs.setdefault(key, []).append(_realised(line))
            pagu[key] = pagu.get(key, 0) + line.pagu
    cells = []
    for (tahun, opd, sub), realised in subs.items():
        low, high = data.fisik.get(opd, data.fisik[""])
        rng = _rng("fisik", tahun, opd, sub)
        spent, done = 0, 0.0
        for q in range(REPORTED_THROUGH[tahun]):
            spent += sum(r[q] for r in realised)
            serapan = 100 * spent / pagu[(tahun, opd, sub)] if pagu[(tahun, opd, sub)] else 0
            done = max(done, min(100.0, max(0.0, serapan + rng.uniform(low, high))))
            cells.append(
                {
                    "tahun": str(tahun),
                    "triwulan": str(q + 1),
                    "kode_opd": opd,
                    "kode_sub_kegiatan": sub,
                    "fisik_persen": f"{done:.2f}",
                }
            )
    return Table(columns=list(FISIK_COLUMNS), rows=list(enumerate(cells, start=2)))


def build_demo() -> DemoTables:
    """The demo region as import tables; no database access."""
    murni = {tahun: _lines_for_year(tahun) for tahun in YEARS}
    final = {t: _perubahan(murni[t]) if t == REVISED_YEAR else murni[t] for t in YEARS}
    stages = []
    for t in YEARS:
        if t == REVISED_YEAR:
            stages.append(
                DpaStage(
                    f"DPA {t}",
                    t,
                    _dpa_table(murni[t]),
                    only_into_empty_year=True,
                    versi=_murni(t),
                )
            )
            stages.append(DpaStage(f"DPPA {t}", t, _dpa_table(final[t]), versi=DPPA[t]))
        else:
            stages.append(DpaStage(f"DPA {t}", t, _dpa_table(murni[t]), versi=_murni(t)))
    return DemoTables(
        dpa=stages, realisasi=_realisasi_table(final), lines=final, fisik=_fisik_table(final)
    )


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    group: str
    is_staff: bool = False
    is_superuser: bool = False
    opd_index: int | None = None  # treasurer of the n-th OPD of the region by code


DEMO_USERS = (
    DemoUser("bpkad", "Verifikator", "BPKAD", GROUP_BPKAD, is_staff=True, is_superuser=True),
    DemoUser("kepala", "Bupati", "Sukamaju", GROUP_KEPALA_DAERAH),
    DemoUser("bendahara1", "Bendahara", "Pengeluaran OPD 1", GROUP_BENDAHARA, opd_index=0),
    DemoUser("bendahara2", "Bendahara", "Pengeluaran OPD 2", GROUP_BENDAHARA, opd_index=1),
)


@dataclass
class DemoResult:
    region: Region
    dpa: list[tuple[str, DpaResult | None]]  # None: a murni DPA already superseded, skipped
    realisasi: RealisasiResult
    users: dict[str, str]  # username -> created | updated | unchanged
    fisik: FisikResult | None = None
    reports: int = 0  # quarterly reports taken through the workflow by this run
    upaya: int = 0  # remedial actions recorded by this run

    @property
    def changed(self) -> bool:
        dpa = any(r and (r.lines.created or r.lines.updated) for _label, r in self.dpa)
        real = self.realisasi.counts.created or self.realisasi.counts.updated
        if self.fisik is not None:
            real = real or self.fisik.counts.created or self.fisik.counts.updated
        users = any(s != "unchanged" for s in self.users.values())
        return bool(dpa or real or users or self.reports or self.upaya)


def seed_demo() -> DemoResult:
    """Load (or re-load, changing nothing) the demo region, all or nothing."""
    tables = build_demo()
    with transaction.atomic():
        dpa_results: list[tuple[str, DpaResult | None]] = []
        for stage in tables.dpa:
            if (
                stage.only_into_empty_year
                and DpaLine.objects.filter(region__kode=REGION_KODE, tahun=stage.tahun).exists()
            ):
                dpa_results.append((stage.label, None))
                continue
            result = import_dpa(
                table=stage.table,
                region_kode=REGION_KODE,
                region_nama=REGION_NAMA,
                versi=stage.versi,
            )
            dpa_results.append((stage.label, result))
        realisasi = import_realisasi(table=tables.realisasi, region_kode=REGION_KODE)
        fisik = import_fisik(table=tables.fisik, region_kode=REGION_KODE)
        region = Region.objects.get(kode=REGION_KODE)
        if not region.ttd_nama:  # the signatory BPKAD would set in the admin, once
            for name, value in DEMO_SIGNATORY.items():
                setattr(region, name, value)
            region.save(update_fields=list(DEMO_SIGNATORY))
        users = ensure_demo_users(region=region)
        with pghistory.context(command="seed_demo"):
            reports = seed_reports(region=region)
            upaya = seed_upaya(region=region)
    return DemoResult(
        region=region,
        dpa=dpa_results,
        realisasi=realisasi,
        fisik=fisik,
        users=users,
        reports=reports,
        upaya=upaya,
    )


def ensure_demo_users(*, region: Region) -> dict[str, str]:
    """The four demo users with their groups and profiles; updated in place, never duplicated.

    The password is set when a user is created (or has none usable), so that re-running the
    demo does not rewrite password hashes.
    """
    opds = list(Opd.objects.filter(region=region).order_by("kode")[:2])
    statuses = {}
    for spec in DEMO_USERS:
        group, _created = Group.objects.get_or_create(name=spec.group)
        user, created = User.objects.get_or_create(username=spec.username)
        changed = created
        wanted = {
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "is_staff": spec.is_staff,
            "is_superuser": spec.is_superuser,
            "is_active": True,
        }
        for attr, value in wanted.items():
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                changed = True
        if created or not user.password or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            changed = True
        if changed:
            user.save()
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed = True
        opd = opds[spec.opd_index] if spec.opd_index is not None else None
        profile = Profile.objects.filter(user=user).first()
        if profile is None:
            Profile.objects.create(user=user, region=region, opd=opd)
            changed = True
        elif profile.region_id != region.pk or profile.opd_id != (opd.pk if opd else None):
            profile.region, profile.opd = region, opd
            profile.save(update_fields=["region", "opd"])
            changed = True
        statuses[spec.username] = "created" if created else "updated" if changed else "unchanged"
    return statuses


class _ReportKey(TypedDict):
    """The arguments that name one quarterly report in the workflow's services."""

    opd: Opd
    tahun: int
    triwulan: int


def seed_reports(*, region: Region) -> int:
    """Take the demo's quarters through the workflow, with its services and rules, dated when
    they were handed in (`submission_time`): 2024, 2025 and 2026 TW I-II verified; 2026
    TW III submitted by most OPDs, a few still drafts, one returned by BPKAD. Done once:
    nothing happens when the region already has reports."""
    # Imports leave draft reports behind them; the workflow has run once anything moved on.
    moved = QuarterReport.objects.filter(region=region).exclude(status=QuarterReport.Status.DRAFT)
    if moved.exists():
        return 0
    bpkad = roles.actor_for(User.objects.get(username="bpkad"))
    treasurers = {
        a.opd_id: a
        for a in (
            roles.actor_for(User.objects.get(username=name))
            for name in ("bendahara1", "bendahara2")
        )
    }
    opds = list(Opd.objects.filter(region=region).order_by("kode"))
    # Why an OPD behind its cash plan lags (kendala.csv): the laggards' own reasons, the
    # procurement row ("") for any other.
    kendala_by_opd = demo_data().kendala
    count = 0
    for tahun, through in REPORTED_THROUGH.items():
        for triwulan in range(1, through + 1):
            behind_opds = {
                row.kode for row in absorption_for_demo(region, tahun, triwulan) if row.behind_plan
            }
            for index, opd in enumerate(opds):
                who = treasurers.get(opd.pk, bpkad)
                common: _ReportKey = {"opd": opd, "tahun": tahun, "triwulan": triwulan}
                kendala, catatan = (
                    kendala_by_opd.get(opd.kode, kendala_by_opd[""])
                    if opd.kode in behind_opds
                    else ([], "")
                )
                existing = workflow.report_get(**common)
                saved = workflow.realisasi_save(
                    actor=who,
                    **common,
                    amounts={},
                    version=existing.version if existing else 0,
                    kendala=kendala,
                    kendala_catatan=catatan,
                )
                version = saved.version
                last_quarter = (tahun, triwulan) == (2026, 3)
                if last_quarter and index % 5 == 4:
                    count += 1
                    continue  # still a draft: not handed in yet
                handed_in = submission_time(opd, tahun, triwulan)
                with workflow.clock(handed_in):
                    report = workflow.report_submit(actor=who, **common, version=version)
                with workflow.clock(handed_in + timedelta(days=3)):
                    if last_quarter and opd.pk in treasurers and index == 1:
                        workflow.report_return(
                            actor=bpkad,
                            **common,
                            version=report.version,
                            reason="Realisasi belanja pegawai belum sesuai SP2D; mohon diperiksa.",
                        )
                    elif not last_quarter:
                        workflow.report_verify(actor=bpkad, **common, version=report.version)
                count += 1
    return count


def seed_upaya(*, region: Region) -> int:
    """The remedial actions BPKAD followed up in 2026 (fixtures/demo/upaya.csv), once."""
    if Upaya.objects.filter(region=region).exists():
        return 0
    opds = {o.kode: o for o in Opd.objects.filter(region=region)}
    rows = [
        Upaya(
            region=region,
            opd=opds[r["kode_opd"]],
            tahun=int(r["tahun"]),
            triwulan=int(r["triwulan"]),
            kendala=r["kendala"],
            tindakan=r["tindakan"],
            penanggung_jawab=r["penanggung_jawab"],
            batas_waktu=date.fromisoformat(r["batas_waktu"]),
            status=r["status"],
            catatan=r["catatan"],
        )
        for r in _read("upaya.csv")
    ]
    for upaya in rows:
        upaya.full_clean()
    Upaya.objects.bulk_create(rows)
    return len(rows)


def submission_time(opd: Opd, tahun: int, triwulan: int) -> datetime:
    """When an OPD handed a quarter in: most within a few days of the quarter's end, the
    laggards often after the deadline (DEADLINE_DAYS), a few others now and then."""
    rng = _rng("submitted", opd.kode, tahun, triwulan)
    spec = next((o for o in demo_data().opds if o.kode == opd.kode), None)
    late = rng.random() < (0.6 if spec is not None and spec.pace == "laggard" else 0.08)
    days = rng.randint(DEADLINE_DAYS + 2, DEADLINE_DAYS + 25) if late else rng.randint(2, 9)
    day = quarter_end(tahun, triwulan) + timedelta(days=days)
    return datetime.combine(day, time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=JAKARTA)


def absorption_for_demo(region: Region, tahun: int, triwulan: int) -> "list[AbsorptionRow]":
    from budget.selectors import absorption

    return absorption(
        region=region, tahun=tahun, triwulan=triwulan, level="opd", jenis=Jenis.BELANJA.value
    )
