#!/usr/bin/env python
"""Province-scale benchmark: file reading, DPA and realisasi imports, absorption roll-ups.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serapan_bench \\
        .venv/bin/python scripts/benchmark.py [--opds 60 --lines-per-opd 1500] [--quick]

The database named in DATABASE_URL is DROPPED and created again, then migrated: it must be a
database of its own whose name contains "bench". Django runs with DEBUG=0 unless the
environment says otherwise. The script generates synthetic but valid import files
(Permendagri 90 codes that budget/codes.py accepts; cash plans that add up to the pagu;
belanja realisasi that never exceeds the pagu) into a temporary folder, then times:

- read_table() on the DPA (CSV and XLSX) and realisasi (CSV) files;
- import_dpa() first import and re-import of the same file (nothing changes), realisasi
  import per quarter (four files, TW I..IV in order) and as one file of the whole year, and the
  re-import of that file; each import runs in a child process, inside the pghistory context
  the import command opens, so that its peak RSS is its own;
- absorption() at every level for TW 2 and TW 4, for the whole region and for one OPD, with
  the number of SQL queries of each call, and region-wide with PostgreSQL's JIT both ways;
- the ranking and S-curve selectors; the slowest roll-up under EXPLAIN ANALYZE, and
  alternative SQL for the realisasi sums (derived table, per-line join, covering index)
  checked against the ORM's answer;
- the `absorption_report` command end to end (a new process, as an operator runs it);
- the import's parts apart (validation, loading what is stored, writing) next to the change
  proposed for each (memoised parsers, tuples, COPY), in transactions that are rolled back.

--phases picks a subset (without `imports` the data of an earlier run is reused). The machine
is shared: every figure is the median of several runs (min given too). Results are printed as
Markdown and written as JSON (--json). See docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from psycopg.sql import SQL, Composable, Identifier

if TYPE_CHECKING:
    from budget.models import Region

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

# The province is drawn by the same generator as generate_region (after ROOT is on the path).
from budget.generator import TAHUN, Province, generate_province, write_files  # noqa: E402

FORBIDDEN_DATABASES = {"serapan", "serapan_tests", "serapan_demo", "serapan_infra", "postgres"}
REGION_KODE = "BENCH"
REGION_NAMA = "Provinsi Tolok Ukur"

PHASES = ("read", "imports", "proposed", "absorption", "command", "parts")
DEFAULT_PHASES = ("read", "imports", "absorption", "command", "parts")
LEVEL_CASES = [
    ("pemda", None),
    ("opd", None),
    ("program", None),
    ("kegiatan", None),
    ("sub_kegiatan", None),
    ("akun", 2),
    ("akun", 6),
]


# --------------------------------------------------------------------------------------------
# Small helpers


def now() -> float:
    return time.perf_counter()


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)

    def as_dict(self) -> dict:
        return {"median_s": self.median, "min_s": self.best, "n": len(self.samples)}


def fmt_s(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process image, whereas
    ru_maxrss survives exec and would report the (larger) benchmark parent's peak."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{now() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The database of our own


def bench_database_url() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must be set to a postgres:// URL of a benchmark database")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in FORBIDDEN_DATABASES or "bench" not in name:
        sys.exit(
            f"refusing to drop database {name!r}: the benchmark needs a database of its own "
            "whose name contains 'bench' (e.g. serapan_bench)"
        )
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return name, maintenance


def recreate_database(name: str, maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))
        conn.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


def sql(statement: str | Composable, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


def history_tables(*tracked: str) -> list[str]:
    """The django-pghistory event tables of the tracked tables, when the schema has them."""
    names = [f"{t}event" for t in tracked]
    rows = sql("SELECT tablename FROM pg_tables WHERE tablename = ANY(%s)", [names])
    return [r[0] for r in rows]


def wipe(*, realisasi_only: bool = False) -> None:
    """Empty the budget data, whatever refers to it (CASCADE) and its history events, so that
    each repetition of a first import starts alike; keep the default criteria bands."""
    if realisasi_only:
        tables = ["budget_realisasi", *history_tables("budget_realisasi")]
        sql(f"TRUNCATE {', '.join(tables)} CASCADE")
        # TRUNCATE fires no row or statement DELETE trigger: the roll-ups are recomputed.
        sql("SELECT budget_rollup_rebuild(NULL)")
        return
    tables = [
        "budget_realisasi",
        "budget_dpaline",
        "budget_account",
        "budget_subkegiatan",
        "budget_kegiatan",
        "budget_program",
        "budget_opd",
    ]
    tables += history_tables("budget_realisasi", "budget_dpaline")
    tables.append("budget_rollup")
    sql(f"TRUNCATE {', '.join(tables)} CASCADE")
    sql("DELETE FROM budget_region")


def wipe_realisasi() -> None:
    wipe(realisasi_only=True)


def vacuum_analyze() -> None:
    for table in ("budget_dpaline", "budget_realisasi", "budget_account", "budget_opd"):
        sql(f"VACUUM ANALYZE {table}")
    sql("ANALYZE")


# --------------------------------------------------------------------------------------------
# Child process: one import, so that its peak RSS is its own


def child_main(kind: str, path: str, profile: str | None) -> None:
    t0 = now()
    setup_django()
    from django.db import connection

    from budget.importing.reading import read_table

    queries = {"n": 0}

    def counter(execute, statement, params, many, context):
        queries["n"] += 1
        return execute(statement, params, many, context)

    out: dict = {"setup_s": now() - t0, "rss_after_setup_mb": peak_rss_mb()}
    t0 = now()
    table = read_table(path)
    out["read_s"] = now() - t0
    out["rows"] = len(table.rows)
    out["rss_after_read_mb"] = peak_rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with (
        connection.execute_wrapper(counter),
        history_context(f"benchmark import_{kind}", path),
        constraints_immediate(),
    ):
        t0 = now()
        if profiler:
            profiler.enable()
        if kind == "dpa":
            from budget.importing.dpa import import_dpa

            counts = import_dpa(table=table, region_kode=REGION_KODE, region_nama=REGION_NAMA).lines
        else:
            from budget.importing.realisasi import import_realisasi

            counts = import_realisasi(table=table, region_kode=REGION_KODE).counts
        if profiler:
            profiler.disable()
        out["import_s"] = now() - t0
    if profiler is not None and profile:
        profiler.dump_stats(profile)
    out["queries"] = queries["n"]
    out["rss_peak_mb"] = peak_rss_mb()
    out["counts"] = {
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
    }
    print("RESULT " + json.dumps(out))


@contextlib.contextmanager
def constraints_immediate():
    """BENCH_CONSTRAINTS_IMMEDIATE=1: the proposed import, checking foreign keys at each
    statement instead of at commit. The import's own transaction becomes a savepoint of this
    one, which runs SET CONSTRAINTS ALL IMMEDIATE first."""
    if os.environ.get("BENCH_CONSTRAINTS_IMMEDIATE") != "1":
        yield
        return
    from django.db import transaction

    with transaction.atomic():
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        yield


def history_context(command: str, path: str):
    """The django-pghistory context the import command and the upload page open around an
    import (BENCH_HISTORY_CONTEXT=0 leaves it out, as a direct service call would)."""
    try:
        import pghistory
    except ImportError:
        return contextlib.nullcontext()
    if os.environ.get("BENCH_HISTORY_CONTEXT", "1") == "0":
        return contextlib.nullcontext()
    return pghistory.context(command=command, file=str(path))


def run_child(kind: str, path: Path, profile: Path | None = None, env: dict | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--child-file", str(path)]
    if profile:
        cmd += ["--child-profile", str(profile)]
    t0 = now()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | (env or {}))
    wall = now() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"child import {kind} {path.name} failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT ") :])
    out["process_wall_s"] = wall
    return out


# --------------------------------------------------------------------------------------------
# Phases


def bench_read(files: dict[str, Path], repeat: int) -> dict:
    from budget.importing.reading import read_table

    results = {}
    for key in ("dpa_csv", "dpa_xlsx", "realisasi_tw1", "realisasi_all"):
        if key not in files:
            continue
        timing = Timing()
        rows = 0
        for _ in range(repeat):
            t0 = now()
            rows = len(read_table(files[key]).rows)
            timing.samples.append(now() - t0)
        results[key] = {
            **timing.as_dict(),
            "rows": rows,
            "bytes": files[key].stat().st_size,
        }
        log(f"read {key}: {fmt_s(timing.median)} ({rows} rows)")
    return results


def summarize_children(runs: list[dict]) -> dict:
    keys = ("read_s", "import_s", "process_wall_s")
    out = {k: Timing([r[k] for r in runs]).as_dict() for k in keys}
    out["rss_peak_mb"] = max(r["rss_peak_mb"] for r in runs)
    out["rss_after_setup_mb"] = max(r["rss_after_setup_mb"] for r in runs)
    out["rss_after_read_mb"] = max(r["rss_after_read_mb"] for r in runs)
    out["queries"] = runs[-1]["queries"]
    out["counts"] = runs[-1]["counts"]
    out["rows"] = runs[-1]["rows"]
    return out


PROFILE_FUNCTIONS = {
    # label -> (file suffix, function name) whose cumulative time is reported
    "validation": [("dpa.py", "_parse_rows"), ("realisasi.py", "_parse")],
    "bulk_create (SQL built in Python + INSERT)": [("query.py", "bulk_create")],
    "bulk_update": [("query.py", "bulk_update")],
    "loading existing rows as model instances": [("query.py", "_fetch_all")],
    "waiting for PostgreSQL": [("connection.py", "wait")],
}


def profile_summary(path: Path) -> dict:
    """Where the time of a profiled import went (cumulative seconds, under cProfile)."""
    import io
    import pstats

    stats = pstats.Stats(str(path))
    out: dict[str, object] = {}
    for label, wanted in PROFILE_FUNCTIONS.items():
        total = 0.0
        # Stats.stats is undocumented, so typeshed leaves it out; get_stats_profile() keys its
        # rows by bare function name (one bulk_create hides another) and rounds the seconds.
        rows = stats.stats.items()  # type: ignore[attr-defined]
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in rows:
            if any(filename.endswith(f) and func == name for f, name in wanted):
                total += ct
        out[label] = round(total, 2)
    text = io.StringIO()
    pstats.Stats(str(path), stream=text).sort_stats("cumulative").print_stats(25)
    out["top"] = text.getvalue()
    return out


@dataclass
class ImportPhases:
    """Runs imports in child processes; each phase's summary is kept under its name."""

    repeat: int
    workdir: Path
    profile: bool
    results: dict = field(default_factory=dict)

    def run(self, name: str, kind: str, path: Path, before=None, n: int | None = None, env=None):
        runs = []
        for i in range(self.repeat if n is None else n):
            if before:
                before()
            runs.append(run_child(kind, path, env=env))
            log(
                f"{name} #{i + 1}: import {fmt_s(runs[-1]['import_s'])}, "
                f"read {fmt_s(runs[-1]['read_s'])}, peak RSS {runs[-1]['rss_peak_mb']:.0f} MB, "
                f"{runs[-1]['counts']}"
            )
        self.results[name] = summarize_children(runs)
        if self.profile and env is None:
            self.profiled(name, kind, path, before)

    def profiled(self, name: str, kind: str, path: Path, before) -> None:
        """One more run under cProfile, not counted in the timings."""
        if before:
            before()
        prof = self.workdir / f"{name}.prof"
        run = run_child(kind, path, prof)
        self.results[name]["profile"] = profile_summary(prof) | {"import_s": run["import_s"]}
        log(f"{name} profiled: {self.results[name]['profile']}"[:400])


