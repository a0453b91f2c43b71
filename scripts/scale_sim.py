#!/usr/bin/env python
"""National-scale simulation: many regions in one PostgreSQL (docs/SCALE.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serapan_bench_scale \\
        .venv/bin/python scripts/scale_sim.py [--main-opds 60 --main-lines 100000] \\
        [--others 20 --other-opds 20 --other-lines 15000] [--repeat 7] \\
        [--phases load,sizes,selectors,explain] [--workdir /tmp/scale] [--json out.json]

The name in DATABASE_URL is a stem: the script DROPS and creates `<stem>_alone` and
`<stem>_many`, so the stem must contain "bench" (and it never touches any other database).

- **load**: `generate_region` (budget/generator.py) writes the main region's files (seed 7)
  and those of `--others` smaller regions (seeds 101, 102, ...). The main region is imported
  into `<stem>_alone` with the `import_dpa` and `import_realisasi` commands (one child process
  each, so that each import's time and peak RSS are its own), with a head-of-region user.
  `<stem>_many` is then copied from it (`CREATE DATABASE ... TEMPLATE`: the same rows under
  the same ids) and the other regions are imported into it one after the other. After every
  region the sizes of every table are recorded: the growth curve of one database.
- **sizes**: `pg_total_relation_size`, heap, indexes and TOAST of every table of the two
  databases (budget, pghistory events and contexts, roll-ups, jobs, Django's), with exact row
  counts, per DPA line.
- **selectors**: the main region's pages in the two databases, interleaved (alone, many,
  many, alone, ...): `absorption` at OPD level, `opd_ranking`, `periods_available` and the
  overview page `/` through Django's test client, each with its exact query count. Django
  reads and writes through a router that sends every query to the database being measured.
- **explain**: EXPLAIN (ANALYZE, BUFFERS) of the OPD-level roll-up and of the overview's
  belanja-by-jenis table (account depth 3, read from the DPA lines) in both databases.

Then it prints the figures and the extrapolation to the national scale as Markdown, and
writes everything as JSON (--json). Timings are medians of interleaved runs on a shared
machine; sizes are exact. Django runs with DEBUG=0 unless the environment says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

FORBIDDEN_DATABASES = {"serapan", "serapan_tests", "serapan_demo", "serapan_infra", "postgres"}
PHASES = ("load", "sizes", "selectors", "explain")
TAHUN = 2025
TRIWULAN = 4
MAIN_KODE = "SIM000"
KEPALA = "kepala_sim"
# The national target (issue 10): every province, kabupaten and kota.
NATIONAL_REGIONS = 546
NATIONAL_LINES_PER_REGION = 90_000
STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def region_kode(i: int) -> str:
    return f"SIM{i:03d}"


# --------------------------------------------------------------------------------------------
# Databases of our own


def database_names(url: str) -> tuple[str, str, str]:
    """(alone, many, maintenance URL) from DATABASE_URL; refuses a stem without "bench"."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must be set to a postgres:// URL whose name has 'bench'")
    parts = urlsplit(url)
    stem = parts.path.lstrip("/")
    if not stem or stem in FORBIDDEN_DATABASES or "bench" not in stem:
        raise SystemExit(
            f"refusing database name {stem!r}: the simulation drops and creates databases "
            "named after it, so the name must contain 'bench' (e.g. serapan_bench_scale)"
        )
    return f"{stem}_alone", f"{stem}_many", urlunsplit(parts._replace(path="/postgres"))


