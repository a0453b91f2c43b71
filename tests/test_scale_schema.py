"""What the national plan (docs/SCALE.md) needs of today's schema, read from the live schema
of the test database (pg_catalog) and from Django's model meta.

Every table is classified: a region's data (distributed by `region_id` under Citus), shared
reference data, or coordinator-local (people, sessions, jobs, Django's own). A region table
carries a NOT NULL region key; its unique constraints and multi-column indexes lead with or
include the region key, unless they are listed below as a change the Citus move makes (and
docs/SCALE.md names them); every relation between region tables joins rows of one region.
Each checker is also run on a fabricated bad table, to show it catches what it guards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models
from psycopg import sql as pgsql

from budget.models import DpaLine, QuarterReport, Region, Upaya
from tests.factories import (
    PENDAPATAN,
    AccountFactory,
    DpaLineFactory,
    OpdFactory,
    RealisasiFactory,
    RegionFactory,
    dpa_row,
    realisasi_row,
    revenue_row,
)
from tests.helpers import run_command
from tests.scratch_db import PROJECT_DIR, load_script

SCALE_DOC = PROJECT_DIR / "docs" / "SCALE.md"
REGION_KEY = "region_id"

# One region's rows: the distributed tables of docs/SCALE.md, co-located on region_id.
REGION_TABLES = frozenset(
    {
        "budget_opd",
        "budget_program",
        "budget_kegiatan",
        "budget_subkegiatan",
        "budget_account",
        "budget_dpaline",
        "budget_realisasi",
        "budget_rollup",
        "budget_subkegiatanrollup",
        "budget_dpachangeset",
        "budget_quarterreport",
        "budget_dpalineevent",
        "budget_realisasievent",
        "budget_quarterreportevent",
        "budget_opdmapping",
        "budget_upaya",
        "budget_upayaevent",
        "budget_realisasifisik",
        "budget_realisasifisikevent",
        "budget_dpaversion",
        "budget_dpalineversion",
        "budget_dpaversionrollup",
    }
)
# Small and read by every region: reference tables (copied to every node).
REFERENCE_TABLES = frozenset({"budget_region", "budget_criteriaband", "budget_targetpenyerapan"})
# Stay on the coordinator (or the one primary): people, sessions, jobs, audit context.
LOCAL_TABLES = frozenset({"budget_profile", "jobs_job", "pghistory_context"})
LOCAL_PREFIXES = ("auth_", "django_", "axes_", "authtoken_")

# Unique constraints and indexes of region tables without the region key today. Each is a
# change of the Citus move, named in docs/SCALE.md: Citus enforces uniqueness only when the
# distribution column is part of the key.
UNIQUE_WITHOUT_REGION = frozenset(
    {
        *(f"{t}_pkey" for t in REGION_TABLES),  # id (pgh_id): becomes (region_id, id)
        "realisasi_one_per_quarter",  # (line_id, triwulan)
        "report_one_per_opd_quarter",  # (opd_id, tahun, triwulan)
    }
)
# Foreign keys from region tables to tables that are neither region nor reference tables:
# Citus refuses a foreign key from a distributed table to a local one.
FK_TO_LOCAL = frozenset(
    {
        "budget_quarterreport.submitted_by_id",
        "budget_quarterreport.verified_by_id",
        "budget_quarterreport.updated_by_id",
        "budget_quarterreport.sent_back_by_id",
    }
)


@dataclass(frozen=True)
class Index:
    table: str
    name: str
    columns: tuple[str, ...]
    unique: bool


def tables() -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        )
        return {r[0] for r in cur.fetchall()}


def indexes(table_names: frozenset[str] | set[str]) -> list[Index]:
    """Every index of these tables with its key columns in order (INCLUDE columns left out)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT t.relname, i.relname, x.indisunique,
                   array(SELECT a.attname FROM unnest(x.indkey[:x.indnkeyatts - 1])
                         WITH ORDINALITY AS k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                         ORDER BY k.n)
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE t.relname = ANY(%s)
            """,
            [sorted(table_names)],
        )
        return [Index(t, i, tuple(cols), unique) for t, i, unique, cols in cur.fetchall()]


# --------------------------------------------------------------------------------------------
# The checkers: each returns what is wrong, so that a test can show it on a bad case


def unclassified(names: set[str]) -> list[str]:
    known = REGION_TABLES | REFERENCE_TABLES | LOCAL_TABLES
    return sorted(n for n in names if n not in known and not n.startswith(LOCAL_PREFIXES))


def region_key_missing(table_names: frozenset[str]) -> list[str]:
    """Region tables without a NOT NULL region_id referencing budget_region."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = %s AND a.attnotnull
            WHERE c.relname = ANY(%s)
            """,
            [REGION_KEY, sorted(table_names)],
        )
        not_null = {r[0] for r in cur.fetchall()}
    return sorted(set(table_names) - not_null)


def unique_without_region(table_names: frozenset[str], allowed: frozenset[str]) -> list[str]:
    return sorted(
        f"{i.table}.{i.name}"
        for i in indexes(table_names)
        if i.unique and REGION_KEY not in i.columns and i.name not in allowed
    )


def indexes_not_led_by_region(table_names: frozenset[str], allowed: frozenset[str]) -> list[str]:
    """Multi-column indexes of region tables whose first column is not region_id. (Django's
    one-column indexes on foreign keys serve joins and foreign-key checks, not region pages.)"""
    return sorted(
        f"{i.table}.{i.name}"
        for i in indexes(table_names)
        if len(i.columns) > 1 and i.columns[0] != REGION_KEY and i.name not in allowed
    )


def foreign_keys(table_names: frozenset[str]) -> list[tuple[str, str, str]]:
    """(table, column, referenced table) of every one-column foreign key of these tables."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
              AND c.conrelid::regclass::text = ANY(%s)
            """,
            [sorted(table_names)],
        )
        return [tuple(r) for r in cur.fetchall()]


def fk_to_local(table_names: frozenset[str], allowed: frozenset[str]) -> list[str]:
    shared = REGION_TABLES | REFERENCE_TABLES
    return sorted(
        f"{t}.{col}"
        for t, col, ref in foreign_keys(table_names)
        if ref not in shared and f"{t}.{col}" not in allowed
    )


def region_relations() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every foreign key (with or without a database constraint: pghistory's events have
    none) from one region table to another, from Django's model meta."""
    out = []
    for model in apps.get_models():
        if model._meta.db_table not in REGION_TABLES:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model._meta.db_table in REGION_TABLES:
                out.append((model, f))
    return out