def bench_imports(
    province: Province,
    repeat: int,
    heavy_repeat: int,
    workdir: Path,
    profile: bool,
    skip_no_context: bool,
) -> dict:
    files = province.files
    phases = ImportPhases(repeat, workdir, profile)
    phase = phases.run

    phase("dpa_first", "dpa", files["dpa_csv"], before=wipe)
    # With DEBUG on (the development default) Django keeps the text of every query.
    phase("dpa_first_debug_on", "dpa", files["dpa_csv"], before=wipe, n=1, env={"DEBUG": "1"})
    if not skip_no_context:
        # A service call outside any pghistory context (a shell, a future background job).
        phase(
            "dpa_first_no_history_context",
            "dpa",
            files["dpa_csv"],
            before=wipe,
            n=1,
            env={"BENCH_HISTORY_CONTEXT": "0"},
        )
    phase("dpa_reimport", "dpa", files["dpa_csv"])
    if "dpa_xlsx" in files:
        phase("dpa_reimport_xlsx", "dpa", files["dpa_xlsx"], n=1)
    phases.results |= bench_quarterly_imports(files, heavy_repeat)
    phase(
        "realisasi_all_first",
        "realisasi",
        files["realisasi_all"],
        before=lambda: wipe(realisasi_only=True),
        n=heavy_repeat,
    )
    phase("realisasi_all_reimport", "realisasi", files["realisasi_all"])
    return phases.results


def bench_quarterly_imports(files: dict[str, Path], heavy_repeat: int) -> dict:
    """Four quarterly files in order, as treasurers report through the year."""
    quarterly: list[list[dict]] = [[], [], [], []]
    for i in range(heavy_repeat):
        wipe(realisasi_only=True)
        for q in range(4):
            run = run_child("realisasi", files[f"realisasi_tw{q + 1}"])
            quarterly[q].append(run)
            log(f"realisasi TW{q + 1} #{i + 1}: import {fmt_s(run['import_s'])}, {run['counts']}")
    return {f"realisasi_tw{q + 1}": summarize_children(quarterly[q]) for q in range(4)}


