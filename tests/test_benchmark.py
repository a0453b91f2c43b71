"""The benchmark's pure helpers (scripts/benchmark.py): no database, no timing."""

from typing import Any

import pytest

from scripts.benchmark import (
    BEGIN,
    END,
    QUICK_REPEATS,
    Databases,
    PageWorker,
    check_bench_name,
    fingerprint,
    fmt_duration,
    median,
    parse_size,
    ratio,
    render_markdown,
    replace_section,
    size_label,
    variant_wanted,
    verdict,
)


def test_sizes_read_and_print_as_people_write_them():
    assert [parse_size(s) for s in ("1k", "10K", "1.5k", "400k", "2m", "750")] == [
        1_000,
        10_000,
        1_500,
        400_000,
        2_000_000,
        750,
    ]
    assert [size_label(n) for n in (1_000, 100_000, 1_500, 2_000_000)] == [
        "1k",
        "100k",
        "1500",
        "2m",
    ]


@pytest.mark.parametrize("text", ["", "k", "0", "-1k", "0.5", "ten"])
def test_it_refuses_what_is_not_a_size(text):
    with pytest.raises(ValueError):  # noqa: PT011 (float() and ours say it alike)
        parse_size(text)


def test_a_run_lasts_minutes_and_seconds():
    assert [fmt_duration(x) for x in (1005.53, 59.6, 60.0, None)] == [
        "16 min 46 s",
        "1 min 0 s",
        "1 min 0 s",
        "—",
    ]


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None


def test_a_ratio_without_a_positive_denominator_is_undefined():
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(1.0, 0.0) is None
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None


def test_a_target_is_met_up_to_its_limit_and_unjudged_without_a_figure():
    assert verdict(3.0, 3.0) == "met"
    assert verdict(3.01, 3.0) == "**missed**"
    assert verdict(None, 3.0) == "not measured"


def test_only_keeps_the_variants_that_start_with_one_of_its_prefixes():
    assert variant_wanted("orm:program", None)
    assert variant_wanted("page:xlsx", "page:overview, page:xlsx")
    assert not variant_wanted("page:ranking", "page:overview,page:xlsx")
    assert variant_wanted("floor:akun6", "orm:,floor:")
    assert not variant_wanted("qs:akun6", "orm:,floor:")


@pytest.mark.parametrize(
    "name", ["serapan", "serapan_tests", "serapan_demo", "postgres", "prod", "", "x" * 50 + "bench"]
)
def test_it_refuses_a_database_whose_name_does_not_say_bench(name):
    with pytest.raises(ValueError, match="refusing|too long"):
        check_bench_name(name)


def test_every_database_it_would_drop_is_named_after_a_bench_stem():
    dbs = Databases("postgres://postgres@127.0.0.1:5432/serapan_bench")
    assert dbs.name("10k_tpl") == "serapan_bench_10k_tpl"
    assert dbs.url(dbs.name("1k")).endswith("/serapan_bench_1k")
    with pytest.raises(ValueError, match="refusing"):
        Databases("postgres://postgres@127.0.0.1:5432/serapan")


def test_the_fingerprint_changes_with_any_input_and_not_with_the_migrations_order():
    base: dict[str, Any] = {"lines": 1000, "opds": 60, "seed": 7, "tahun": 2025, "generator": "abc"}
    a = fingerprint(**base, migrations=["budget.0001", "budget.0002"])
    assert a == fingerprint(**base, migrations=["budget.0002", "budget.0001"])
    assert a != fingerprint(**base, migrations=["budget.0001"])
    assert a != fingerprint(**(base | {"seed": 8}), migrations=["budget.0001", "budget.0002"])
    assert a != fingerprint(
        **(base | {"generator": "abd"}), migrations=["budget.0001", "budget.0002"]
    )


def test_the_generated_section_replaces_the_old_one_and_keeps_the_rest():
    doc = f"# Title\n\nintro\n\n{BEGIN}\nold figures\n{END}\n\n## History\n\nkept\n"
    new = replace_section(doc, "new figures\n")
    assert new == f"# Title\n\nintro\n\n{BEGIN}\nnew figures\n{END}\n\n## History\n\nkept\n"
    assert replace_section(new, "new figures") == new