def cross_region_rows(model: type[models.Model], field: models.ForeignKey) -> tuple[int, int]:
    """(rows joined, rows whose referenced row is of another region) for one relation."""
    child = model._meta.db_table
    parent = field.related_model._meta
    pk_column = parent.pk.column
    assert pk_column is not None
    statement = pgsql.SQL(
        "SELECT count(*), count(*) FILTER (WHERE c.region_id IS DISTINCT FROM p.region_id) "
        "FROM {child} c JOIN {parent} p ON p.{pk} = c.{fk}"
    ).format(
        child=pgsql.Identifier(child),
        parent=pgsql.Identifier(parent.db_table),
        pk=pgsql.Identifier(pk_column),
        fk=pgsql.Identifier(field.column),
    )
    with connection.cursor() as cur:
        cur.execute(statement)
        joined, foreign = cur.fetchone()
    return joined, foreign


# --------------------------------------------------------------------------------------------
# Today's schema


@pytest.mark.django_db
def test_every_table_is_a_region_table_a_reference_table_or_local():
    assert unclassified(tables()) == []
    assert tables() >= REGION_TABLES | REFERENCE_TABLES | LOCAL_TABLES


@pytest.mark.django_db
def test_every_region_table_carries_a_not_null_region_key():
    assert region_key_missing(REGION_TABLES) == []
    models_with_region = {
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "region" and not f.null for f in m._meta.concrete_fields)
    }
    assert models_with_region == set(REGION_TABLES)