def database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def maintenance(statement: str, maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(statement.encode())  # our own names, quoted by the caller


def ensure_databases(names: tuple[str, ...], maintenance_url: str) -> None:
    """Both databases must exist before Django connects; the load phase recreates them."""
    for name in names:
        with contextlib.suppress(Exception):
            maintenance(f'CREATE DATABASE "{name}"', maintenance_url)


def recreate(name: str, maintenance_url: str, template: str | None = None) -> None:
    maintenance(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', maintenance_url)
    suffix = f' TEMPLATE "{template}"' if template else ""
    maintenance(f'CREATE DATABASE "{name}"{suffix}', maintenance_url)


class CurrentDatabase:
    """A database router sending every read and write to the alias being measured."""

    alias = "default"

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return self.alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return self.alias

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True


ROUTER = CurrentDatabase()


@contextlib.contextmanager
def using(alias: str):
    before, ROUTER.alias = ROUTER.alias, alias
    try:
        yield
    finally:
        ROUTER.alias = before


def setup_django(url: str, aliases: dict[str, str]) -> None:
    """Django on `aliases` (alias -> database name), all on the server of `url`."""
    os.environ["DATABASE_URL"] = url
    import django
    from django.conf import settings

    base = settings.DATABASES["default"]
    for alias, name in aliases.items():
        settings.DATABASES[alias] = {**base, "NAME": name, "TEST": {}}
    settings.DATABASE_ROUTERS = [ROUTER]
    # The pages' {% static %} links need no collected manifest here: what is measured is the
    # database work, as in the tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    for name in ("axes", "serapan.request"):
        logging.getLogger(name).setLevel(logging.WARNING)


def sql(statement: str, params: Any = None, alias: str = "default") -> list[tuple]:
    from django.db import connections

    with connections[alias].cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else []


# --------------------------------------------------------------------------------------------
# Load: generate, import in child processes, record the growth


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_main(command: str, path: str, kode: str) -> None:
    """One import through the management command, as an operator runs it."""
    import django

    django.setup()
    from django.core.management import call_command

    options: dict[str, Any] = {"region_kode": kode, "no_progress": True}
    if command == "import_dpa":
        options["region_nama"] = f"Kabupaten Simulasi {kode}"
    t0 = time.perf_counter()
    call_command(command, path, stdout=open(os.devnull, "w"), **options)  # noqa: SIM115
    print("RESULT " + json.dumps({"s": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}))


def wal_lsn(alias: str) -> int:
    """The cluster's WAL position in bytes (cluster-wide: other sessions' writes count too)."""
    return int(sql("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn", alias=alias)[0][0])


def run_import(command: str, path: Path, kode: str, url: str, alias: str) -> dict:
    wal0 = wal_lsn(alias)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            command,
            "--child-file",
            str(path),
            "--child-region",
            kode,
        ],
        capture_output=True,
        text=True,
        env=os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"{command} {path} failed")
    out = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))[7:])
    return {
        "command": command,
        "region": kode,
        "wall_s": wall,
        "wal_bytes": wal_lsn(alias) - wal0,
    } | out


def generate(kode: str, opds: int, lines: int, seed: int, workdir: Path) -> dict:
    from budget.generator import generate_region

    out = workdir / kode
    if not (out / "realisasi.csv").exists():
        generate_region(opds=opds, lines=lines, years=[TAHUN], seed=seed, out=out)
    return {"kode": kode, "dpa": out / "dpa.csv", "realisasi": out / "realisasi.csv"}


def import_region(region: dict, url: str, alias: str) -> list[dict]:
    runs = [
        run_import("import_dpa", region["dpa"], region["kode"], url, alias),
        run_import("import_realisasi", region["realisasi"], region["kode"], url, alias),
    ]
    for r in runs:
        log(f"  {r['command']} {r['region']}: {r['s']:.1f} s, {r['rss_mb']:.0f} MB")
    return runs


def add_head_of_region(alias: str) -> None:
    """The user whose overview page is measured: head of the main region (read-only)."""
    from django.contrib.auth.models import Group, User

    from budget.models import Profile, Region
    from budget.roles import GROUP_KEPALA

    with using(alias):
        user, _created = User.objects.get_or_create(username=KEPALA)
        user.groups.add(Group.objects.get_or_create(name=GROUP_KEPALA)[0])
        Profile.objects.get_or_create(user=user, region=Region.objects.get(kode=MAIN_KODE))


def vacuum_analyze(alias: str) -> None:
    from django.db import connections

    connections[alias].ensure_connection()
    conn = connections[alias].connection
    if conn is None:
        raise RuntimeError(f"no connection to {alias}")
    with connections[alias].cursor() as cur:
        autocommit = conn.autocommit
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
        conn.autocommit = autocommit


