#!/usr/bin/env python
"""Province-scale benchmark (`make bench`): pages, roll-ups against a SQL floor, imports
against COPY, at several sizes measured in one run, rendered into docs/PERFORMANCE.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serapan_bench \\
        .venv/bin/python scripts/benchmark.py [--sizes 1k,10k,100k] [--rounds 5] \\
        [--import-rounds 3] [--reuse] [--pdf] [--json PATH] [--no-write]
    .venv/bin/python scripts/benchmark.py --from-json PATH   # re-render, measure nothing

The database name in DATABASE_URL is a stem that must contain "bench": the script drops and
creates `<stem>_empty_tpl` (migrated, empty), and per size `<stem>_<size>_tpl` (the generated
region imported: the template), `<stem>_<size>` (a copy of it the pages read) and
`<stem>_<size>_imp` (where imports are timed). It touches no other database.

- **Data.** For each size, `manage.py generate_region --opd 60 --lines N --tahun 2025 --seed 7`
  writes the files; `import_dpa` and `import_realisasi` load them into the template. A template
  carries a fingerprint (sizes, seed, migrations, the generator's source) in its comment:
  `--reuse` keeps a template whose fingerprint matches instead of rebuilding it.
- **Pages and roll-ups.** One worker process per size, connected to that size's database, driven
  by this process over a pipe. In every round each (size, variant) is timed once, in a shuffled
  order, so that all sizes share the same minutes of a shared machine; figures are medians over
  the rounds. A quick variant (under 0.1 s a call) is called up to 9 times in a row in its
  round, and the round's figure is the median of those calls. Pages go through Django's test
  client signed in as BPKAD, with DEBUG=0 as in production (the region XLSX runs its job inline:
  the immediate task backend). Query counts come from one warm-up call per variant (an execute
  wrapper that counts), so that the timed calls pay for nothing but the work. The roll-ups of
  the deeper levels are timed beside `scripts.sql_floor.floor` (one hand-written statement, same
  sums).
- **Imports.** `import_dpa` (first import, empty database) and `import_realisasi` (the year's
  file) run in child processes that report their time and peak RSS (VmHWM), beside
  `scripts.copy_floor.copy_floor` of the same file (every row the import stores, with and
  without the triggers), sizes shuffled in each round.

When scripts/sql_floor.py or scripts/copy_floor.py is missing, its section says "not
available" instead. Results go to JSON (`--json`) and, unless `--no-write`, into the section of
docs/PERFORMANCE.md between the bench markers (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

# tests/test_kill_import.py draws its files through this script, as it did from the one-off
# benchmark before this one (after ROOT is on the path).
from budget.generator import generate_province, write_files  # noqa: E402, F401

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/serapan_bench"
DEFAULT_SIZES = "1k,10k,100k"
BIG_SIZE = "400k"
FORBIDDEN_DATABASES = {"serapan", "serapan_tests", "serapan_demo", "serapan_infra", "postgres"}
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
TAHUN = 2025
TRIWULAN = 4
BENCH_USER = "bench_bpkad"
# What the fingerprint of a template reads: the generator and the header it writes.
GENERATOR_SOURCES = (
    "budget/generator.py",
    "budget/management/commands/generate_region.py",
    "budget/importing/columns.py",
)

# The pages: (key, label, target). Growth targets are "at the largest size within N times the
# same page at the smallest".
PAGES = [
    ("overview", "`/` overview", True),
    ("ranking", "`/peringkat/` ranking", True),
    ("api_opd", "`/api/v1/absorption/?level=opd`", True),
    ("opd_page", "`/opd/<kode>/` (the OPD with most lines)", False),
    ("xlsx", "`/laporan/lra.xlsx` region XLSX (job inline)", False),
    ("pdf", "`/laporan/lra.pdf` region PDF (job inline)", False),
]
GROWTH_TARGET = {"100k": 3.0, "400k": 4.0}
# Region-wide roll-ups, (key, level, depth): OPD level is answered from the roll-up table
# (shown, not judged); program, kegiatan and sub kegiatan from the sub kegiatan roll-up
# (migration 0015) and the account levels from the DPA lines, both judged against the floor,
# one hand-written statement over the lines (what the page would cost without a roll-up).
LEVELS = [
    ("opd", "opd", None),
    ("program", "program", None),
    ("kegiatan", "kegiatan", None),
    ("sub_kegiatan", "sub_kegiatan", None),
    ("akun3", "akun", 3),
    ("akun6", "akun", 6),
]
FLOOR_TARGET = 1.5
FLOOR_UNJUDGED = {"opd"}
FROM_SUB_ROLLUP = {"program", "kegiatan", "sub_kegiatan"}
COPY_TARGET = 3.0
XLSX_TARGET = 3.0
REALISASI_PEAK_TARGET_MB = 500.0
REALISASI_PEAK_TARGET_ROWS = 400_000
PDF_MAX_LINES = 10_000


# --------------------------------------------------------------------------------------------
# Pure helpers (tests/test_benchmark.py)


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1.5k' -> 1500, '2m' -> 2000000, '750' -> 750."""
    t = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    number = t[:-1] if factor > 1 else t
    value = float(number) * factor
    if value < 1 or value != int(value):
        raise ValueError(f"not a size: {text!r}")
    return int(value)


def size_label(lines: int) -> str:
    if lines % 1_000_000 == 0:
        return f"{lines // 1_000_000}m"
    if lines % 1_000 == 0:
        return f"{lines // 1_000}k"
    return str(lines)