def bench_imports_proposed(province: Province, heavy_repeat: int) -> dict:
    """The imports as they are, but with SET CONSTRAINTS ALL IMMEDIATE (see write_parts)."""
    files, results = province.files, {}
    env = {"BENCH_CONSTRAINTS_IMMEDIATE": "1"}
    for name, kind, path, before in (
        ("dpa_first", "dpa", files["dpa_csv"], wipe),
        ("realisasi_all_first", "realisasi", files["realisasi_all"], wipe_realisasi),
    ):
        runs = []
        for i in range(heavy_repeat):
            before()
            runs.append(run_child(kind, path, env=env))
            log(
                f"{name} (constraints immediate) #{i + 1}: import "
                f"{fmt_s(runs[-1]['import_s'])}, peak RSS {runs[-1]['rss_peak_mb']:.0f} MB, "
                f"{runs[-1]['counts']}"
            )
        results[name + "_constraints_immediate"] = summarize_children(runs)
    return results


def timed(fn, repeat: int) -> Timing:
    timing = Timing()
    for _ in range(repeat):
        t0 = now()
        fn()
        timing.samples.append(now() - t0)
    return timing


def bench_import_parts(
    region, files: dict[str, Path], repeat: int, only: str | None = None
) -> dict:
    """The import's three costs measured apart, each next to the change proposed for it.

    Nothing here changes the data: writes run in a transaction that is rolled back.
    """
    results: dict = {}
    if only and not re.search(only, "validation load"):
        return write_parts(region, repeat, only, results)
    results |= bench_validation(files, repeat)
    results |= bench_loading(region, repeat)
    return write_parts(region, repeat, only, results)


def bench_validation(files: dict[str, Path], repeat: int) -> dict:
    """1. Validation, as it is and with memoised code parsers and a fast path for plain
    amounts."""
    from budget.importing import columns as columns_module
    from budget.importing import dpa as dpa_module
    from budget.importing import realisasi as realisasi_module
    from budget.importing.reading import read_table

    dpa_table = read_table(files["dpa_csv"])
    real_table = read_table(files["realisasi_all"])

    def validate():
        return (
            dpa_module._parse_rows(dpa_table, "triwulan", progress=False),
            realisasi_module._parse(real_table, False, None, None, None),
        )

    expected = validate()
    as_is = timed(validate, repeat)
    patched = memoised_parsers(columns_module)
    try:
        cached = timed(validate, repeat)
        same = validate() == expected
    finally:
        for module, name, original in patched:
            setattr(module, name, original)
    del expected
    log(f"validation: {fmt_s(as_is.median)} -> {fmt_s(cached.median)} (same result: {same})")
    return {
        "validation (DPA file + realisasi year file)": {
            "as_is": as_is.as_dict(),
            "memoised_codes_fast_amounts": cached.as_dict() | {"same_result": same},
        }
    }


def bench_loading(region, repeat: int) -> dict:
    """2. Loading what is already stored: model instances (as now) or plain tuples."""
    from budget.models import DpaLine, Realisasi

    lines = DpaLine.objects.filter(region=region, tahun__in=[TAHUN])
    realisasi = Realisasi.objects.filter(line__region=region, line__tahun__in=[TAHUN])

    def lines_as_instances():
        qs = lines.select_related("opd", "sub_kegiatan", "account")
        return {
            (
                x.tahun,
                x.opd.kode,
                x.sub_kegiatan.kode if x.sub_kegiatan else None,
                x.account.kode,
            ): x
            for x in qs
        }

    def lines_as_tuples():
        qs = lines.values_list(
            "tahun",
            "opd__kode",
            "sub_kegiatan__kode",
            "account__kode",
            "id",
            "jenis",
            "pagu",
            "kas_tw1",
            "kas_tw2",
            "kas_tw3",
            "kas_tw4",
        )
        return {row[:4]: row[4:] for row in qs}

    def realisasi_as_instances():
        return {(r.line_id, r.triwulan): r for r in realisasi.all()}

    def realisasi_as_tuples():
        qs = realisasi.values_list("line_id", "triwulan", "id", "jumlah")
        return {row[:2]: row[2:] for row in qs}

    results = {}
    n_lines, n_real = len(lines_as_tuples()), len(realisasi_as_tuples())
    for name, fn in (
        (f"load {n_lines} DPA lines as model instances (as now)", lines_as_instances),
        (f"load {n_lines} DPA lines as tuples", lines_as_tuples),
        (f"load {n_real} realisasi as model instances (as now)", realisasi_as_instances),
        (f"load {n_real} realisasi as tuples", realisasi_as_tuples),
    ):
        results[name] = timed(fn, repeat).as_dict()
        log(f"{name}: {fmt_s(results[name]['median_s'])}")
    return results


# Written by every benchmark row apart from these (the key and the region, set per run, and the
# timestamps, set by the COPY).
NOT_COPIED = {"id", "region_id", "created_at", "updated_at"}


def line_fields() -> list[str]:
    """The DPA line's columns the write benchmarks copy, in the model's order: taken from the
    model, so that a new column (sumber_dana was one) is never left out of the COPY."""
    from budget.models import DpaLine

    return [f.attname for f in DpaLine._meta.concrete_fields if f.attname not in NOT_COPIED]


@dataclass
class Writes:
    """3. Writing: bulk_create (as now) or COPY, of TW IV realisasi and of all DPA lines."""

    region: Region
    tw4: list[tuple]  # line_id, jumlah
    lines: list[tuple]  # line_fields()

    @classmethod
    def of(cls, region: Region) -> Writes:
        from budget.models import DpaLine, Realisasi

        realisasi = Realisasi.objects.filter(region=region, triwulan=4)
        return cls(
            region,
            list(realisasi.values_list("line_id", "jumlah")),
            list(DpaLine.objects.filter(region=region).values_list(*line_fields())),
        )

    def realisasi_bulk_create(self) -> None:
        from budget.models import Realisasi

        Realisasi.objects.bulk_create(
            [Realisasi(region=self.region, line_id=i, triwulan=4, jumlah=j) for i, j in self.tw4],
            batch_size=2000,
        )

    def realisasi_copy(self) -> None:
        stamp = timezone_now()
        columns = ["region_id", "line_id", "triwulan", "jumlah", "created_at", "updated_at"]
        with copy_into("budget_realisasi", columns) as copy:
            for line_id, jumlah in self.tw4:
                copy.write_row((self.region.pk, line_id, 4, jumlah, stamp, stamp))

    def lines_bulk_create(self) -> None:
        from budget.models import DpaLine

        DpaLine.objects.bulk_create(
            [
                DpaLine(region=self.region, **dict(zip(line_fields(), row, strict=True)))
                for row in self.lines
            ],
            batch_size=2000,
        )

    def lines_copy(self) -> None:
        stamp = timezone_now()
        columns = ["region_id", *line_fields(), "created_at", "updated_at"]
        with copy_into("budget_dpaline", columns) as copy:
            for row in self.lines:
                copy.write_row((self.region.pk, *row, stamp, stamp))