def load(args: argparse.Namespace, url: str, names: tuple[str, str, str], results: dict) -> None:
    alone, many, maint = names
    from django.db import connections

    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    main_region = generate(MAIN_KODE, args.main_opds, args.main_lines, 7, workdir)
    others = [
        generate(region_kode(i), args.other_opds, args.other_lines, 100 + i, workdir)
        for i in range(1, args.others + 1)
    ]
    log(f"files generated in {time.perf_counter() - t0:.0f} s under {workdir}")

    from django.core.management import call_command

    connections.close_all()
    if args.reuse_main:
        # The main region of an earlier run (the slowest part): its import times come from
        # that run's JSON.
        imports = [
            r
            for r in json.loads(args.reuse_main.read_text())["imports"]
            if r["region"] == MAIN_KODE
        ]
    else:
        recreate(alone, maint)
        with using("alone"):
            call_command("migrate", database="alone", verbosity=0)
        imports = import_region(main_region, database_url(url, alone), "alone")
        add_head_of_region("alone")
        vacuum_analyze("alone")
    growth = [{"regions": 1, **size_totals("alone")}]
    connections.close_all()
    recreate(many, maint, template=alone)
    for region in others:
        imports += import_region(region, database_url(url, many), "many")
        growth.append({"regions": len(growth) + 1, **size_totals("many")})
        log(
            f"  {growth[-1]['regions']} regions: {growth[-1]['lines']:,} lines, "
            f"{growth[-1]['total_bytes'] / 2**20:,.0f} MiB"
        )
    vacuum_analyze("many")
    growth.append({"regions": len(growth), "after_vacuum": True, **size_totals("many")})
    results["imports"] = imports
    results["growth"] = growth


# --------------------------------------------------------------------------------------------
# Sizes


SIZE_SQL = """
SELECT c.relname,
       pg_total_relation_size(c.oid),
       pg_relation_size(c.oid),
       pg_indexes_size(c.oid),
       coalesce(pg_total_relation_size(c.reltoastrelid), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY 2 DESC
"""


def table_sizes(alias: str) -> list[dict]:
    out = []
    for name, total, heap, indexes, toast in sql(SIZE_SQL, alias=alias):
        # A table name read from pg_class, quoted.
        rows = sql(f'SELECT count(*) FROM "{name}"', alias=alias)[0][0]  # noqa: S608
        out.append(
            {
                "table": name,
                "rows": rows,
                "total": total,
                "heap": heap,
                "indexes": indexes,
                "toast": toast,
            }
        )
    return out


def size_totals(alias: str) -> dict:
    sizes = {t["table"]: t for t in table_sizes(alias)}
    return {
        "lines": sizes["budget_dpaline"]["rows"],
        "realisasi": sizes["budget_realisasi"]["rows"],
        "rollup_rows": sizes["budget_rollup"]["rows"],
        "total_bytes": sum(t["total"] for t in sizes.values()),
        "index_bytes": sum(t["indexes"] for t in sizes.values()),
        "db_bytes": sql("SELECT pg_database_size(current_database())", alias=alias)[0][0],
        "tables": sizes,
    }


def index_definitions(alias: str, tables: tuple[str, ...]) -> list[dict]:
    rows = sql(
        "SELECT tablename, indexname, pg_relation_size(format('%%I', indexname)::regclass), "
        "indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) "
        "ORDER BY 1, 3 DESC",
        [list(tables)],
        alias=alias,
    )
    return [{"table": t, "index": i, "bytes": b, "definition": d} for t, i, b, d in rows]


# --------------------------------------------------------------------------------------------
# The main region's pages, alone and among the others


def measure_selectors(repeat: int) -> dict:
    from django.db import connections, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from budget.models import Region
    from budget.selectors import absorption, opd_ranking, periods_available

    clients: dict[str, Client] = {}
    regions: dict[str, Region] = {}
    for alias in ("alone", "many"):
        with using(alias):
            from django.contrib.auth.models import User

            regions[alias] = Region.objects.get(kode=MAIN_KODE)
            clients[alias] = Client()
            clients[alias].force_login(User.objects.get(username=KEPALA))

    def overview(alias: str) -> None:
        response = clients[alias].get(f"/?tahun={TAHUN}&triwulan={TRIWULAN}", secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"overview answered {response.status_code}")

    cases = {
        "absorption opd": lambda a: absorption(region=regions[a], tahun=TAHUN, triwulan=TRIWULAN),
        "opd_ranking": lambda a: opd_ranking(region=regions[a], tahun=TAHUN, triwulan=TRIWULAN),
        "periods_available": lambda a: periods_available(region=regions[a]),
        "overview page /": overview,
    }
    samples: dict[str, dict[str, list[float]]] = {c: {"alone": [], "many": []} for c in cases}
    queries: dict[str, dict[str, int]] = {c: {} for c in cases}
    answers: dict[str, dict[str, Any]] = {c: {} for c in cases}
    for alias in ("alone", "many"):  # warm-up, and the query counts and answers to compare
        for name, fn in cases.items():
            with using(alias), CaptureQueriesContext(connections[alias]) as captured:
                answer = fn(alias)
            queries[name][alias] = len(captured)
            answers[name][alias] = repr(answer) if name != "overview page /" else None
    for i in range(repeat):
        order = ("alone", "many") if i % 2 == 0 else ("many", "alone")
        for name, fn in cases.items():
            for alias in order:
                with using(alias):
                    t0 = time.perf_counter()
                    fn(alias)
                    samples[name][alias].append(time.perf_counter() - t0)
        reset_queries()
    out = {}
    for name in cases:
        alone, many = (statistics.median(samples[name][a]) for a in ("alone", "many"))
        out[name] = {
            "alone_ms": alone * 1000,
            "many_ms": many * 1000,
            "ratio": many / alone,
            "queries": queries[name],
            "same_answer": answers[name]["alone"] == answers[name]["many"],
            "samples_ms": {a: [s * 1000 for s in v] for a, v in samples[name].items()},
        }
    return out