# A variant whose call takes less than this is called again in its round, up to QUICK_REPEATS
# calls or QUICK_S seconds in all; the round's figure is their median.
QUICK_S = 0.1
QUICK_REPEATS = 9


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is not > 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def variant_wanted(variant: str, only: str | None) -> bool:
    """Whether a variant (`page:overview`, `orm:program`, `qs:akun6`, `floor:kegiatan`) is
    kept by `--only`, a comma-separated list of prefixes; every variant without it."""
    if not only:
        return True
    return any(variant.startswith(p.strip()) for p in only.split(",") if p.strip())


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= limit else "**missed**"


def check_bench_name(name: str) -> str:
    """The name of a database this script may drop: it must contain 'bench'."""
    if not name or name in FORBIDDEN_DATABASES or "bench" not in name:
        raise ValueError(
            f"refusing database {name!r}: the benchmark drops and creates its databases, so "
            "their name must contain 'bench' (e.g. serapan_bench)"
        )
    if len(name) > 50:  # room for the suffixes within PostgreSQL's 63 characters
        raise ValueError(f"database name {name!r} is too long for the benchmark's suffixes")
    return name


def fingerprint(
    *, lines: int, opds: int, seed: int, tahun: int, migrations: Sequence[str], generator: str
) -> str:
    payload = json.dumps(
        {
            "lines": lines,
            "opds": opds,
            "seed": seed,
            "tahun": tahun,
            "migrations": sorted(migrations),
            "generator": generator,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:,.2f} s"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def fmt_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1, text_last: int = 0
) -> list[str]:
    """A Markdown table: the first `right_from` and the last `text_last` columns are text."""
    n = len(header)
    align = ["---" if i < right_from or i >= n - text_last else "---:" for i in range(n)]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def replace_section(document: str, section: str) -> str:
    """`document` with the text between the bench markers replaced by `section` (the markers
    kept); without markers, the section goes after the first heading."""
    block = f"{BEGIN}\n{section.strip()}\n{END}"
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        return head + block + tail
    lines = document.splitlines(keepends=True)
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
    return "".join(lines[:at]) + "\n" + block + "\n\n" + "".join(lines[at:])


# --------------------------------------------------------------------------------------------
# Markdown


def render_markdown(results: dict) -> str:
    sizes: list[str] = results["sizes"]
    out = [
        "## Generated by `make bench`",
        "",
        f"Run of {results.get('started', '?')} at commit `{results['machine'].get('commit', '?')}`,"
        f" sizes {', '.join(sizes)}, {results.get('rounds', '?')} rounds of pages and roll-ups,"
        f" {results.get('import_rounds', '?')} of imports; wall time"
        f" {fmt_duration(results.get('wall_s'))}. Times are medians over the rounds; every"
        " round timed each size and variant once, in a shuffled order (a variant under 0.1 s: the"
        " median of up to 9 calls in a row). Regenerate with `make bench`"
        " (`BIG=1` adds 400k; `BENCH_ARGS=--reuse` keeps unchanged templates).",
    ]
    if results.get("only"):
        out += ["", f"Only the variants starting with `{results['only']}` were timed (`--only`)."]
    out += md_machine(results)
    out += md_data(results)
    out += md_pages(results)
    out += md_levels(results)
    out += md_imports(results)
    out += md_xlsx(results)
    if results.get("errors"):
        out += ["", "### Failures", ""] + [f"- {e}" for e in results["errors"]]
    return "\n".join(out) + "\n"


def md_machine(results: dict) -> list[str]:
    m = results["machine"]
    settings = ", ".join(f"`{k}` {v}" for k, v in m.get("pg_settings", {}).items())
    load = m.get("loadavg_start"), m.get("loadavg_end")

    def fmt_load(v: Any) -> str:
        return "—" if not v else " / ".join(f"{x:.2f}" for x in v)

    dirty = " (with uncommitted changes)" if m.get("dirty") else ""
    return [
        "",
        "### Machine",
        "",
        f"- {m.get('cores', '?')} cores, {m.get('ram_gib', 0):.1f} GiB RAM; Python"
        f" {m.get('python', '?')}, Django {m.get('django', '?')}.",
        f"- {m.get('pg_version', '?')}; {settings}.",
        f"- Load average (1 / 5 / 15 min) at the start {fmt_load(load[0])}, at the end"
        f" {fmt_load(load[1])}. Other sessions share the machine: compare ratios, not times.",
        f"- Commit `{m.get('commit', '?')}`{dirty}.",
    ]


def md_data(results: dict) -> list[str]:
    rows = []
    for size in results["sizes"]:
        d = results["data"].get(size, {})
        rows.append(
            [
                size,
                fmt_int(d.get("opds")),
                fmt_int(d.get("dpa_rows")),
                fmt_int(d.get("lines")),
                fmt_int(d.get("realisasi_rows")),
                f"{d['db_mb']:,.0f} MB" if d.get("db_mb") else "—",
                fmt_s(d.get("build_s")) + (" (reused)" if d.get("reused") else ""),
                f"{d['worker_peak_mb']:,.0f} MB" if d.get("worker_peak_mb") else "—",
            ]
        )
    return [
        "",
        "### Data",
        "",
        f"`generate_region --opd {results.get('opds', 60)} --lines N --tahun {TAHUN} --seed"
        f" {results.get('seed', 7)}`, imported with `import_dpa` and `import_realisasi` (four"
        f" quarters), then `VACUUM ANALYZE`. Pages and roll-ups for {TAHUN} TW {TRIWULAN}.",
        "",
        *table(
            [
                "size",
                "OPDs",
                "DPA rows",
                "DPA lines",
                "realisasi rows",
                "database",
                "generate + import (when built)",
                "page worker peak",
            ],
            rows,
        ),
    ]


def growth_columns(sizes: list[str]) -> list[str]:
    """The sizes a growth ratio against the smallest is shown for (100k and 400k when run)."""
    return [s for s in sizes[1:] if s in GROWTH_TARGET] or sizes[-1:][: len(sizes) > 1]