def timezone_now():
    from django.utils import timezone

    return timezone.now()


@contextlib.contextmanager
def copy_into(table: str, columns: list[str]):
    """A COPY ... FROM STDIN into `table`, on Django's connection."""
    from django.db import connection

    statement = SQL("COPY {} ({}) FROM STDIN").format(
        Identifier(table), SQL(", ").join(Identifier(c) for c in columns)
    )
    with connection.cursor() as cur, cur.cursor.copy(statement) as copy:
        yield copy


def rolled_back(prepare, write, repeat: int) -> Timing:
    from django.db import transaction

    # TRUNCATE is transactional in PostgreSQL: the rollback brings the rows back, and the
    # rows written into the emptied table vanish with it (no dead rows left behind).
    timing = Timing()
    for _ in range(repeat):
        with transaction.atomic():
            prepare()
            with history_context("benchmark write", "-"):
                t0 = now()
                write()
                timing.samples.append(now() - t0)
            transaction.set_rollback(True)
    return timing


def drop_tw4() -> None:
    sql("TRUNCATE budget_realisasi CASCADE")


def drop_lines() -> None:
    sql("TRUNCATE budget_realisasi, budget_dpaline CASCADE")


def without_history(prepare, *tables: str):
    # For comparison only: what the history triggers cost (rolled back with the rest).
    def both():
        prepare()
        for table in tables:
            sql(SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(Identifier(table)))

    return both


def immediate(prepare):
    def both():
        prepare()
        sql("SET CONSTRAINTS ALL IMMEDIATE")

    return both


def write_parts(region, repeat: int, only: str | None, results: dict) -> dict:
    """Writing: bulk_create (as now) or COPY, with the history triggers as they are, one per
    statement, or off, and with the foreign keys checked at commit (as now) or at once."""
    for name, prepare, write in write_cases(Writes.of(region)):
        if only and not re.search(only, name):
            continue
        results[name] = rolled_back(prepare, write, repeat).as_dict()
        log(f"{name}: {fmt_s(results[name]['median_s'])}")
    return results


def write_cases(w: Writes) -> list[tuple]:
    """(name, prepare, write) of every write measured."""
    tw4, lines = len(w.tw4), len(w.lines)
    cases = [
        (f"write {tw4} realisasi: bulk_create (as now)", drop_tw4, w.realisasi_bulk_create),
        (f"write {tw4} realisasi: COPY", drop_tw4, w.realisasi_copy),
        (f"write {lines} DPA lines: bulk_create (as now)", drop_lines, w.lines_bulk_create),
        (f"write {lines} DPA lines: COPY", drop_lines, w.lines_copy),
    ]
    row_level = sql(
        "SELECT COALESCE(bool_or((tgtype & 1) = 1), false) FROM pg_trigger "
        "WHERE tgrelid = 'budget_realisasi'::regclass AND NOT tgisinternal"
    )[0][0]
    if history_tables("budget_realisasi") and row_level:
        statement_level = with_statement_level_history(drop_tw4, "budget_realisasi")
        cases += [
            (
                f"write {tw4} realisasi: bulk_create, one history trigger per statement",
                statement_level,
                w.realisasi_bulk_create,
            ),
            (
                f"write {tw4} realisasi: COPY, one history trigger per statement",
                statement_level,
                w.realisasi_copy,
            ),
            (
                f"write {tw4} realisasi: bulk_create, history triggers off",
                without_history(drop_tw4, "budget_realisasi"),
                w.realisasi_bulk_create,
            ),
            (
                f"write {tw4} realisasi: COPY, history triggers off",
                without_history(drop_tw4, "budget_realisasi"),
                w.realisasi_copy,
            ),
        ]
    return [
        *cases,
        (
            f"write {tw4} realisasi: bulk_create, constraints immediate",
            immediate(drop_tw4),
            w.realisasi_bulk_create,
        ),
        (
            f"write {tw4} realisasi: COPY, constraints immediate",
            immediate(drop_tw4),
            w.realisasi_copy,
        ),
        (
            f"write {lines} DPA lines: bulk_create, constraints immediate",
            immediate(drop_lines),
            w.lines_bulk_create,
        ),
        (
            f"write {lines} DPA lines: COPY, constraints immediate",
            immediate(drop_lines),
            w.lines_copy,
        ),
    ]


def with_statement_level_history(prepare, table: str):
    """A sketch of pghistory's statement-level tracking (pghistory.track(level=Statement)):
    the row triggers replaced by one AFTER INSERT ... FOR EACH STATEMENT trigger that copies
    the transition table into the same event table, attaching the context once. Created in
    the benchmark's rolled-back transaction only."""

    def both():
        prepare()
        event = f"{table}event"
        columns = [
            r[0]
            for r in sql(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND column_name NOT LIKE 'pgh\\_%%' ORDER BY ordinal_position",
                [event],
            )
        ]
        cols = SQL(", ").join(Identifier(c) for c in columns)
        sql(SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(Identifier(table)))
        sql(
            SQL("""CREATE FUNCTION bench_statement_history() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE ctx uuid := _pgh_attach_context();
            BEGIN
                INSERT INTO {event} ({cols}, pgh_context_id, pgh_created_at, pgh_label,
                                     pgh_obj_id)
                SELECT {cols}, ctx, NOW(), 'insert', id FROM new_values;
                RETURN NULL;
            END $$""").format(event=Identifier(event), cols=cols)
        )
        sql(
            SQL(
                "CREATE TRIGGER bench_statement_history AFTER INSERT ON {} "
                "REFERENCING NEW TABLE AS new_values FOR EACH STATEMENT "
                "EXECUTE FUNCTION bench_statement_history()"
            ).format(Identifier(table))
        )

    return both


def memoised_parsers(*modules) -> list[tuple]:
    """Patch the importers' code parsers with memoised ones and give plain amounts a fast path.

    The parsers are pure (a code either parses to the same frozen value or raises), so a cache
    changes nothing but the time; exceptions are not cached. Returns what to restore.
    """
    import functools

    from budget.money import CENT

    patched = []
    for module in modules:
        for name in dir(module):
            if name.startswith("parse_") and name.endswith("_code"):
                original = getattr(module, name)
                setattr(module, name, functools.lru_cache(maxsize=65536)(original))
                patched.append((module, name, original))
        if hasattr(module, "parse_amount"):
            original = module.parse_amount

            def fast(raw, *args, _original=original, **kwargs):
                if type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) <= 18:
                    return Decimal(raw).quantize(CENT)
                return _original(raw, *args, **kwargs)

            module.parse_amount = fast
            patched.append((module, "parse_amount", original))
    return patched