def explain_plans() -> dict:
    from budget.codes import Jenis
    from budget.models import Region
    from budget.selectors import absorption_queryset

    plans = {}
    for alias in ("alone", "many"):
        with using(alias):
            region = Region.objects.get(kode=MAIN_KODE)
            rollup = absorption_queryset(region=region, tahun=TAHUN, triwulan=TRIWULAN)
            lines = absorption_queryset(
                region=region,
                tahun=TAHUN,
                triwulan=TRIWULAN,
                level="akun",
                depth=3,
                jenis=Jenis.BELANJA.value,
            )
            plans[alias] = {
                "rollup opd": rollup.explain(analyze=True, buffers=True),
                "lines akun depth 3": lines.explain(analyze=True, buffers=True),
            }
    return plans


# --------------------------------------------------------------------------------------------
# Report


def mib(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:,.1f} MiB"


def extrapolate(results: dict) -> dict:
    """The national figures from the measured growth: bytes per DPA line between the first
    (main region alone) and the last point, times 546 regions of 90.000 lines a year."""
    growth = [g for g in results["growth"] if not g.get("after_vacuum")]
    first, last = growth[0], growth[-1]
    per_line_avg = last["total_bytes"] / last["lines"]
    # One region alone (--others 0): no growth to measure, the average per line stands in.
    grown = last["lines"] - first["lines"]
    per_line = (last["total_bytes"] - first["total_bytes"]) / grown if grown else per_line_avg
    lines_year = NATIONAL_REGIONS * NATIONAL_LINES_PER_REGION
    rollup_per_region = last["tables"]["budget_rollup"]["total"] / (len(growth))
    imports = results["imports"]
    per_command = {}
    for command in ("import_dpa", "import_realisasi"):
        runs = [r for r in imports if r["command"] == command and r["region"] != MAIN_KODE]
        main = next(r for r in imports if r["command"] == command and r["region"] == MAIN_KODE)
        per_command[command] = {
            "other_median_s": statistics.median(r["s"] for r in runs),
            "other_first_s": runs[0]["s"],
            "other_last_s": runs[-1]["s"],
            "main_s": main["s"],
            "main_rss_mb": main["rss_mb"],
            "main_wal_bytes": main["wal_bytes"],
        }
    main_lines = first["lines"]
    region_import_s = (
        per_command["import_dpa"]["main_s"] + per_command["import_realisasi"]["main_s"]
    )
    return {
        "bytes_per_line_growth": per_line,
        "bytes_per_line_average": per_line_avg,
        "national_lines_per_year": lines_year,
        "national_bytes_per_year": per_line * lines_year,
        "rollup_bytes_per_region_year": rollup_per_region,
        "national_rollup_bytes_per_year": rollup_per_region * NATIONAL_REGIONS,
        "imports": per_command,
        "main_region_import_s": region_import_s,
        "national_import_core_hours": region_import_s * lines_year / main_lines / 3600,
    }