def md_pages(results: dict) -> list[str]:
    sizes: list[str] = results["sizes"]
    pages = results.get("pages", {})
    first = sizes[0]
    growth = growth_columns(sizes)
    header = ["page", *[f"{s} ms" for s in sizes], "queries"]
    header += [f"{s} ÷ {first}" for s in growth] + ["target", "result"]
    rows = []
    for key, label, has_target in PAGES:
        per = pages.get(key)
        if not per:
            continue
        medians = {s: per.get(s, {}).get("median_s") for s in sizes}
        queries = [per.get(s, {}).get("queries") for s in sizes]
        shown = [str(q) if q is not None else "—" for q in queries]
        counted = [q for q in queries if q is not None]
        same = len(set(counted)) <= 1
        ratios = {s: ratio(medians[s], medians[first]) for s in growth}
        row = [label, *[fmt_ms(medians[s]) for s in sizes], " / ".join(shown)]
        row += [fmt_ratio(ratios[s]) for s in growth]
        if has_target:
            targets = [f"{s} ≤ {GROWTH_TARGET[s]:g}× {first}" for s in GROWTH_TARGET]
            checks = [
                verdict(ratio(medians.get(s), medians[first]), GROWTH_TARGET[s])
                for s in GROWTH_TARGET
                if s in sizes or s == "100k"
            ]
            checks.append("queries same" if same else "**queries grow**")
            row += ["; ".join(targets) + "; same queries", ", ".join(checks)]
        else:
            row += ["—", "queries same" if same else "**queries grow**"]
        rows.append(row)
    out = ["", "### Pages", ""]
    out += [
        "Signed in as BPKAD, Django's test client, `DEBUG=0`. Queries: one count per size,"
        " smallest to largest. The region PDF only at sizes up to 10k and with `--pdf`.",
        "",
    ]
    return out + table(header, rows, text_last=2)


def md_levels(results: dict) -> list[str]:
    out = ["", "### Region-wide roll-ups of the deeper levels against the SQL floor", ""]
    levels = results.get("levels", {})
    if levels.get("unavailable"):
        out += [f"**SQL floor not available**: {levels['unavailable']}.", ""]
    out += [
        "`absorption()` as the pages call it (bands given: one statement, the account names"
        " joined at level akun; repeated calls reuse its compiled SQL), the queryset alone"
        " (`list(absorption_queryset(...))`, built and compiled each time), and"
        f" `scripts.sql_floor.floor` (one hand-written statement). Target: ORM ≤ {FLOOR_TARGET:g}×"
        " the floor.",
        "",
    ]
    rows = []
    for size in results["sizes"]:
        for key, level, depth in LEVELS:
            r = levels.get(size, {}).get(key)
            if not r:
                continue
            label = f"{level} depth {depth}" if depth else level
            if key in FLOOR_UNJUDGED:
                label += " (from the roll-ups)"
            elif key in FROM_SUB_ROLLUP:
                label += " (from the sub kegiatan roll-up)"
            orm, qs, floor_s = r.get("orm_s"), r.get("qs_s"), r.get("floor_s")
            if r.get("error") and floor_s is None:
                result = f"floor error: {r['error']}"
            elif not floor_s:
                result = "floor not available"
            elif key in FLOOR_UNJUDGED:
                result = "roll-up table, no target"
            else:
                result = verdict(ratio(orm, floor_s), FLOOR_TARGET)
            x = ratio(orm, floor_s)
            rows.append(
                [
                    label,
                    size,
                    fmt_ms(orm),
                    fmt_ms(qs),
                    fmt_ms(floor_s),
                    fmt_ratio(x),
                    f"{fmt_int(r.get('orm_rows'))} / {fmt_int(r.get('floor_rows'))}",
                    result,
                ]
            )
    return out + table(
        [
            "level",
            "size",
            "ORM ms",
            "ORM SQL ms",
            "floor ms",
            "ORM ÷ floor",
            "rows ORM / floor",
            "result",
        ],
        rows,
        right_from=2,
        text_last=1,
    )


def md_imports(results: dict) -> list[str]:
    out = ["", "### Imports against `COPY` of the same rows", ""]
    imports = results.get("imports", {})
    out += [
        "Each import in a child process, as the command runs it (reading the file included,"
        " process start-up and loading the command's code not); first DPA import into an empty"
        " database, then the year's"
        " realisasi. Peak: the child's VmHWM. `copy_floor`: `COPY` of the same rows into the"
        " same tables (every row the import stores: for a DPA the region, its masters, lines,"
        " version and line snapshots; for realisasi the figures and the quarterly reports they"
        " open; what triggers write left to the triggers), rolled back, with the triggers and"
        " without. Targets: import ≤"
        f" {COPY_TARGET:g}× COPY with triggers; realisasi files up to"
        f" {REALISASI_PEAK_TARGET_ROWS:,} rows under {REALISASI_PEAK_TARGET_MB:.0f} MB.",
    ]
    if imports.get("copy_unavailable"):
        out += ["", f"COPY floor not available: {imports['copy_unavailable']}."]
    out.append("")
    rows = []
    for size in results["sizes"]:
        for kind in ("dpa", "realisasi"):
            r = imports.get(size, {}).get(kind)
            if not r:
                continue
            x = ratio(r.get("import_s"), r.get("copy_s"))
            checks = [f"time {verdict(x, COPY_TARGET)}"]
            peak = r.get("peak_mb")
            if kind == "realisasi" and (r.get("rows") or 0) <= REALISASI_PEAK_TARGET_ROWS:
                checks.append(f"memory {verdict(peak, REALISASI_PEAK_TARGET_MB)}")
            rows.append(
                [
                    f"`import_{kind}`",
                    size,
                    fmt_int(r.get("rows")),
                    fmt_s(r.get("import_s")),
                    fmt_s(r.get("copy_s")),
                    fmt_s(r.get("copy_no_triggers_s")),
                    fmt_ratio(x),
                    f"{peak:,.0f} MB" if peak else "—",
                    ", ".join(checks),
                ]
            )
            if r.get("copy_error"):
                out.append(f"- COPY floor error ({kind}, {size}): {r['copy_error']}")
    if out[-1] != "":
        out.append("")
    out += table(
        [
            "import",
            "size",
            "file rows",
            "import",
            "COPY",
            "COPY, no triggers",
            "import ÷ COPY",
            "peak RSS",
            "result",
        ],
        rows,
        right_from=2,
        text_last=1,
    )
    return out + md_imports_against(results)