def measure_call(fn, repeat: int, *, settings: tuple[str, ...] = ("",)) -> list[dict]:
    """Median time of fn() after one warm-up run, with its queries (CaptureQueriesContext).

    With several `settings` (SQL run before each call, e.g. "SET jit = off"), the runs of each
    setting are interleaved so that a burst of load on the shared machine hits them alike.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()
    timings = [Timing() for _ in settings]
    db_times: list[list[float]] = [[] for _ in settings]
    # The queries and result of each setting's last run, which every run overwrites.
    last: list[tuple[list[dict[str, str]], object]] = [([], None) for _ in settings]
    for _ in range(repeat):
        for i, setting in enumerate(settings):
            if setting:
                sql(setting)
            try:
                with CaptureQueriesContext(connection) as ctx:
                    t0 = now()
                    result = fn()
                    timings[i].samples.append(now() - t0)
            finally:
                if setting:  # "SET jit = off" -> "RESET jit"
                    sql("RESET " + setting.split()[1])
            db_times[i].append(sum(float(q["time"]) for q in ctx.captured_queries))
            last[i] = (ctx.captured_queries, result)
    out = []
    for i in range(len(settings)):
        queries, result = last[i]
        slowest = max(queries, key=lambda q: float(q["time"]))
        out.append(
            {
                **timings[i].as_dict(),
                "queries": len(queries),
                "db_median_s": statistics.median(db_times[i]),
                "rows": len(result) if hasattr(result, "__len__") else None,
                "sql": slowest["sql"],
            }
        )
    return out


def bench_absorption(region, opd_kode: str, repeat: int) -> tuple[dict, dict]:
    """Every level for TW 2 and 4, region-wide and for one OPD; region-wide also with
    PostgreSQL's JIT compiler set the other way (interleaved with the configured runs)."""
    from budget.selectors import absorption

    # The application's connections may set jit (dashboard/settings.py); compare with the other.
    configured = sql("SHOW jit")[0][0]
    other = "off" if configured == "on" else "on"
    results, jit_other = {}, {}
    for scope in ("region", "opd"):
        opd = opd_kode if scope == "opd" else None
        settings = ("", f"SET jit = {other}") if scope == "region" else ("",)
        for tw in (2, 4):
            for level, depth in LEVEL_CASES:
                key = f"{scope}/tw{tw}/{level}" + (f"/{depth}" if depth else "")
                measured = measure_call(
                    lambda tw=tw, level=level, depth=depth, opd=opd: absorption(
                        region=region, tahun=TAHUN, triwulan=tw, level=level, depth=depth, opd=opd
                    ),
                    repeat,
                    settings=settings,
                )
                results[key] = r = measured[0]
                message = f"absorption {key}: {fmt_s(r['median_s'])} ({r['queries']} queries)"
                if len(measured) > 1:
                    jit_other[key] = measured[1] | {"jit": other}
                    message += f", jit {other} {fmt_s(measured[1]['median_s'])}"
                log(message)
    for r in results.values():
        r["jit"] = configured
    return results, jit_other


def bench_dashboard_selectors(region, repeat: int) -> dict:
    """Other region-wide reads of the overview page, when the selectors module has them."""
    from budget import selectors

    results = {}
    calls = {
        "opd_ranking(TW 4, with movement since TW 3)": (
            "opd_ranking",
            {"region": region, "tahun": TAHUN, "triwulan": 4},
        ),
        "quarterly_series(TW 4, whole region)": (
            "quarterly_series",
            {"region": region, "tahun": TAHUN, "triwulan": 4},
        ),
    }
    for name, (func, kwargs) in calls.items():
        fn = getattr(selectors, func, None)
        if fn is None:
            continue
        try:
            results[name] = measure_call(lambda fn=fn, kwargs=kwargs: fn(**kwargs), repeat)[0]
        except TypeError as exc:  # the selector's signature changed: skip, say why
            results[name] = {"skipped": str(exc)}
            continue
        log(f"{name}: {fmt_s(results[name]['median_s'])} ({results[name]['queries']} queries)")
    return results


def explain(statement: str, *, jit: bool) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL jit = {'on' if jit else 'off'}")
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return "\n".join(r[0] for r in cur.fetchall())


def plan_highlights(plan: str) -> dict:
    out: dict[str, object] = {}
    m = re.search(r"Execution Time: ([\d.]+) ms", plan)
    out["execution_ms"] = float(m.group(1)) if m else None
    loops = re.findall(
        r"SubPlan \d+\n\s*->.*?\(actual time=[\d.]+\.\.[\d.]+ rows=\d+ loops=(\d+)\)", plan
    )
    if loops:
        out["subplan_loops"] = [int(n) for n in loops]
    m = re.search(r"Timing: .*?Total ([\d.]+) ms", plan)
    if m:
        out["jit_total_ms"] = float(m.group(1))
    return out


# Alternatives to the correlated subqueries, as raw SQL giving the same sums.
LEVEL_SQL = {
    "pemda": ("rg.kode", "rg.nama", False),
    "opd": ("o.kode", "o.nama", False),
    "program": ("p.kode", "p.nama", True),
    "kegiatan": ("k.kode", "k.nama", True),
    "sub_kegiatan": ("s.kode", "s.nama", True),
}
JOINS = """
    JOIN budget_region rg ON rg.id = d.region_id
    JOIN budget_opd o ON o.id = d.opd_id
    JOIN budget_account a ON a.id = d.account_id
    LEFT JOIN budget_subkegiatan s ON s.id = d.sub_kegiatan_id
    LEFT JOIN budget_kegiatan k ON k.id = s.kegiatan_id
    LEFT JOIN budget_program p ON p.id = k.program_id
"""


def _level_sql(level: str, depth: int | None) -> tuple[str, str, str]:
    if level == "akun":
        kode = f"array_to_string((string_to_array(a.kode, '.'))[1:{int(depth or 6)}], '.')"
        return kode, "''", ""
    kode, nama, needs_sub = LEVEL_SQL[level]
    return kode, nama, " AND d.sub_kegiatan_id IS NOT NULL" if needs_sub else ""


def _kas_kum(tw: int) -> str:
    return " + ".join(f"d.kas_tw{q}" for q in range(1, tw + 1))