@pytest.mark.django_db
def test_every_unique_constraint_of_a_region_table_includes_the_region_key_or_is_listed():
    assert unique_without_region(REGION_TABLES, UNIQUE_WITHOUT_REGION) == []
    # The list shrinks as the Citus move proceeds: no entry may outlive its constraint.
    existing = {i.name for i in indexes(REGION_TABLES)}
    assert existing >= UNIQUE_WITHOUT_REGION


@pytest.mark.django_db
def test_the_indexes_region_pages_read_lead_with_the_region_key():
    assert indexes_not_led_by_region(REGION_TABLES, UNIQUE_WITHOUT_REGION) == []
    page_indexes = {
        "budget_dpaline": {"dpa_region_tahun_opd", "dpa_region_tahun_jenis", "dpa_line_unique_key"},
        "budget_realisasi": {"realisasi_region_line_tw"},
        "budget_rollup": {"rollup_unique_key"},
        "budget_subkegiatanrollup": {"rollup_sk_unique_key"},
        "budget_dpachangeset": {"dpa_change_set_unique_key"},
        "budget_quarterreport": {"report_region_period"},
    }
    found = {(i.table, i.name): i.columns for i in indexes(frozenset(page_indexes))}
    for table, names in page_indexes.items():
        for name in names:
            assert found[(table, name)][0] == REGION_KEY, (table, name)


@pytest.mark.django_db
def test_region_tables_refer_only_to_region_or_reference_tables_or_are_listed():
    assert fk_to_local(REGION_TABLES, FK_TO_LOCAL) == []
    assert {f"{t}.{c}" for t, c, _ref in foreign_keys(REGION_TABLES)} >= FK_TO_LOCAL


def test_docs_scale_names_every_listed_exception():
    """Every exception the checkers allow is a change docs/SCALE.md plans."""
    text = SCALE_DOC.read_text()
    listed = (UNIQUE_WITHOUT_REGION - {f"{t}_pkey" for t in REGION_TABLES}) | FK_TO_LOCAL
    missing = sorted(name for name in listed if name not in text)
    assert missing == []
    for table in REGION_TABLES | REFERENCE_TABLES | LOCAL_TABLES:
        assert f"`{table}`" in text, table


# --------------------------------------------------------------------------------------------
# Every relation between region tables stays inside one region (on data)


def _two_regions_through_the_importers(files) -> None:
    """Two regions with the same codes, imported as operators do: the importers must link
    each line to the OPD, account and sub kegiatan of its own region."""
    dpa = files.csv([dpa_row(), revenue_row()])
    real = files.csv(
        [
            realisasi_row(),
            realisasi_row(kode_sub_kegiatan="", kode_rekening=PENDAPATAN, realisasi="5000"),
        ]
    )
    fisik = files.csv(
        [
            {k: v for k, v in realisasi_row().items() if k not in ("kode_rekening", "realisasi")}
            | {"fisik_persen": "30"}
        ]
    )
    for kode in ("91.01", "91.02"):
        run_command(
            "import_dpa", dpa, region_kode=kode, region_nama=f"Kabupaten {kode}", no_progress=True
        )
        run_command("import_realisasi", real, region_kode=kode, no_progress=True)
        run_command("import_fisik", fisik, region_kode=kode, no_progress=True)