def md_imports_against(results: dict) -> list[str]:
    """This checkout's imports beside another's (`--imports-against`), timed in the same rounds."""
    imports = results.get("imports", {})
    if not imports.get("against"):
        return []
    rows = []
    for size in results["sizes"]:
        for kind in ("dpa", "realisasi"):
            r = imports.get(size, {}).get(kind)
            if not r:
                continue
            mine, theirs = r.get("import_s"), r.get("against_import_s")
            rows.append(
                [
                    f"`import_{kind}`",
                    size,
                    fmt_s(theirs),
                    fmt_s(mine),
                    fmt_ratio(ratio(theirs, r.get("copy_s"))),
                    fmt_ratio(ratio(mine, r.get("copy_s"))),
                    f"{r['against_peak_mb']:,.0f} MB" if r.get("against_peak_mb") else "—",
                    f"{r['peak_mb']:,.0f} MB" if r.get("peak_mb") else "—",
                ]
            )
    header = ["import", "size", "other", "this", "other ÷ COPY", "this ÷ COPY"]
    return [
        "",
        f"Against the imports of `{imports['against']}` (`--imports-against`), timed in the same"
        " rounds in a random order:",
        "",
        *table([*header, "other peak", "this peak"], rows, right_from=2),
    ]


def md_xlsx(results: dict) -> list[str]:
    pages = results.get("pages", {})
    rows = []
    for size in results["sizes"]:
        x = pages.get("xlsx", {}).get(size, {}).get("median_s")
        o = pages.get("overview", {}).get(size, {}).get("median_s")
        r = ratio(x, o)
        judged = size == "100k"  # the target's one size (the others: how it grows)
        rows.append(
            [size, fmt_ms(x), fmt_ms(o), fmt_ratio(r), verdict(r, XLSX_TARGET) if judged else "—"]
        )
    return [
        "",
        "### Region XLSX against the overview page",
        "",
        f"Target: at 100k, the region XLSX within {XLSX_TARGET:g}× the overview page.",
        "",
        *table(["size", "XLSX ms", "overview ms", "XLSX ÷ overview", "result"], rows, text_last=1),
    ]


# --------------------------------------------------------------------------------------------
# Databases