def alternative_sql(variant: str, level: str, depth: int | None, tw: int, opd_id=None) -> str:
    """`derived`: realisasi summed per line once (GROUP BY line_id), joined to the lines.
    `per_line`: lines LEFT JOIN realisasi, grouped per line, then grouped per level."""
    kode, nama, where_sub = _level_sql(level, depth)
    where = "d.region_id = %(region)s AND d.tahun = %(tahun)s" + where_sub
    if opd_id is not None:
        where += " AND d.opd_id = %(opd)s"
    sums = f"""
        SUM(d.pagu), SUM(d.pagu_murni), SUM({_kas_kum(tw)}), SUM(d.kas_tw{tw}),
        COALESCE(SUM(r.kum), 0), COALESCE(SUM(r.tw), 0), COUNT(*)"""
    if variant == "derived":
        opd_filter = " AND l.opd_id = %(opd)s" if opd_id is not None else ""
        return f"""
            SELECT {kode} AS g_kode, {nama} AS g_nama, d.jenis, {sums}
            FROM budget_dpaline d {JOINS}
            LEFT JOIN (
                SELECT r.line_id, SUM(r.jumlah) AS kum,
                       SUM(r.jumlah) FILTER (WHERE r.triwulan = {tw}) AS tw
                FROM budget_realisasi r JOIN budget_dpaline l ON l.id = r.line_id
                WHERE l.region_id = %(region)s AND l.tahun = %(tahun)s{opd_filter}
                  AND r.triwulan <= {tw}
                GROUP BY r.line_id
            ) r ON r.line_id = d.id
            WHERE {where}
            GROUP BY 1, 2, 3"""  # noqa: S608 (our own SQL fragments and ints; values are %(name)s)
    if variant == "per_line":
        return f"""
            WITH per_line AS (
                SELECT d.id, d.region_id, d.opd_id, d.sub_kegiatan_id, d.account_id, d.jenis,
                       d.pagu, d.pagu_murni, d.kas_tw1, d.kas_tw2, d.kas_tw3, d.kas_tw4,
                       SUM(x.jumlah) AS kum,
                       SUM(x.jumlah) FILTER (WHERE x.triwulan = {tw}) AS tw
                FROM budget_dpaline d
                LEFT JOIN budget_realisasi x ON x.line_id = d.id AND x.triwulan <= {tw}
                WHERE {where}
                GROUP BY d.id
            )
            SELECT {kode} AS g_kode, {nama} AS g_nama, d.jenis,
                SUM(d.pagu), SUM(d.pagu_murni), SUM({_kas_kum(tw)}), SUM(d.kas_tw{tw}),
                COALESCE(SUM(d.kum), 0), COALESCE(SUM(d.tw), 0), COUNT(*)
            FROM per_line d {JOINS}
            GROUP BY 1, 2, 3"""  # noqa: S608 (as above)
    raise ValueError(variant)


def _orm_sums(region, level, depth, tw, opd_kode) -> dict:
    from budget.selectors import absorption

    rows = absorption(
        region=region, tahun=TAHUN, triwulan=tw, level=level, depth=depth, opd=opd_kode
    )
    return {
        (r.kode, r.jenis): (
            r.pagu,
            r.pagu_murni,
            r.kas_kumulatif,
            r.kas_triwulan,
            r.realisasi_kumulatif,
            r.realisasi_triwulan,
            r.line_count,
        )
        for r in rows
    }


def time_sql(statement: str, params: dict, repeat: int) -> tuple[Timing, list[tuple]]:
    timing, rows = Timing(), []
    sql(statement, params)  # warm-up
    for _ in range(repeat):
        t0 = now()
        rows = sql(statement, params)
        timing.samples.append(now() - t0)
    return timing, rows


def bench_alternatives(region, opd, absorption_results: dict, repeat: int, workdir: Path):
    """EXPLAIN ANALYZE of the slowest roll-up, and the same sums by other SQL."""
    results: dict = {"explain": {}, "variants": {}}
    region_cases = {k: v for k, v in absorption_results.items() if k.startswith("region/")}
    # The slowest by its best run: medians on a shared machine carry bursts of load.
    slowest_key = max(region_cases, key=lambda k: region_cases[k]["min_s"])
    statement = region_cases[slowest_key]["sql"]
    plan = explain(statement, jit=True)
    plan_nojit = explain(statement, jit=False)
    (workdir / "explain_slowest.txt").write_text(
        "-- jit on --\n" + plan + "\n\n-- jit off --\n" + plan_nojit
    )
    results["explain"] = {
        "case": slowest_key,
        "sql": statement,
        "plan": plan,
        "plan_jit_off": plan_nojit,
        "highlights": plan_highlights(plan),
        "highlights_jit_off": plan_highlights(plan_nojit),
    }
    log(f"EXPLAIN {slowest_key}: {results['explain']['highlights']}")

    cases = [
        ("region", "opd", None, 4),
        ("region", "sub_kegiatan", None, 4),
        ("region", "akun", 6, 4),
        ("region", "opd", None, 2),
        ("opd", "sub_kegiatan", None, 4),
    ]
    params = {"region": region.pk, "tahun": TAHUN, "opd": opd.pk}
    for scope, level, depth, tw in cases:
        key = f"{scope}/tw{tw}/{level}" + (f"/{depth}" if depth else "")
        opd_id = opd.pk if scope == "opd" else None
        expected = _orm_sums(region, level, depth, tw, opd.kode if opd_id else None)
        entry = {"orm_median_s": absorption_results[key]["median_s"]}
        entry["orm_db_median_s"] = absorption_results[key]["db_median_s"]
        for variant in ("derived", "per_line"):
            statement = alternative_sql(variant, level, depth, tw, opd_id)
            timing, rows = time_sql(statement, params, repeat)
            got = {(r[0], r[2]): tuple(r[3:]) for r in rows}
            entry[variant] = {**timing.as_dict(), "same_sums_as_orm": got == expected}
            if variant == "derived" and key == "region/tw4/opd":
                plan = explain(statement % {k: int(v) for k, v in params.items()}, jit=False)
                entry[variant]["highlights"] = plan_highlights(plan)
                entry[variant]["plan"] = plan
            log(f"{variant} {key}: {fmt_s(timing.median)} same={got == expected}")
        results["variants"][key] = entry

    # A covering index: the correlated subqueries become index-only scans.
    sql(
        "CREATE INDEX bench_realisasi_line_tw_incl ON budget_realisasi (line_id, triwulan) "
        "INCLUDE (jumlah)"
    )
    sql("VACUUM ANALYZE budget_realisasi")
    try:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from budget.selectors import absorption

        for key, level, depth in (
            ("region/tw4/opd", "opd", None),
            ("region/tw4/sub_kegiatan", "sub_kegiatan", None),
        ):
            absorption(region=region, tahun=TAHUN, triwulan=4, level=level, depth=depth)
            timing, db_times = Timing(), []
            for _ in range(repeat):
                t0 = now()
                with CaptureQueriesContext(connection) as ctx:
                    absorption(region=region, tahun=TAHUN, triwulan=4, level=level, depth=depth)
                timing.samples.append(now() - t0)
                db_times.append(sum(float(q["time"]) for q in ctx.captured_queries))
            slow = max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"]
            plan = explain(slow, jit=False)
            results["variants"][key]["covering_index"] = {
                **timing.as_dict(),
                "db_median_s": statistics.median(db_times),
                "highlights": plan_highlights(plan),
                "index_only": "Index Only Scan" in plan,
            }
            log(f"covering index {key}: {fmt_s(timing.median)}")
    finally:
        sql("DROP INDEX bench_realisasi_line_tw_incl")
    return results


