"""A synthetic but realistic region in the contract's file format: Permendagri 90 codes, a
skewed pagu (log-uniform from a few million to a few billion rupiah per line), a cash plan that
leans on the second half of the year, laggard lines, komponen rows that the import adds up,
revenue and financing lines, fund sources by account, and four quarters of realisasi. The same
seed gives the same files, byte for byte. `generate_region` writes it for anyone; the benchmark
(scripts/benchmark.py) draws its province from it.

Amounts are drawn as whole cents (int) and written as the text an officer's file would hold
(plain, with sen, or `Rp 1.234.567,00`); nothing here is float money.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

TAHUN = 2025  # the benchmark's year


@dataclass
class Line:
    kode_opd: str
    kode_sub: str  # "" for revenue and financing
    kode_rekening: str
    jenis: str
    kas: list[int]  # cents per quarter
    tahun: int = TAHUN

    @property
    def pagu(self) -> int:
        return sum(self.kas)


@dataclass
class Province:
    dpa_rows: list[dict[str, str]]  # cells by column name
    lines: list[Line]
    opds: list[tuple[str, str, int]]  # kode, nama, number of lines
    files: dict[str, Path] = field(default_factory=dict)
    realisasi_rows: int = 0


OPD_NAMES = [
    "Dinas Pendidikan",
    "Dinas Kesehatan",
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Perumahan Rakyat dan Kawasan Permukiman",
    "Satuan Polisi Pamong Praja",
    "Dinas Sosial",
    "Dinas Tenaga Kerja dan Transmigrasi",
    "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
    "Dinas Ketahanan Pangan",
    "Dinas Lingkungan Hidup",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Dinas Pemberdayaan Masyarakat dan Desa",
    "Dinas Perhubungan",
    "Dinas Komunikasi dan Informatika",
    "Dinas Koperasi dan Usaha Kecil Menengah",
    "Dinas Penanaman Modal dan PTSP",
    "Dinas Kepemudaan dan Olahraga",
    "Dinas Kebudayaan",
    "Dinas Perpustakaan dan Kearsipan",
    "Dinas Kelautan dan Perikanan",
    "Dinas Pariwisata",
    "Dinas Pertanian dan Perkebunan",
    "Dinas Kehutanan",
    "Dinas Energi dan Sumber Daya Mineral",
    "Dinas Perindustrian dan Perdagangan",
    "Badan Perencanaan Pembangunan Daerah",
    "Badan Pengelolaan Keuangan dan Aset Daerah",
    "Badan Pendapatan Daerah",
    "Badan Kepegawaian Daerah",
    "Inspektorat Daerah",
]

# (prefix of objek level, number of objek, rincian per objek, sub rincian per rincian)
BELANJA_CHART = [
    ("5.1.01", 3, 3, 4),  # pegawai
    ("5.1.02", 4, 6, 8),  # barang dan jasa
    ("5.1.05", 2, 2, 3),  # hibah
    ("5.1.06", 1, 2, 3),  # bantuan sosial
    ("5.2.02", 5, 4, 4),  # modal peralatan dan mesin
    ("5.2.03", 2, 3, 3),  # modal gedung dan bangunan
    ("5.2.04", 3, 3, 3),  # modal jalan, jaringan, irigasi
    ("5.2.05", 1, 2, 2),  # modal aset tetap lainnya
    ("5.4.02", 1, 2, 2),  # bantuan keuangan
]
PENDAPATAN_CODES = [
    "4.1.01.01.01.0001",
    "4.1.01.02.01.0001",
    "4.1.02.01.01.0001",
    "4.1.02.02.01.0002",
    "4.1.04.16.01.0001",
]
TRANSFER_CODES = ["4.2.01.01.01.0001", "4.2.01.01.02.0001", "4.2.01.02.01.0001"]
PEMBIAYAAN_CODES = ["6.1.01.01.01.0001", "6.2.02.01.01.0001"]


# Fund sources of a province's belanja by account prefix (value, weight): pegawai mostly from
# DAU, barang dan jasa from PAD and DAU with some DAK Non Fisik (BOS, BOK), modal with DAK Fisik
# and a little borrowing. Revenue and financing lines name none.
SUMBER_DANA = [
    ("5.1.01", [("DAU", 85), ("PAD", 15)]),
    (
        "5.1.02",
        [("PAD", 45), ("DAU", 35), ("DAK Non Fisik", 12), ("DBH", 6), ("Lainnya", 2)],
    ),
    ("5.2", [("DAU", 35), ("PAD", 25), ("DAK Fisik", 25), ("DBH", 10), ("Pinjaman", 5)]),
    ("5", [("PAD", 55), ("DAU", 40), ("DBH", 5)]),
]


def sumber_dana(kode_rekening: str, rng: random.Random) -> str:
    for prefix, weights in SUMBER_DANA:
        if kode_rekening.startswith(prefix):
            values, shares = zip(*weights, strict=True)
            return rng.choices(values, shares)[0]
    return ""


def import_columns():
    """The DPA (cash plan by quarter, with the optional columns) and realisasi columns, from
    the importers' table (after setup_django)."""
    from budget.importing import columns

    return (
        columns.columns(columns.DPA, plan="triwulan", optional=True),
        columns.columns(columns.REALISASI),
    )