class Databases:
    """The benchmark's databases on the server of DATABASE_URL, all named after its stem."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError("DATABASE_URL must be a postgres:// URL")
        self.parts = parts
        self.stem = check_bench_name(parts.path.lstrip("/"))
        self.maintenance = urlunsplit(parts._replace(path="/postgres"))

    def name(self, suffix: str) -> str:
        return check_bench_name(f"{self.stem}_{suffix}")

    def url(self, name: str) -> str:
        return urlunsplit(self.parts._replace(path="/" + name))

    def execute(self, statement: Any, params: Sequence[Any] | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.maintenance, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def drop(self, name: str) -> None:
        from psycopg.sql import SQL, Identifier

        check_bench_name(name)
        self.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))

    def create(self, name: str, *, template: str | None = None, comment: str = "") -> None:
        from psycopg.sql import SQL, Identifier

        self.drop(name)
        statement = SQL("CREATE DATABASE {}").format(Identifier(name))
        if template:
            statement += SQL(" TEMPLATE {}").format(Identifier(template))
        self.execute(statement)
        if comment:
            self.comment(name, comment)

    def comment(self, name: str, text: str) -> None:
        from psycopg.sql import SQL, Identifier, Literal

        self.execute(SQL("COMMENT ON DATABASE {} IS {}").format(Identifier(name), Literal(text)))

    def meta(self, name: str) -> dict | None:
        rows = self.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        )
        if not rows or not rows[0][0]:
            return None
        with contextlib.suppress(ValueError):
            return json.loads(rows[0][0])
        return None

    def size_mb(self, name: str) -> float:
        return self.execute("SELECT pg_database_size(%s)", [name])[0][0] / 2**20


def migrations_list() -> list[str]:
    import django
    from django.db.migrations.loader import MigrationLoader

    django.setup()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def generator_hash() -> str:
    digest = hashlib.sha256()
    for path in GENERATOR_SOURCES:
        digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Child processes: an import, a COPY floor, a page worker


def child_env(url: str, **extra: str) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), **extra}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: the process image's own, unlike
    ru_maxrss, which survives exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_child(url: str, *args: str, log: IO[str] | None = None, root: Path | None = None) -> dict:
    """Run this script as a child on the database of `url`; its last stdout line is JSON.
    `root`: run the benchmark of another checkout of the project instead (`--imports-against`)."""
    script = Path(__file__).resolve() if root is None else root / "scripts" / "benchmark.py"
    env = child_env(url) if root is None else child_env(url) | {"PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if log is not None:
        log.write(proc.stderr)
        log.flush()
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        error = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {error[0][:300]}")
    return json.loads(lines[-1])


def child_import(kind: str, path: str) -> dict:
    import django

    django.setup()
    from django.core.management import call_command, get_commands, load_command_class

    name = f"import_{kind}"
    command = load_command_class(get_commands()[name], name)  # start-up: not timed
    before = peak_rss_mb()
    out = open(os.devnull, "w")  # noqa: SIM115 (the command's summary is not ours to print)
    t0 = time.perf_counter()
    call_command(command, path, "--no-progress", stdout=out)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "startup_mb": before}


def child_copy(kind: str, path: str, triggers: bool) -> dict:
    import django

    django.setup()
    from django.db import connection

    from scripts.copy_floor import copy_floor  # type: ignore[import-not-found,unused-ignore]

    return {"seconds": copy_floor(connection, kind, path, triggers=triggers)}


class PageWorker:
    """In the worker process: the variants of one size, timed on request."""

    def __init__(self, *, pdf: bool):
        import logging

        import django

        django.setup()
        # The pages' {% static %} links need no collected manifest: what is measured is the
        # pages' own work, not a file lookup (as scripts/scale_sim.py does).
        from django.conf import settings

        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        for name in ("axes", "serapan.request"):
            logging.getLogger(name).setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message="No directory at")
        from django.contrib.auth.models import Group, User
        from django.db.models import Count
        from django.test import Client

        from budget.criteria import bands_for
        from budget.models import Opd, Profile, Region
        from budget.roles import GROUP_BPKAD

        self.region = Region.objects.order_by("kode").first()
        if self.region is None:
            raise RuntimeError("no region in the benchmark database")
        user, created = User.objects.get_or_create(username=BENCH_USER)
        if created:
            user.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
            Profile.objects.create(user=user, region=self.region)
        self.client = Client()
        self.client.force_login(user)
        self.bands = bands_for(region_id=self.region.pk)
        biggest = (
            Opd.objects.filter(region=self.region)
            .annotate(n=Count("dpa_lines"))
            .order_by("-n", "kode")
            .first()
        )
        period = f"tahun={TAHUN}&triwulan={TRIWULAN}"
        pages: dict[str, tuple[str, int]] = {
            "overview": (f"/?{period}", 200),
            "ranking": (f"/peringkat/?{period}", 200),
            "api_opd": (f"/api/v1/absorption/?{period}&level=opd", 200),
            "opd_page": (f"/opd/{biggest.kode if biggest else ''}/?{period}", 200),
            "xlsx": (f"/laporan/lra.xlsx?{period}", 302),
        }
        if pdf:
            pages["pdf"] = (f"/laporan/lra.pdf?{period}", 302)
        self.variants: dict[str, Callable[[], Any]] = {
            f"page:{key}": self._page(url, status) for key, (url, status) in pages.items()
        }
        self.floor_error = self._floor_variants()

    def _page(self, url: str, status: int) -> Callable[[], Any]:
        def get() -> Any:
            response = self.client.get(url, secure=True)
            if response.status_code != status:
                raise RuntimeError(f"{url} answered {response.status_code}, not {status}")
            return response

        return get

    def _floor_variants(self) -> str | None:
        from budget.selectors import absorption, absorption_queryset

        def orm(args: dict[str, Any]) -> Callable[[], Any]:
            return lambda: absorption(**args, bands=self.bands)

        def sql_only(args: dict[str, Any]) -> Callable[[], Any]:
            return lambda: list(absorption_queryset(**args))

        for key, level, depth in LEVELS:
            args = {
                "region": self.region,
                "tahun": TAHUN,
                "triwulan": TRIWULAN,
                "level": level,
                "depth": depth,
            }
            self.variants[f"orm:{key}"] = orm(args)
            self.variants[f"qs:{key}"] = sql_only(args)
        try:
            from scripts.sql_floor import floor  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            return f"scripts/sql_floor.py cannot be imported ({exc})"
        from django.db import connection

        region_id = self.region.pk  # type: ignore[union-attr]

        def call(level: str, depth: int | None) -> Callable[[], Any]:
            return lambda: floor(
                connection,
                region_id=region_id,
                tahun=TAHUN,
                triwulan=TRIWULAN,
                level=level,
                depth=depth,
            )

        for key, level, depth in LEVELS:
            self.variants[f"floor:{key}"] = call(level, depth)
        return None

    def warm(self, variant: str) -> dict:
        from django.db import connection

        # Counted by an execute wrapper, not CaptureQueriesContext: a task run inline resets
        # the connection's query log (django-tasks' signals do as a request's do).
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            result = self.variants[variant]()
        rows = len(result) if isinstance(result, list) else None
        if getattr(result, "status_code", None) == 302:
            # A region report: the job ran inline; its page must offer the file.
            page = self.client.get(result["Location"], secure=True)
            if b"/berkas" not in page.content:
                raise RuntimeError(f"the job of {variant} did not finish: {result['Location']}")
        return {"queries": count, "rows": rows}

    def time(self, variant: str) -> dict:
        """One round's figure of a variant: one call, or for a quick one (see `QUICK_S`) the
        median of up to `QUICK_REPEATS` calls in a row, so that a scheduling hiccup of a few
        milliseconds does not decide a figure of a few milliseconds."""
        fn = self.variants[variant]
        samples: list[float] = []
        while True:
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
            if len(samples) >= QUICK_REPEATS or sum(samples) >= QUICK_S:
                break
        return {"seconds": median(samples), "calls": len(samples)}

    def serve(self, inp: IO[str], out: IO[str]) -> None:
        def reply(message: dict) -> None:
            out.write(json.dumps(message) + "\n")
            out.flush()

        reply({"variants": list(self.variants), "floor_error": self.floor_error})
        for raw in inp:
            request = json.loads(raw)
            op = request["op"]
            if op == "stop":
                reply({"peak_mb": peak_rss_mb()})
                return
            try:
                reply(getattr(self, op)(request["variant"]))
            except Exception as exc:  # reported to the parent, which records it
                reply({"error": f"{type(exc).__name__}: {exc}"[:300]})


def worker_main(pdf: bool) -> None:
    # The protocol has stdout to itself; anything the application prints goes to stderr.
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    PageWorker(pdf=pdf).serve(sys.stdin, protocol)


class WorkerHandle:
    """The parent's end of one size's worker."""

    def __init__(self, size: str, url: str, *, pdf: bool, log: IO[str]):
        self.size = size
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"]
            + (["--pdf"] if pdf else []),
            env=child_env(url, SERAPAN_TASK_BACKEND="immediate"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        hello = self._read()
        self.variants: list[str] = hello["variants"]
        self.floor_error: str | None = hello["floor_error"]

    def _read(self) -> dict:
        assert self.proc.stdout is not None  # noqa: S101 (Popen with PIPE)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.size} worker stopped (see its log)")
        return json.loads(line)

    def ask(self, op: str, variant: str = "") -> dict:
        assert self.proc.stdin is not None  # noqa: S101
        self.proc.stdin.write(json.dumps({"op": op, "variant": variant}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def stop(self) -> float | None:
        with contextlib.suppress(Exception):
            peak = self.ask("stop").get("peak_mb")
            self.proc.wait(timeout=30)
            return peak
        self.proc.kill()
        return None


# --------------------------------------------------------------------------------------------
# The run


def log(message: str) -> None:
    # UTC: django.setup() sets the process's TZ to the application's time zone.
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def machine_info(dbs: Databases) -> dict:
    import django

    meminfo = Path("/proc/meminfo").read_text().split()
    ram_kib = int(meminfo[meminfo.index("MemTotal:") + 1])
    names = [
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "max_parallel_workers_per_gather",
        "random_page_cost",
        "synchronous_commit",
        "max_wal_size",
    ]
    settings = dict(
        dbs.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [names],
        )
    )

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return proc.stdout.strip()

    return {
        "cores": os.cpu_count(),
        "ram_gib": ram_kib / 2**20,
        "python": platform.python_version(),
        "django": django.get_version(),
        "pg_version": dbs.execute("SELECT version()")[0][0].split(" on ")[0],
        "pg_settings": {n: settings.get(n, "?") for n in names} | {"jit (app)": "off"},
        "loadavg_start": os.getloadavg(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.dbs = Databases(os.environ.get("DATABASE_URL") or DEFAULT_URL)
        self.sizes = [size_label(parse_size(s)) for s in args.sizes.split(",") if s.strip()]
        if args.big and BIG_SIZE not in self.sizes:
            self.sizes.append(BIG_SIZE)
        self.sizes.sort(key=parse_size)
        self.workdir = args.workdir or Path(tempfile.gettempdir()) / f"{self.dbs.stem}-files"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = (self.workdir / "children.log").open("a")
        self.results: dict[str, Any] = {
            "sizes": self.sizes,
            "only": args.only,
            "rounds": args.rounds,
            "import_rounds": args.import_rounds,
            "opds": args.opds,
            "seed": args.seed,
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "data": {},
        }

    def files(self, size: str) -> Path:
        return self.workdir / size

    # -- templates -------------------------------------------------------------------------

    def empty_template(self, migrations: list[str]) -> str:
        name = self.dbs.name("empty_tpl")
        fp = hashlib.sha256("\n".join(migrations).encode()).hexdigest()[:16]
        meta = self.dbs.meta(name)
        if self.args.reuse and meta and meta.get("fingerprint") == fp:
            return name
        log(f"migrating {name}")
        self.dbs.create(name)
        run_child(self.dbs.url(name), "--child-migrate", log=self.log)
        self.dbs.comment(name, json.dumps({"fingerprint": fp}))
        return name

    def size_template(self, size: str, empty: str, migrations: list[str], gen: str) -> dict:
        lines = parse_size(size)
        name = self.dbs.name(f"{size}_tpl")
        fp = fingerprint(
            lines=lines,
            opds=self.args.opds,
            seed=self.args.seed,
            tahun=TAHUN,
            migrations=migrations,
            generator=gen,
        )
        meta = self.dbs.meta(name)
        files = self.files(size)
        have_files = (files / "dpa.csv").exists() and (files / "realisasi.csv").exists()
        if self.args.reuse and meta and meta.get("fingerprint") == fp and have_files:
            log(f"{size}: template {name} reused")
            return meta["data"] | {"reused": True}
        t0 = time.perf_counter()
        log(f"{size}: generating {lines:,} lines")
        shutil.rmtree(files, ignore_errors=True)
        self.manage(
            "generate_region",
            *("--opd", str(self.args.opds), "--lines", str(lines), "--tahun", str(TAHUN)),
            *("--seed", str(self.args.seed), "--out", str(files)),
        )
        self.dbs.create(name, template=empty)
        url = self.dbs.url(name)
        log(f"{size}: importing into {name}")
        run_child(url, "--child-import", "dpa", str(files / "dpa.csv"), log=self.log)
        run_child(url, "--child-import", "realisasi", str(files / "realisasi.csv"), log=self.log)
        counts = run_child(url, "--child-analyze", log=self.log)
        data = counts | {
            "dpa_rows": count_rows(files / "dpa.csv"),
            "realisasi_rows": count_rows(files / "realisasi.csv"),
            "build_s": time.perf_counter() - t0,
            "db_mb": self.dbs.size_mb(name),
        }
        self.dbs.comment(name, json.dumps({"fingerprint": fp, "data": data}))
        return data

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=child_env(self.dbs.url(self.dbs.name("empty_tpl"))),
            check=True,
            stdout=self.log,
            stderr=self.log,
        )

    # -- pages and roll-ups -----------------------------------------------------------------

    def pages_and_levels(self, empty: str) -> None:
        workers: dict[str, WorkerHandle] = {}
        try:
            for size in self.sizes:
                name = self.dbs.name(size)
                self.dbs.create(name, template=self.dbs.name(f"{size}_tpl"))
                pdf = self.args.pdf and parse_size(size) <= PDF_MAX_LINES
                workers[size] = WorkerHandle(size, self.dbs.url(name), pdf=pdf, log=self.log)
            self.measure(workers)
        finally:
            for size, w in workers.items():
                self.results["data"].setdefault(size, {})["worker_peak_mb"] = w.stop()

    def measure(self, workers: dict[str, WorkerHandle]) -> None:
        samples: dict[tuple[str, str], list[float]] = {}
        warm: dict[tuple[str, str], dict] = {}
        tasks = [(s, v) for s, w in workers.items() for v in w.variants if self.wanted(v)]
        log(f"warm-up: {len(tasks)} variants")
        for size, variant in tasks:
            warm[size, variant] = workers[size].ask("warm", variant)
        for r in range(self.args.rounds):
            order = [t for t in tasks if "error" not in warm[t]]
            random.shuffle(order)
            t0 = time.perf_counter()
            for size, variant in order:
                reply = workers[size].ask("time", variant)
                if "error" in reply:
                    warm[size, variant] = reply
                else:
                    samples.setdefault((size, variant), []).append(reply["seconds"])
            log(f"round {r + 1}/{self.args.rounds}: {time.perf_counter() - t0:.1f} s")
        self.collect(workers, samples, warm)

    def wanted(self, variant: str) -> bool:
        """Whether `--only` keeps a variant (all of them without it)."""
        return variant_wanted(variant, self.args.only)

    def collect(self, workers: dict, samples: dict, warm: dict) -> None:
        pages: dict[str, dict] = {}
        levels: dict[str, Any] = {}
        floor_error = next((w.floor_error for w in workers.values() if w.floor_error), None)
        if floor_error:
            levels["unavailable"] = floor_error
        for (size, variant), info in warm.items():
            kind, key = variant.split(":", 1)
            entry = {
                "median_s": median(samples.get((size, variant), [])),
                "samples_s": samples.get((size, variant), []),
                "queries": info.get("queries"),
                "rows": info.get("rows"),
                "error": info.get("error"),
            }
            if kind == "page":
                pages.setdefault(key, {})[size] = entry
            else:
                level = levels.setdefault(size, {}).setdefault(key, {})
                level[f"{kind}_s"] = entry["median_s"]
                level[f"{kind}_rows" if kind != "qs" else "qs_rows"] = entry["rows"]
                if kind == "floor" and entry["error"]:
                    level["error"] = entry["error"]
        errors = self.results.setdefault("errors", [])
        for (size, variant), info in sorted(warm.items()):
            if info.get("error"):
                errors.append(f"`{variant}` at {size}: {info['error']}")
                log(errors[-1])
        self.results["pages"] = pages
        self.results["levels"] = levels

    # -- imports ----------------------------------------------------------------------------

    def imports(self, empty: str) -> None:
        copy_missing = importlib.util.find_spec("scripts.copy_floor") is None
        out: dict[str, Any] = {}
        if copy_missing:
            out["copy_unavailable"] = "scripts/copy_floor.py is missing"
        samples: dict[tuple[str, str, str], list[float]] = {}
        peaks: dict[tuple[str, ...], list[float]] = {}
        errors: dict[tuple[str, str, str], str] = {}
        for r in range(self.args.import_rounds):
            order = list(self.sizes)
            random.shuffle(order)
            for size in order:
                log(f"imports round {r + 1}/{self.args.import_rounds}: {size}")
                self.import_round(size, empty, copy_missing, samples, peaks, errors)
        for size in self.sizes:
            d = self.results["data"].get(size, {})
            for kind in ("dpa", "realisasi"):
                out.setdefault(size, {})[kind] = {
                    "rows": d.get(f"{kind}_rows"),
                    "import_s": median(samples.get((size, kind, "import"), [])),
                    "copy_s": median(samples.get((size, kind, "copy"), [])),
                    "copy_no_triggers_s": median(samples.get((size, kind, "copy_nt"), [])),
                    "peak_mb": max(peaks.get((size, kind), []), default=None),
                    "copy_error": "; ".join(
                        e for (s_, k, _v), e in errors.items() if (s_, k) == (size, kind)
                    )
                    or None,
                    "samples": {
                        v: samples.get((size, kind, v), []) for v in ("import", "copy", "copy_nt")
                    },
                }
                if self.args.imports_against:
                    out[size][kind] |= {
                        "against_import_s": median(samples.get((size, kind, "against"), [])),
                        "against_peak_mb": max(
                            peaks.get((size, kind, "against"), []), default=None
                        ),
                    }
                    out[size][kind]["samples"]["against"] = samples.get((size, kind, "against"), [])
        if self.args.imports_against:
            out["against"] = str(self.args.imports_against)
        self.results["imports"] = out

    def import_round(self, size, empty, copy_missing, samples, peaks, errors) -> None:
        other = self.args.imports_against
        if other is None:
            self.own_imports(size, empty, copy_missing, samples, peaks, errors)
            return
        # This checkout's imports and the other's, in a random order each round.
        steps = [
            lambda: self.own_imports(size, empty, copy_missing, samples, peaks, errors),
            lambda: self.other_imports(size, empty, other, samples, peaks),
        ]
        random.shuffle(steps)
        for step in steps:
            step()

    def other_imports(self, size, empty, root: Path, samples, peaks) -> None:
        """The same imports by another checkout's code, into a database of their own."""
        name = self.dbs.name(f"{size}_imp")
        self.dbs.create(name, template=empty)
        url = self.dbs.url(name)
        for kind in ("dpa", "realisasi"):
            path = str(self.files(size) / f"{kind}.csv")
            try:
                reply = run_child(url, "--child-import", kind, path, log=self.log, root=root)
            except RuntimeError as exc:
                self.results.setdefault("errors", []).append(
                    f"`import_{kind}` of {root} at {size}: {exc}"
                )
                break
            samples.setdefault((size, kind, "against"), []).append(reply["seconds"])
            peaks.setdefault((size, kind, "against"), []).append(reply["peak_mb"])
        self.dbs.drop(name)

    def own_imports(self, size, empty, copy_missing, samples, peaks, errors) -> None:
        name = self.dbs.name(f"{size}_imp")
        self.dbs.create(name, template=empty)
        url = self.dbs.url(name)
        for kind in ("dpa", "realisasi"):
            path = str(self.files(size) / f"{kind}.csv")
            steps = [] if copy_missing else [("copy", True), ("copy_nt", False)]
            random.shuffle(steps)  # the COPYs are rolled back: their order is free
            for variant, triggers in steps:
                if (size, kind, variant) in errors:
                    continue  # failed once: not again every round
                flag = [] if triggers else ["--no-triggers"]
                try:
                    reply = run_child(url, "--child-copy", kind, path, *flag, log=self.log)
                    samples.setdefault((size, kind, variant), []).append(reply["seconds"])
                except RuntimeError as exc:
                    errors[size, kind, variant] = str(exc)[-300:]
            try:
                reply = run_child(url, "--child-import", kind, path, log=self.log)
            except RuntimeError as exc:  # the realisasi cannot follow a failed DPA
                self.results.setdefault("errors", []).append(f"`import_{kind}` at {size}: {exc}")
                break
            samples.setdefault((size, kind, "import"), []).append(reply["seconds"])
            peaks.setdefault((size, kind), []).append(reply["peak_mb"])
        self.dbs.drop(name)

    # -- all --------------------------------------------------------------------------------

    def main(self) -> dict:
        t0 = time.perf_counter()
        self.results["machine"] = machine_info(self.dbs)
        migrations = migrations_list()
        gen = generator_hash()
        empty = self.empty_template(migrations)
        for size in self.sizes:
            self.results["data"][size] = self.size_template(size, empty, migrations, gen)
        steps = [(self.args.rounds, self.pages_and_levels), (self.args.import_rounds, self.imports)]
        for rounds, step in steps:
            if rounds <= 0:
                continue
            try:
                step(empty)
            except (RuntimeError, OSError, ValueError) as exc:  # keep what the others measured
                self.results.setdefault("errors", []).append(f"{step.__name__}: {exc}")
                log(f"{step.__name__} failed: {exc}")
        for size in self.sizes:
            self.dbs.drop(self.dbs.name(size))
        self.results["machine"]["loadavg_end"] = os.getloadavg()
        self.results["wall_s"] = time.perf_counter() - t0
        return self.results