def bench_command(opd_kode: str, repeat: int) -> dict:
    manage = [sys.executable, str(ROOT / "manage.py")]
    cases = {
        "startup (absorption_report --help)": ["absorption_report", "--help"],
        "--level opd --format json": ["--level", "opd", "--format", "json"],
        # Django runs the system checks before every command (about 0,5 s here).
        "--level opd --format json --skip-checks": [
            "--level",
            "opd",
            "--format",
            "json",
            "--skip-checks",
        ],
        "--level sub_kegiatan --format json": ["--level", "sub_kegiatan", "--format", "json"],
        "--level akun --depth 6 --format table": ["--level", "akun", "--depth", "6"],
        f"--level sub_kegiatan --opd {opd_kode} --format csv": [
            "--level",
            "sub_kegiatan",
            "--opd",
            opd_kode,
            "--format",
            "csv",
        ],
        f"--level sub_kegiatan --opd {opd_kode} --format csv --skip-checks": [
            "--level",
            "sub_kegiatan",
            "--opd",
            opd_kode,
            "--format",
            "csv",
            "--skip-checks",
        ],
    }
    results = {}
    for name, extra in cases.items():
        args = (
            extra
            if extra[0] == "absorption_report"
            else [
                "absorption_report",
                "--tahun",
                str(TAHUN),
                "--triwulan",
                "4",
                *extra,
            ]
        )
        timing, size = Timing(), 0
        for _ in range(repeat):
            t0 = now()
            proc = subprocess.run(manage + args, capture_output=True, text=True)
            timing.samples.append(now() - t0)
            if proc.returncode != 0:
                raise SystemExit(f"absorption_report failed: {proc.stderr[-2000:]}")
            size = len(proc.stdout)
        results[name] = {**timing.as_dict(), "output_bytes": size}
        log(f"command {name}: {fmt_s(timing.median)}")
    return results