def account_pool() -> list[str]:
    pool = []
    for prefix, objek, rincian, sub in BELANJA_CHART:
        for o in range(1, objek + 1):
            for r in range(1, rincian + 1):
                for s in range(1, sub + 1):
                    pool.append(f"{prefix}.{o:02d}.{r:02d}.{s:04d}")
    return pool


def money_text(cents: int, rng: random.Random) -> str:
    """Mostly plain numbers, some with sen, some as Indonesian text (Rp 1.234.567,00)."""
    whole, sen = divmod(cents, 100)
    pick = rng.random()
    if pick < 0.05:
        return "Rp " + f"{whole:,}".replace(",", ".") + f",{sen:02d}"
    if sen or pick < 0.10:
        return f"{whole}.{sen:02d}"
    return str(whole)


def split_cash_plan(pagu_cents: int, rng: random.Random) -> list[int]:
    """Quarterly cash plan adding up to the pagu; most of it late in the year."""
    weights = [rng.uniform(0.05, 0.2), rng.uniform(0.15, 0.3), rng.uniform(0.2, 0.3)]
    kas = [int(pagu_cents * w) // 100 * 100 for w in weights]
    kas.append(pagu_cents - sum(kas))
    return kas


def generate_province(
    opds: int,
    lines_per_opd: int | list[int],
    accounts_per_sub: int,
    seed: int | str,
    *,
    tahun: int = TAHUN,
) -> tuple[Province, random.Random]:
    """The DPA of `opds` OPDs for one year. `lines_per_opd` is either every OPD's number of
    belanja lines (revenue and financing lines come on top, as the benchmark has always drawn
    them) or each OPD's whole number of lines, revenue included. The same arguments give the
    same province; the returned generator then draws its realisasi."""
    # Synthetic data reproducible from the seed; nothing secret is drawn.
    rng = random.Random(seed)  # noqa: S311 (deterministic test data, not cryptography)
    # Its own stream, so that the rest of the province is what it was before the column came.
    dana_rng = random.Random(f"sumber_dana-{seed}")  # noqa: S311 (as above)
    pool = account_pool()
    accounts_per_sub = min(accounts_per_sub, len(pool))
    rows: list[dict[str, str]] = []
    lines: list[Line] = []
    opd_list = []
    for i in range(opds):
        urusan, bidang, kode_opd, nama_opd = opd_identity(i)
        opd = OpdDraw(
            rng, dana_rng, rows, lines, {"kode_opd": kode_opd, "nama_opd": nama_opd}, tahun
        )
        if isinstance(lines_per_opd, int):
            opd.belanja(urusan, bidang, lines_per_opd, accounts_per_sub, pool)
            opd.revenue(i)
        else:
            revenue = revenue_codes(i)[: max(0, lines_per_opd[i] - 1)]
            opd.belanja(urusan, bidang, lines_per_opd[i] - len(revenue), accounts_per_sub, pool)
            opd.revenue(i, revenue)
        opd_list.append((kode_opd, nama_opd, opd.count))
    return Province(dpa_rows=rows, lines=lines, opds=opd_list), rng


def revenue_codes(i: int) -> list[str]:
    """The i-th OPD's pendapatan and pembiayaan accounts: pendapatan in every third OPD; the
    first one (the BPKAD of the region, as it were) also has the transfers and the
    pembiayaan."""
    if i == 0:
        return PENDAPATAN_CODES + TRANSFER_CODES + PEMBIAYAAN_CODES
    return PENDAPATAN_CODES if i % 3 == 0 else []


def opd_identity(i: int) -> tuple[int, int, str, str]:
    """The i-th OPD's urusan, bidang, code and name."""
    urusan, bidang = 1 + (i // 25) % 9, 1 + i % 25
    unit = 1 + i // 225
    kode_opd = f"{urusan}.{bidang:02d}.0.00.0.00.{unit:02d}.0000"
    nama_opd = OPD_NAMES[i % len(OPD_NAMES)] + ("" if i < len(OPD_NAMES) else f" {i + 1}")
    return urusan, bidang, kode_opd, nama_opd


@dataclass
class OpdDraw:
    """One OPD's DPA rows and lines, appended to the province's as they are drawn. The draws
    come in a fixed order, so that a seed always gives the same province."""

    rng: random.Random
    dana_rng: random.Random
    rows: list[dict[str, str]]
    lines: list[Line]
    opd: dict[str, str]  # kode_opd, nama_opd
    tahun: int = TAHUN
    count: int = 0  # lines of this OPD so far

    def belanja(
        self, urusan: int, bidang: int, lines_per_opd: int, accounts_per_sub: int, pool: list[str]
    ) -> None:
        """Programs of four kegiatan of up to five sub kegiatan, `accounts_per_sub` belanja
        lines each, until the OPD has `lines_per_opd` lines. A program code has two digits:
        an OPD too large for 99 such programs gets more sub kegiatan per kegiatan instead
        (the same files as before for every OPD that fits)."""
        subs_needed = math.ceil(lines_per_opd / accounts_per_sub)
        per_kegiatan = max(5, math.ceil(subs_needed / (MAX_PROGRAMS * 4)))
        p = 0
        while self.count < lines_per_opd:
            p += 1
            kode_program = f"{urusan}.{bidang:02d}.{p:02d}"
            nama_program = (
                "Program Penunjang Urusan Pemerintahan Daerah Provinsi"
                if p == 1
                else f"Program Urusan {urusan}.{bidang:02d} Bagian {p}"
            )
            for k in range(1, 5):
                kode_kegiatan = f"{kode_program}.{1 + k % 2}.{k:02d}"
                for s in range(1, per_kegiatan + 1):
                    if self.count >= lines_per_opd or subs_needed <= 0:
                        break
                    subs_needed -= 1
                    kode_sub = f"{kode_kegiatan}.{s:04d}"
                    head = {
                        "tahun": str(self.tahun),
                        **self.opd,
                        "kode_program": kode_program,
                        "nama_program": nama_program,
                        "kode_kegiatan": kode_kegiatan,
                        "nama_kegiatan": f"Kegiatan {kode_kegiatan}",
                        "kode_sub_kegiatan": kode_sub,
                        "nama_sub_kegiatan": f"Sub Kegiatan {kode_sub}",
                    }
                    n = min(accounts_per_sub, lines_per_opd - self.count)
                    self.sub_kegiatan(head, sorted(self.rng.sample(pool, n)))

    def sub_kegiatan(self, head: dict[str, str], accounts: list[str]) -> None:
        rng = self.rng
        for acc in accounts:
            pagu = int(10 ** rng.uniform(6.5, 9.7)) // 1000 * 1000 * 100
            if rng.random() < 0.05:
                pagu += rng.randrange(1, 100)  # a few amounts with sen
            kas = split_cash_plan(pagu, rng)
            self.lines.append(
                Line(
                    self.opd["kode_opd"], head["kode_sub_kegiatan"], acc, "belanja", kas, self.tahun
                )
            )
            self.count += 1
            line_head = head | {
                "kode_rekening": acc,
                "uraian": f"Belanja {acc}",
                "sumber_dana": sumber_dana(acc, self.dana_rng),
            }
            for part in komponen(kas, rng):
                amounts = {"pagu": money_text(sum(part), rng)}
                for q, x in enumerate(part, start=1):
                    amounts[f"kas_tw{q}"] = money_text(x, rng)
                self.rows.append(line_head | amounts)

    def revenue(self, i: int, codes: list[str] | None = None) -> None:
        """The OPD's pendapatan and pembiayaan lines (`revenue_codes(i)` unless given)."""
        for acc in revenue_codes(i) if codes is None else codes:
            jenis = "pembiayaan" if acc.startswith("6") else "pendapatan"
            pagu = int(10 ** self.rng.uniform(9, 12)) // 1000 * 1000 * 100
            kas = [pagu // 4 // 100 * 100] * 3
            kas.append(pagu - sum(kas))
            self.lines.append(Line(self.opd["kode_opd"], "", acc, jenis, kas, self.tahun))
            self.count += 1
            self.rows.append(
                {
                    "tahun": str(self.tahun),
                    **self.opd,
                    "kode_rekening": acc,
                    "uraian": f"Pendapatan {acc}",
                    "pagu": str(pagu // 100),
                    **{f"kas_tw{q}": str(x // 100) for q, x in enumerate(kas, start=1)},
                }
            )


def komponen(kas: list[int], rng: random.Random) -> list[list[int]]:
    """The cash plan of one line as the rows of the file: ~5% of lines come as two komponen
    rows that the import sums."""
    if rng.random() < 0.05 and all(x >= 200 for x in kas):
        first = [x // 200 * 100 for x in kas]
        return [first, [a - b for a, b in zip(kas, first, strict=True)]]
    return [kas]


@dataclass(frozen=True)
class Habit:
    """How an OPD spends in one year: the share of its pagu it realises by December (`level`)
    and how far its spending lags its own cash plan (`lag`: the cumulative realisasi by a
    quarter is `level × (planned share)^lag` of the pagu; above 1, later than planned)."""

    level: float
    lag: float


def opd_habits(kode_opds: Iterable[str], years: Iterable[int], seed: int | str) -> dict:
    """Each OPD's habit in each year: a temperament of its own that persists from year to
    year (a tenth of the OPDs lag: they end the year at 55-78% of their pagu; the others at
    85-98%; their spending trails the cash plan by a factor of 0.9-1.6), varied each year
    (the level by about ±3 points, the lag by about ±8%), as a region's OPDs are: the same
    units late every year, never by quite the same amount."""
    habits = {}
    for kode in kode_opds:
        own = random.Random(f"habit-{seed}-{kode}")  # noqa: S311 (deterministic test data)
        laggard = own.random() < 0.1
        level = own.uniform(0.55, 0.78) if laggard else own.uniform(0.85, 0.98)
        lag = own.uniform(0.9, 1.6)
        for tahun in years:
            year = random.Random(f"habit-{seed}-{kode}-{tahun}")  # noqa: S311 (as above)
            habits[kode, tahun] = Habit(
                level=min(1.0, max(0.3, level + year.gauss(0, 0.03))),
                lag=lag * math.exp(year.gauss(0, 0.08)),
            )
    return habits


def realisasi_amounts(line: Line, rng: random.Random, habit: Habit | None = None) -> list[int]:
    """Realisasi within each quarter (cents); belanja never above the pagu for the year.
    With the OPD's `habit` for the year, belanja follows it (each line within ±10% of the
    OPD's level); without, each line draws its own pace."""
    if habit is not None and line.jenis == "belanja":
        return _habitual(line, rng, habit)
    out, left = [], line.pagu
    lag = rng.random() < 0.1  # a few laggards
    for kas in line.kas:
        if line.jenis == "belanja":
            factor = rng.uniform(0.1, 0.6) if lag else rng.uniform(0.6, 1.02)
            amount = min(int(kas * factor) // 100 * 100, left)
            left -= amount
        else:
            amount = int(kas * rng.uniform(0.8, 1.2)) // 100 * 100
        if rng.random() < 0.03:
            amount = 0
        out.append(amount)
    return out


def _habitual(line: Line, rng: random.Random, habit: Habit) -> list[int]:
    if line.pagu <= 0:
        return [0, 0, 0, 0]
    final = min(1.0, habit.level * rng.uniform(0.9, 1.1))
    if rng.random() < 0.05:  # a few stalled lines (a failed tender) in any OPD
        final *= rng.uniform(0.3, 0.7)
    done, planned, out = 0, 0, []
    for kas in line.kas:
        planned += kas
        cumulative = int(line.pagu * final * (planned / line.pagu) ** habit.lag) // 100 * 100
        cumulative = min(max(cumulative, done), line.pagu)
        out.append(cumulative - done)
        done = cumulative
    return out


def realisasi_by_quarter(
    lines: list[Line], rng: random.Random, habits: dict | None = None
) -> list[list[dict[str, str]]]:
    """Each quarter's realisasi rows of `lines`, cells by column name; `habits` (by OPD code
    and year, `opd_habits`) make each OPD spend as it does every year."""
    per_quarter: list[list[dict[str, str]]] = [[], [], [], []]
    for line in lines:
        habit = habits.get((line.kode_opd, line.tahun)) if habits else None
        for q, cents in enumerate(realisasi_amounts(line, rng, habit)):
            per_quarter[q].append(
                {
                    "tahun": str(line.tahun),
                    "triwulan": str(q + 1),
                    "kode_opd": line.kode_opd,
                    "kode_sub_kegiatan": line.kode_sub,
                    "kode_rekening": line.kode_rekening,
                    "realisasi": money_text(cents, rng),
                }
            )
    return per_quarter


def write_csv(path: Path, header: list[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([row.get(c, "") for c in header] for row in rows)


def write_files(province: Province, rng: random.Random, workdir: Path, with_xlsx: bool) -> None:
    """The benchmark's files: the DPA as CSV (and XLSX), the realisasi by quarter and as one
    file of the whole year."""
    dpa_columns, realisasi_columns = import_columns()
    dpa_header = [c.name for c in dpa_columns]
    realisasi_header = [c.name for c in realisasi_columns]
    files = province.files
    files["dpa_csv"] = workdir / "dpa.csv"
    write_csv(files["dpa_csv"], dpa_header, province.dpa_rows)
    if with_xlsx:
        files["dpa_xlsx"] = workdir / "dpa.xlsx"
        write_dpa_xlsx(files["dpa_xlsx"], dpa_columns, province.dpa_rows)
    per_quarter = realisasi_by_quarter(province.lines, rng)
    for q in range(4):
        path = files[f"realisasi_tw{q + 1}"] = workdir / f"realisasi_tw{q + 1}.csv"
        write_csv(path, realisasi_header, per_quarter[q])
    files["realisasi_all"] = workdir / "realisasi_all.csv"
    write_csv(files["realisasi_all"], realisasi_header, itertools.chain(*per_quarter))
    province.realisasi_rows = sum(len(rows) for rows in per_quarter)


def write_dpa_xlsx(path: Path, dpa_columns, rows: list[dict[str, str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("DPA")
    ws.append([c.name for c in dpa_columns])
    for row in rows:
        # Codes and names stay text; the year and plain amounts become number cells as SIPD
        # exports them.
        cells: list[object] = []
        for column in dpa_columns:
            value = row.get(column.name, "")
            numeric = column.kind.name in ("year", "amount") and value.isdigit()
            cells.append(int(value) if numeric else value)
        ws.append(cells)
    wb.save(path)


@dataclass(frozen=True)
class GeneratedRegion:
    """What `generate_region` wrote."""

    dpa: Path
    realisasi: Path
    fisik: Path
    opds: int
    lines: int  # DPA lines (a line of two komponen rows counts once)
    dpa_rows: int
    realisasi_rows: int
    years: tuple[int, ...]
    fisik_rows: int = 0


ACCOUNTS_PER_SUB = 10  # belanja lines per sub kegiatan, as in a typical DPA
MAX_PROGRAMS = 99  # program codes have two digits (1.02.01)


def opd_sizes(opds: int, lines: int, seed: int | str) -> list[int]:
    """`lines` shared out over `opds` OPDs, skewed as a region's are (a few large dinas, many
    small offices; log-normal weights), at least one line each, adding up exactly."""
    if opds < 1 or lines < opds:
        raise ValueError("need at least one OPD and at least one line per OPD")
    rng = random.Random(f"sizes-{seed}")  # noqa: S311 (deterministic test data)
    weights = [rng.lognormvariate(0, 0.75) for _ in range(opds)]
    total = sum(weights)
    spare = lines - opds  # beyond the one line every OPD has
    exact = [spare * w / total for w in weights]
    sizes = [1 + math.floor(x) for x in exact]
    # The largest remainders take the lines rounding left over.
    by_remainder = sorted(range(opds), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in by_remainder[: lines - sum(sizes)]:
        sizes[i] += 1
    return sizes


def fisik_rows(
    dpa_rows: Iterable[dict[str, str]], realisasi: Iterable[dict[str, str]], seed: int | str
) -> list[dict[str, str]]:
    """Each sub kegiatan's realisasi fisik at the end of every quarter of realisasi, in the
    contract's columns: its serapan moved by its OPD's gap (most OPDs within a few points;
    about one in eight with work well ahead of the bills, one in eight paid well ahead of the
    work), within 0-100 and never falling."""
    from budget.money import parse_amount

    pagu: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in dpa_rows:
        if row["kode_rekening"].startswith("5"):
            key = (row["tahun"], row["kode_opd"], row["kode_sub_kegiatan"])
            pagu[key] += parse_amount(row["pagu"])
    spent: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for row in realisasi:
        if row["kode_rekening"].startswith("5"):
            key4 = (row["tahun"], row["kode_opd"], row["kode_sub_kegiatan"], row["triwulan"])
            spent[key4] += parse_amount(row["realisasi"])
    out: list[dict[str, str]] = []
    for (tahun, opd, sub), total in sorted(pagu.items()):
        rng = random.Random(f"fisik-{seed}-{tahun}-{opd}-{sub}")  # noqa: S311 (test data)
        habit = random.Random(f"fisik-{seed}-{opd}").random()  # noqa: S311
        low, high = (18, 32) if habit < 0.125 else (-32, -18) if habit < 0.25 else (-4, 6)
        cumulative, done = Decimal(0), Decimal(0)
        for tw in ("1", "2", "3", "4"):
            if (tahun, opd, sub, tw) not in spent:
                continue
            cumulative += spent[(tahun, opd, sub, tw)]
            serapan = cumulative * 100 / total if total else Decimal(0)
            moved = serapan + Decimal(str(round(rng.uniform(low, high), 2)))
            done = max(done, min(Decimal(100), max(Decimal(0), moved)))
            out.append(
                {
                    "tahun": tahun,
                    "triwulan": tw,
                    "kode_opd": opd,
                    "kode_sub_kegiatan": sub,
                    "fisik_persen": f"{done:.2f}",
                }
            )
    return out


def generate_region(
    *, opds: int, lines: int, years: Iterable[int], seed: int, out: Path
) -> GeneratedRegion:
    """Write `out/dpa.csv` (cash plan by quarter, with sumber_dana), `out/realisasi.csv`
    (four quarters of every year) and `out/fisik.csv` (each sub kegiatan's physical progress,
    an extension of DESIGN §4's two files) for `opds` OPDs of `lines` DPA lines in each
    year; each
    OPD spends by its habit (`opd_habits`), the same from year to year but for a little."""
    from budget.importing import columns

    dpa_header = columns.names(columns.columns(columns.DPA, plan="triwulan", optional=True))
    realisasi_header = columns.REALISASI_COLUMNS
    years = tuple(years)
    sizes = opd_sizes(opds, lines, seed)
    out.mkdir(parents=True, exist_ok=True)
    dpa_rows: list[dict[str, str]] = []
    realisasi: list[dict[str, str]] = []
    n_lines = 0
    habits = opd_habits((opd_identity(i)[2] for i in range(opds)), years, seed)
    for tahun in years:
        province, rng = generate_province(
            opds, sizes, ACCOUNTS_PER_SUB, f"{seed}-{tahun}", tahun=tahun
        )
        dpa_rows += province.dpa_rows
        realisasi += itertools.chain(*realisasi_by_quarter(province.lines, rng, habits))
        n_lines += len(province.lines)
    write_csv(out / "dpa.csv", dpa_header, dpa_rows)
    write_csv(out / "realisasi.csv", realisasi_header, realisasi)
    # Beyond the contract's two files: the physical progress, for import_fisik.
    fisik = fisik_rows(dpa_rows, realisasi, seed)
    write_csv(out / "fisik.csv", columns.FISIK_COLUMNS, fisik)
    return GeneratedRegion(
        dpa=out / "dpa.csv",
        realisasi=out / "realisasi.csv",
        fisik=out / "fisik.csv",
        fisik_rows=len(fisik),
        opds=opds,
        lines=n_lines,
        dpa_rows=len(dpa_rows),
        realisasi_rows=len(realisasi),
        years=years,
    )