def count_rows(path: Path) -> int:
    with path.open("rb") as f:
        return max(0, sum(1 for _ in f) - 1)


def child_analyze() -> dict:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT count(*) FROM budget_dpaline")
        lines = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM budget_opd")
        opds = cur.fetchone()[0]
    return {"lines": lines, "opds": opds}


def child_migrate() -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="DPA lines, e.g. 1k,10k,100k")
    parser.add_argument("--big", action="store_true", help=f"add {BIG_SIZE}")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of pages and roll-ups")
    parser.add_argument("--import-rounds", type=int, default=3, help="rounds of imports")
    parser.add_argument("--opds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep templates that match")
    parser.add_argument("--pdf", action="store_true", help="time the region PDF (≤ 10k)")
    parser.add_argument("--workdir", type=Path, help="where the generated files are kept")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--from-json", type=Path, help="render these results, measure nothing")
    parser.add_argument("--no-write", action="store_true", help=f"leave {DOC.name} alone")
    parser.add_argument(
        "--only",
        metavar="PREFIXES",
        help="time only the page and roll-up variants starting with one of these comma-separated"
        " prefixes (page:, page:overview, orm:, qs:, floor:, orm:program, ...)",
    )
    parser.add_argument(
        "--imports-against",
        type=Path,
        metavar="DIR",
        help="time the imports of another checkout of the project too (a worktree of an earlier"
        " commit, say), in the same rounds and in a random order with this one's: a before and"
        " after on the same minutes of the machine",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-copy", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--no-triggers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-analyze", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-migrate", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def production_env() -> None:
    # Production settings: with DEBUG on, Django keeps every SQL text it runs.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)


def child_dispatch(args: argparse.Namespace) -> dict | None:
    if args.worker:
        worker_main(args.pdf)
        return {}
    if args.child_import:
        return child_import(*args.child_import)
    if args.child_copy:
        kind, path = args.child_copy
        return child_copy(kind, path, triggers=not args.no_triggers)
    if args.child_analyze:
        return child_analyze()
    if args.child_migrate:
        return child_migrate()
    return None


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    production_env()
    child = child_dispatch(args)
    if child is not None:
        if not args.worker:
            print(json.dumps(child))
        return
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        try:
            run = Run(args)
        except ValueError as exc:
            sys.exit(str(exc))
        results = run.main()
    if args.json and not args.from_json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    section = render_markdown(results)
    print(section)
    if not args.no_write:
        DOC.write_text(replace_section(DOC.read_text(), section))
        log(f"wrote the generated section of {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