def machine_info() -> dict:
    import django

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    settings = dict(
        sql(
            "SELECT name, setting || COALESCE(' ' || unit, '') FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather', "
            "'random_page_cost', 'synchronous_commit')"
        )
    )
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "budget"], capture_output=True, text=True
    )
    return {
        "commit": commit.stdout.strip() + (" (budget/ modified)" if dirty.stdout.strip() else ""),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "loadavg_start": os.getloadavg(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgres": sql("SELECT version()")[0][0],
        "pg_settings": settings,
    }


# --------------------------------------------------------------------------------------------
# Report


def markdown(results: dict) -> str:
    imports = results.get("imports", {}) | {
        f"{k} (proposed)": v for k, v in results.get("imports_proposed", {}).items()
    }
    out = [
        *md_machine_and_data(results),
        *md_reads_and_imports(results, imports),
        *md_absorption(results),
        *md_alternatives(results),
        *md_jit_other(results),
        *md_dashboard(results),
        *md_import_parts(results),
        *md_profiles(imports),
        *md_command(results),
    ]
    return "\n".join(out)


def md_machine_and_data(results: dict) -> list[str]:
    m = results["machine"]
    g = results["generated"]
    return [
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg_start'])}; Python {m['python']}, "
        f"Django {m['django']}; {m['postgres']}; commit {m.get('commit')}",
        f"\nData: {g['opds']} OPDs, {g['dpa_rows']} DPA rows -> {g['dpa_lines']} DPA lines, "
        f"{g['realisasi_rows']} realisasi rows (TW I-IV); generated in {fmt_s(g['seconds'])}.",
    ]


def md_reads_and_imports(results: dict, imports: dict) -> list[str]:
    out = []
    if results.get("read") or results.get("imports") or results.get("imports_proposed"):
        out.append("\n| step | median | min | runs | peak RSS | notes |")
        out.append("| --- | ---: | ---: | ---: | ---: | --- |")
    for key, r in results.get("read", {}).items():
        out.append(
            f"| read_table {key} ({r['rows']} rows, {r['bytes'] / 1e6:.1f} MB) "
            f"| {fmt_s(r['median_s'])} | {fmt_s(r['min_s'])} | {r['n']} | | |"
        )
    for key, r in imports.items():
        imp = r["import_s"]
        c = r["counts"]
        out.append(
            f"| {key} ({r['rows']} rows) | {fmt_s(imp['median_s'])} | {fmt_s(imp['min_s'])} "
            f"| {imp['n']} | {r['rss_peak_mb']:.0f} MB | {c['created']} created, "
            f"{c['updated']} updated, {c['unchanged']} unchanged; {r['queries']} queries; "
            f"whole process {fmt_s(r['process_wall_s']['median_s'])} |"
        )
    return out


def md_absorption_table(title: str, rows: dict) -> list[str]:
    out = [
        f"\n| {title} | median | min | DB time | queries | rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, r in rows.items():
        out.append(
            f"| {key} | {fmt_s(r['median_s'])} | {fmt_s(r['min_s'])} "
            f"| {fmt_s(r['db_median_s'])} | {r['queries']} | {r['rows']} |"
        )
    return out


def md_absorption(results: dict) -> list[str]:
    if not results.get("absorption"):
        return []
    jit = next(iter(results["absorption"].values())).get("jit")
    return md_absorption_table(f"absorption(), jit {jit}", results["absorption"])


def md_jit_other(results: dict) -> list[str]:
    if not results.get("absorption_jit_other"):
        return []
    other = next(iter(results["absorption_jit_other"].values()))["jit"]
    return md_absorption_table(f"absorption(), jit {other}", results["absorption_jit_other"])


def md_alternatives(results: dict) -> list[str]:
    alt = results.get("alternatives")
    if not alt:
        return []
    out = [
        f"\nEXPLAIN ANALYZE of {alt['explain']['case']}: {alt['explain']['highlights']}",
        f"(jit on); with jit off: {alt['explain']['highlights_jit_off']}",
        "\n| roll-up, DB time | ORM (correlated subqueries) | ORM, jit other way "
        "| derived table | per-line join | ORM + covering index |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    jit_off = results.get("absorption_jit_other", {})
    for key, v in alt["variants"].items():
        cov = v.get("covering_index")
        no_jit = fmt_s(jit_off[key]["db_median_s"]) if key in jit_off else ""
        out.append(
            f"| {key} | {fmt_s(v['orm_db_median_s'])} | {no_jit} "
            f"| {fmt_s(v['derived']['median_s'])} (same: {v['derived']['same_sums_as_orm']}) "
            f"| {fmt_s(v['per_line']['median_s'])} "
            f"(same: {v['per_line']['same_sums_as_orm']}) "
            f"| {fmt_s(cov['db_median_s']) if cov else ''} |"
        )
    return out


def md_dashboard(results: dict) -> list[str]:
    if not results.get("dashboard"):
        return []
    out = [
        "\n| other selectors | median | min | DB time | queries |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, r in results["dashboard"].items():
        if "skipped" in r:
            out.append(f"| {key} | skipped: {r['skipped']} | | | |")
            continue
        out.append(
            f"| {key} | {fmt_s(r['median_s'])} | {fmt_s(r['min_s'])} "
            f"| {fmt_s(r['db_median_s'])} | {r['queries']} |"
        )
    return out


def md_import_parts(results: dict) -> list[str]:
    if not results.get("import_parts"):
        return []
    out = ["\n| import part | median | min | runs |", "| --- | ---: | ---: | ---: |"]
    for key, r in results["import_parts"].items():
        pairs = r.items() if "as_is" in r else [("", r)]
        for variant, t in pairs:
            label = f"{key}: {variant}" if variant else key
            if "same_result" in t:
                label += f" (same result: {t['same_result']})"
            out.append(f"| {label} | {fmt_s(t['median_s'])} | {fmt_s(t['min_s'])} | {t['n']} |")
    return out


def md_profiles(imports: dict) -> list[str]:
    out = []
    for key, r in imports.items():
        if "profile" not in r:
            continue
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in r["profile"].items() if k not in {"top"})
        out.append(f"\nProfile of {key} (under cProfile, cumulative): {parts}")
    return out


def md_command(results: dict) -> list[str]:
    out = []
    if results.get("command"):
        out.append("\n| absorption_report (new process) | median | min | output |")
        out.append("| --- | ---: | ---: | ---: |")
    for key, r in results.get("command", {}).items():
        out.append(
            f"| {key} | {fmt_s(r['median_s'])} | {fmt_s(r['min_s'])} | {r['output_bytes']} B |"
        )
    return out


# --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opds", type=int, default=60)
    parser.add_argument("--lines-per-opd", type=int, default=1500)
    parser.add_argument("--accounts-per-sub", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each cheap timing")
    parser.add_argument("--import-repeats", type=int, default=3, help="runs of each import")
    parser.add_argument(
        "--heavy-repeats",
        type=int,
        default=1,
        help="runs of the imports that write the year's realisasi (minutes each)",
    )
    parser.add_argument(
        "--skip-no-context",
        action="store_true",
        help="skip the DPA import outside a pghistory context (quadratic with row-level "
        "history triggers)",
    )
    parser.add_argument(
        "--phases",
        default=",".join(DEFAULT_PHASES),
        help="comma-separated subset of: " + ", ".join(PHASES) + " (without imports, the "
        "database is kept and must hold the data of an earlier run with the same sizes)",
    )
    parser.add_argument("--parts-only", help="regular expression: only these import parts")
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX file")
    parser.add_argument("--quick", action="store_true", help="1 import run, 3 cheap runs")
    parser.add_argument("--profile", action="store_true", help="cProfile the first imports")
    parser.add_argument("--workdir", type=Path, help="where to write the files (kept)")
    parser.add_argument("--json", type=Path, help="write all results as JSON here")
    parser.add_argument("--child", choices=["dpa", "realisasi"], help=argparse.SUPPRESS)
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.import_repeats, args.heavy_repeats = 3, 1, 1
    return args


def main() -> None:
    args = parse_args()
    if args.child:
        child_main(args.child, args.child_file, args.child_profile)
        return
    name, maintenance = bench_database_url()
    # Production settings unless told otherwise: with DEBUG on, Django keeps every SQL text.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
    phases = set(args.phases.split(","))
    unknown = phases - set(PHASES)
    if unknown:
        sys.exit(f"unknown phases {sorted(unknown)}; choose from {', '.join(PHASES)}")
    if "imports" in phases:
        log(f"recreating database {name} (DEBUG={os.environ['DEBUG']})")
        recreate_database(name, maintenance)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results: dict = {"machine": machine_info(), "args": vars(args) | {"workdir": None}}

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="serapan-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        province = generate(args, workdir, results)
        run_phases(args, phases, province, workdir, results)
        results["machine"]["loadavg_end"] = os.getloadavg()
    finally:
        if args.workdir is None and not args.profile:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.profile:
            log(f"files and profiles kept in {workdir}")
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


def generate(args: argparse.Namespace, workdir: Path, results: dict) -> Province:
    """The province's files in `workdir`; what was generated goes into results["generated"]."""
    t0 = now()
    province, rng = generate_province(
        args.opds, args.lines_per_opd, args.accounts_per_sub, args.seed
    )
    write_files(province, rng, workdir, with_xlsx=not args.no_xlsx)
    results["generated"] = {
        "opds": len(province.opds),
        "dpa_rows": len(province.dpa_rows),
        "dpa_lines": len(province.lines),
        "realisasi_rows": province.realisasi_rows,
        "seconds": now() - t0,
    }
    log(f"generated {results['generated']} in {workdir}")
    return province


def run_phases(
    args: argparse.Namespace, phases: set[str], province: Province, workdir: Path, results: dict
) -> None:
    if "read" in phases:
        results["read"] = bench_read(province.files, args.repeat)
    if "imports" in phases:
        results["imports"] = bench_imports(
            province,
            args.import_repeats,
            args.heavy_repeats,
            workdir,
            args.profile,
            args.skip_no_context,
        )
    if "proposed" in phases:
        results["imports_proposed"] = bench_imports_proposed(province, args.heavy_repeats)
    run_region_phases(args, phases, province, workdir, results)


def run_region_phases(
    args: argparse.Namespace, phases: set[str], province: Province, workdir: Path, results: dict
) -> None:
    """The phases that read the imported region."""
    from budget.models import Opd, Region

    region = Region.objects.filter(kode=REGION_KODE).first()
    if region is None:
        sys.exit("no benchmark data in the database: run the imports phase first")
    vacuum_analyze()
    # The OPD with the most lines stands for "one OPD".
    opd_kode = max(province.opds, key=lambda o: o[2])[0]
    opd = Opd.objects.get(region=region, kode=opd_kode)
    if "absorption" in phases:
        results["absorption"], results["absorption_jit_other"] = bench_absorption(
            region, opd_kode, args.repeat
        )
        results["dashboard"] = bench_dashboard_selectors(region, args.repeat)
        results["alternatives"] = bench_alternatives(
            region, opd, results["absorption"], args.repeat, workdir
        )
    if "command" in phases:
        results["command"] = bench_command(opd_kode, max(3, args.repeat // 2))
    if "parts" in phases:
        # Last: it empties tables inside transactions it rolls back.
        results["import_parts"] = bench_import_parts(
            region, province.files, args.import_repeats, args.parts_only
        )


if __name__ == "__main__":
    main()