def test_without_markers_the_section_goes_under_the_title():
    new = replace_section("# Title\n\nhistory\n", "figures")
    assert new == f"# Title\n\n{BEGIN}\nfigures\n{END}\n\n\nhistory\n"


def results(**over):
    page = {
        "1k": {"median_s": 0.1, "queries": 15},
        "10k": {"median_s": 0.12, "queries": 15},
        "100k": {"median_s": 0.35, "queries": 15},
    }
    base = {
        "sizes": ["1k", "10k", "100k"],
        "rounds": 5,
        "import_rounds": 3,
        "machine": {"commit": "abc1234", "cores": 2, "ram_gib": 23.5},
        "data": {"1k": {"lines": 1000, "opds": 60}},
        "pages": {
            "overview": page,
            "ranking": {s: v | {"queries": 9 + i} for i, (s, v) in enumerate(page.items())},
            "xlsx": {"100k": {"median_s": 1.2, "queries": 31}},
        },
        "levels": {"unavailable": "scripts/sql_floor.py cannot be imported"},
        "imports": {
            "copy_unavailable": "scripts/copy_floor.py is missing",
            "100k": {"realisasi": {"rows": 400_000, "import_s": 70.0, "peak_mb": 1300.0}},
        },
    }
    return base | over


def test_the_markdown_judges_growth_queries_and_memory():
    md = render_markdown(results())
    overview = next(line for line in md.splitlines() if line.startswith("| `/` overview"))
    assert "| 100 | 120 | 350 | 15 / 15 / 15 | 3.50× |" in overview
    assert "**missed**" in overview
    assert "queries same" in overview
    ranking = next(line for line in md.splitlines() if line.startswith("| `/peringkat/`"))
    assert "9 / 10 / 11" in ranking
    assert "**queries grow**" in ranking
    realisasi = next(line for line in md.splitlines() if line.startswith("| `import_realisasi`"))
    assert "1,300 MB" in realisasi
    assert "memory **missed**" in realisasi
    assert "| 100k | 1,200 | 350 | 3.43× | **missed** |" in md


def test_the_region_xlsx_is_judged_at_the_targets_size_only():
    sizes = ["1k", "100k", "400k"]
    page = {s: {"median_s": 0.1, "queries": 15} for s in sizes}
    xlsx = {"1k": {"median_s": 0.05}, "100k": {"median_s": 0.2}, "400k": {"median_s": 0.9}}
    md = render_markdown(results(sizes=sizes, pages={"overview": page, "xlsx": xlsx}))
    assert "| 100k | 200 | 100 | 2.00× | met |" in md
    assert "| 400k | 900 | 100 | 9.00× | — |" in md


def test_the_markdown_says_so_when_a_floor_is_not_available():
    md = render_markdown(results())
    assert "**SQL floor not available**: scripts/sql_floor.py cannot be imported." in md
    assert "COPY floor not available: scripts/copy_floor.py is missing." in md


def _worker(variant) -> PageWorker:
    worker = object.__new__(PageWorker)  # no Django set-up: only its variants are needed
    worker.variants = {"v": variant}
    return worker


def test_a_quick_variant_is_called_again_and_gives_the_median_of_its_calls(monkeypatch):
    ticks = iter(range(1000))
    monkeypatch.setattr("scripts.benchmark.time.perf_counter", lambda: next(ticks) * 0.001)
    calls = []
    reply = _worker(lambda: calls.append(1)).time("v")
    assert reply["calls"] == len(calls) == QUICK_REPEATS
    assert reply["seconds"] == pytest.approx(0.001)


def test_a_slow_variant_is_called_once_a_round(monkeypatch):
    ticks = iter([0.0, 0.5])
    monkeypatch.setattr("scripts.benchmark.time.perf_counter", lambda: next(ticks))
    calls = []
    reply = _worker(lambda: calls.append(1)).time("v")
    assert reply == {"seconds": 0.5, "calls": 1}
    assert len(calls) == 1