def _growth_markdown(results: dict) -> list[str]:
    out = [
        "## Growth of one database",
        "",
        "| regions | DPA lines | realisasi | roll-up rows | all tables | indexes | per line |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for g in results["growth"]:
        note = " (after VACUUM)" if g.get("after_vacuum") else ""
        out.append(
            f"| {g['regions']}{note} | {g['lines']:,} | {g['realisasi']:,} | "
            f"{g['rollup_rows']:,} | {mib(g['total_bytes'])} | {mib(g['index_bytes'])} | "
            f"{g['total_bytes'] / g['lines']:,.0f} B |"
        )
    first, last = results["growth"][0], results["growth"][-1]
    out += [
        "",
        "## Tables at the first and last point (bytes per DPA line)",
        "",
        "| table | rows | total | heap | indexes | per line (first) | per line (last) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, t in sorted(last["tables"].items(), key=lambda kv: -kv[1]["total"]):
        f = first["tables"].get(name, {"total": 0})
        out.append(
            f"| `{name}` | {t['rows']:,} | {mib(t['total'])} | {mib(t['heap'])} | "
            f"{mib(t['indexes'])} | {f['total'] / first['lines']:,.1f} | "
            f"{t['total'] / last['lines']:,.1f} |"
        )
    return out


def _imports_markdown(results: dict) -> list[str]:
    out = [
        "## Imports (command time in the child, without start-up)",
        "",
        "| region | command | time | peak RSS | WAL (cluster-wide) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in results["imports"]:
        out.append(
            f"| {r['region']} | {r['command']} | {r['s']:.1f} s | {r['rss_mb']:,.0f} MB | "
            f"{mib(r['wal_bytes'])} |"
        )
    return out


def _selectors_markdown(results: dict) -> list[str]:
    out = [
        "## The main region alone and among the others (medians, interleaved)",
        "",
        "| call | alone | with the others | ratio | queries | same answer |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, s in results["selectors"].items():
        out.append(
            f"| {name} | {s['alone_ms']:.1f} ms | {s['many_ms']:.1f} ms | {s['ratio']:.2f} | "
            f"{s['queries']['alone']} / {s['queries']['many']} | {s['same_answer']} |"
        )
    return out


def markdown(results: dict) -> str:
    out: list[str] = []
    if "growth" in results:
        out += _growth_markdown(results)
    if "imports" in results:
        out += ["", *_imports_markdown(results)]
    if "selectors" in results:
        out += ["", *_selectors_markdown(results)]
    if "extrapolation" in results:
        out += ["", "## Extrapolation", "", "```", json.dumps(results["extrapolation"], indent=2)]
        out.append("```")
    for alias, plans in results.get("explain", {}).items():
        for name, plan in plans.items():
            out += ["", f"### EXPLAIN {name}, {alias}", "", "```", plan, "```"]
    return "\n".join(out)


def sizes_phase(results: dict) -> None:
    results["sizes"] = {a: size_totals(a) for a in ("alone", "many")}
    results["indexes"] = index_definitions(
        "many", ("budget_dpaline", "budget_realisasi", "budget_rollup", "budget_quarterreport")
    )
    if "growth" not in results:
        results["growth"] = [
            results["sizes"]["alone"] | {"regions": 1},
            results["sizes"]["many"] | {"regions": "all"},
        ]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--main-opds", type=int, default=60)
    p.add_argument("--main-lines", type=int, default=100_000)
    p.add_argument("--others", type=int, default=20, help="regions beside the main one")
    p.add_argument("--other-opds", type=int, default=20)
    p.add_argument("--other-lines", type=int, default=15_000)
    p.add_argument("--repeat", type=int, default=7, help="interleaved runs of each call")
    p.add_argument("--phases", default=",".join(PHASES))
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "serapan-scale")
    p.add_argument("--json", type=Path, help="write every result here")
    p.add_argument(
        "--reuse-main",
        type=Path,
        metavar="JSON",
        help="keep <stem>_alone as an earlier run left it; its main-region imports from its JSON",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-file", help=argparse.SUPPRESS)
    p.add_argument("--child-region", help=argparse.SUPPRESS)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args.child:
        child_main(args.child, args.child_file, args.child_region)
        return
    url = os.environ.get("DATABASE_URL", "")
    names = database_names(url)
    phases = set(args.phases.split(","))
    if phases - set(PHASES):
        raise SystemExit(f"unknown phases {sorted(phases - set(PHASES))}; choose from {PHASES}")
    # Production settings unless told otherwise: with DEBUG on, Django keeps every SQL text.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "scale-sim-only-" + os.urandom(16).hex())
    alone, many, maint = names
    if "load" in phases and not args.reuse_main:
        ensure_databases((alone, many), maint)
    setup_django(database_url(url, alone), {"alone": alone, "many": many})
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    results["server"] = sql("SELECT version()", alias="alone")[0][0]
    results["settings"] = dict(
        sql(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', "
            "'effective_cache_size')",
            alias="alone",
        )
    )
    results["loadavg_start"] = os.getloadavg()
    if "load" in phases:
        load(args, url, names, results)
    if "sizes" in phases:
        sizes_phase(results)
    if "selectors" in phases:
        results["selectors"] = measure_selectors(args.repeat)
    if "explain" in phases:
        results["explain"] = explain_plans()
    if "imports" in results:
        results["extrapolation"] = extrapolate(results)
    results["loadavg_end"] = os.getloadavg()
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