@pytest.mark.django_db
def test_every_relation_between_region_tables_joins_rows_of_one_region(files):
    _two_regions_through_the_importers(files)
    for region in (RegionFactory.create(), RegionFactory.create()):
        line = DpaLineFactory.create(region=region)
        RealisasiFactory.create(line=line, region=region)
        DpaLineFactory.create(
            region=region, account=AccountFactory.create(region=region, kode=PENDAPATAN)
        )
        QuarterReport.objects.create(region=region, opd=line.opd, tahun=line.tahun, triwulan=1)
        Upaya.objects.create(
            region=region,
            opd=line.opd,
            tahun=line.tahun,
            triwulan=1,
            kendala="pengadaan",
            tindakan="Tender ulang",
            penanggung_jawab="Kabid",
            batas_waktu=date(line.tahun, 6, 30),
        )
    relations = region_relations()
    # Those the distributed schema co-locates; the events' relations (no database constraint)
    # are among them.
    names = {(m._meta.db_table, f.column) for m, f in relations}
    assert ("budget_realisasi", "line_id") in names
    assert ("budget_realisasievent", "pgh_obj_id") in names
    for model, field in relations:
        joined, foreign = cross_region_rows(model, field)
        assert joined > 0, f"{model._meta.db_table}.{field.column} was not exercised"
        assert foreign == 0, f"{model._meta.db_table}.{field.column} crosses regions"


# --------------------------------------------------------------------------------------------
# The checkers catch what they guard


@pytest.fixture
def fake_region_table(db):
    """A region table as it must not be: its code unique across regions, an index by code,
    a nullable region key, a reference to a user. Created inside the test's transaction."""
    with connection.cursor() as cur:
        cur.execute(
            """
            CREATE TABLE budget_scale_fake (
                id bigserial PRIMARY KEY,
                region_id bigint REFERENCES budget_region (id),
                kode varchar(20) NOT NULL,
                tahun smallint NOT NULL,
                owner_id integer REFERENCES auth_user (id),
                CONSTRAINT fake_unique_kode UNIQUE (kode)
            );
            CREATE INDEX fake_tahun_region ON budget_scale_fake (tahun, region_id);
            """
        )
    return frozenset({"budget_scale_fake"})


def test_the_checkers_catch_a_fabricated_bad_region_table(fake_region_table):
    assert unclassified(tables()) == ["budget_scale_fake"]
    assert region_key_missing(fake_region_table) == ["budget_scale_fake"]
    assert unique_without_region(fake_region_table, frozenset()) == [
        "budget_scale_fake.budget_scale_fake_pkey",
        "budget_scale_fake.fake_unique_kode",
    ]
    assert indexes_not_led_by_region(fake_region_table, frozenset()) == [
        "budget_scale_fake.fake_tahun_region"
    ]
    assert fk_to_local(fake_region_table, frozenset()) == ["budget_scale_fake.owner_id"]


@pytest.mark.django_db
def test_the_relation_check_catches_a_line_of_one_region_under_another_regions_opd():
    # Nothing in today's schema refuses this (the foreign keys are on id alone): docs/SCALE.md
    # plans composite keys (region_id, opd_id) -> (region_id, id) that would.
    here, there = RegionFactory.create(), RegionFactory.create()
    line = DpaLineFactory.create(region=here)
    DpaLine.objects.filter(pk=line.pk).update(opd=OpdFactory.create(region=there))
    field = DpaLine._meta.get_field("opd")
    assert isinstance(field, models.ForeignKey)
    assert cross_region_rows(DpaLine, field) == (1, 1)
    assert Region.objects.count() == 2


def test_the_simulation_refuses_a_database_without_bench_in_its_name():
    sim = load_script(Path(PROJECT_DIR / "scripts" / "scale_sim.py"))
    with pytest.raises(SystemExit, match="bench"):
        sim.database_names("postgres://postgres@127.0.0.1:5432/serapan")
    alone, many, maintenance = sim.database_names("postgres://u@h:5432/serapan_bench_x")
    assert (alone, many) == ("serapan_bench_x_alone", "serapan_bench_x_many")
    assert maintenance.endswith("/postgres")
