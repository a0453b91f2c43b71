"""The region roll-ups (budget_rollup, budget_subkegiatanrollup, and the DPA change sets,
budget_dpachangeset) equal the detail after any sequence of writes: DPA
imports (murni and perubahan, fund sources changed), realisasi imports, the treasurer's entry,
BPKAD's admin corrections, the quarterly workflow (submit, verify, reopen), a DPA line saved by
hand and an account recoded. Every write path goes through the database's triggers, so the
test drives the real services and compares with sums computed apart from the triggers."""

import contextlib
from decimal import Decimal
from typing import Any

import pghistory
import pytest
from django.db import connection, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget import rollups
from budget.importing import ImportRefused, read_table
from budget.importing.dpa import import_dpa
from budget.importing.realisasi import import_realisasi
from budget.models import (
    Account,
    DpaChangeSet,
    DpaLine,
    Opd,
    QuarterReport,
    Realisasi,
    Region,
    Rollup,
    SubKegiatanRollup,
)
from budget.roles import actor_for
from budget.workflow import (
    WorkflowError,
    dpa_line_save,
    realisasi_correct,
    realisasi_save,
    report_reopen,
    report_submit,
    report_verify,
)
from tests.factories import OPD, dpa_row, realisasi_row, revenue_row
from tests.helpers import ImportFiles, run_command

pytestmark = pytest.mark.django_db

D = Decimal
OPD2 = "1.02.0.00.0.00.02.0000"
YEARS = (2024, 2025)
# (opd, kode_rekening): two kelompok of belanja, and revenue in the first OPD.
BELANJA_LINES = [
    (OPD, "5.1.02.01.01.0001"),
    (OPD, "5.2.02.05.01.0001"),
    (OPD2, "5.1.02.01.01.0001"),
    (OPD2, "5.1.01.01.01.0001"),
]
REVENUE = (OPD, "4.1.01.01.01.0001")
FUND_SOURCES = ["", "DAU", "PAD", "DAK Fisik"]

amount = st.integers(min_value=0, max_value=2_000_000).map(lambda n: D(n) * 1000)
year = st.sampled_from(YEARS)
quarter = st.integers(min_value=1, max_value=4)
# Realisasi falls mostly on the first year's first quarters, so that figures are corrected
# (updated rows), not only added.
real_year = st.sampled_from([2024, 2024, 2024, 2025])
real_quarter = st.sampled_from([1, 1, 2, 3, 4])


def dpa_rows(choices):
    rows = []
    for (opd, kode, *_), (tahun, pagu, split, dana) in choices:
        kas = [pagu * s // 100 for s in split[:3]]
        kas.append(pagu - sum(kas))
        cells = {
            "tahun": tahun,
            "kode_opd": opd,
            "nama_opd": f"Dinas {opd[-7:-5]}",
            "kode_rekening": kode,
            "pagu": pagu,
            **{f"kas_tw{q}": k for q, k in enumerate(kas, start=1)},
            "sumber_dana": dana,
        }
        rows.append(revenue_row(**cells) if kode.startswith("4") else dpa_row(**cells))
    return rows


line_choice = st.tuples(
    st.sampled_from([*BELANJA_LINES, REVENUE]),
    st.tuples(
        year,
        st.integers(min_value=0, max_value=50_000).map(lambda n: n * 1000),
        st.tuples(*[st.integers(min_value=0, max_value=33)] * 3),
        st.sampled_from(FUND_SOURCES),
    ),
)

operations = st.one_of(
    st.tuples(
        st.just("import_dpa"),
        st.lists(line_choice, min_size=1, max_size=5, unique_by=lambda c: (c[0], c[1][0])),
        st.sampled_from([None, "murni", "perubahan"]),
    ),
    st.tuples(
        st.just("import_realisasi"),
        st.lists(
            st.tuples(st.sampled_from([*BELANJA_LINES, REVENUE]), real_year, real_quarter, amount),
            min_size=1,
            max_size=5,
            unique_by=lambda c: (c[0], c[1], c[2]),
        ),
    ),
    st.tuples(st.just("entry"), st.sampled_from([OPD, OPD2]), real_year, real_quarter, amount),
    st.tuples(st.just("correct"), real_year, real_quarter, amount),
    st.tuples(
        st.just("workflow"),
        st.sampled_from(["submit", "verify", "reopen"]),
        st.sampled_from([OPD, OPD2]),
        year,
        quarter,
    ),
    st.tuples(st.just("dpa_line_save"), st.sampled_from(FUND_SOURCES), amount),
    st.tuples(st.just("recode_account"), st.booleans()),
)


class World:
    """The region the operations act on, and who acts."""

    def __init__(self, files: ImportFiles, bpkad, treasurers):
        self.files, self.bpkad, self.treasurers = files, bpkad, treasurers

    def apply(self, op) -> None:
        kind, *args = op
        # Refused writes change nothing; the roll-ups must say the same.
        with contextlib.suppress(ImportRefused, WorkflowError):
            getattr(self, kind)(*args)

    def import_dpa(self, choices, tahap):
        table = read_table(self.files.csv(dpa_rows(choices)))
        # Within a context, as the command and the web import run it: a change set of its
        # own (the test's other writes, in one transaction without one, make a single set).
        with pghistory.context(file="dpa.csv"):
            import_dpa(table=table, region_kode="33.99", region_nama="Kabupaten Uji", tahap=tahap)

    def import_realisasi(self, figures):
        # Figures for lines the DPA holds, within what is left of the pagu, so that most files
        # are taken (a refused file is tried too, when a quarter is locked).
        rows = []
        for (opd, kode), tahun, tw, jumlah in figures:
            line = DpaLine.objects.filter(opd__kode=opd, account__kode=kode, tahun=tahun).first()
            if line is None:
                continue
            rows.append(
                realisasi_row(
                    tahun=tahun,
                    triwulan=tw,
                    kode_opd=opd,
                    kode_rekening=kode,
                    realisasi=min(jumlah, line.pagu // 4),
                    **({"kode_sub_kegiatan": ""} if kode.startswith("4") else {}),
                )
            )
        if rows:
            import_realisasi(table=read_table(self.files.csv(rows)), region_kode="33.99")

    def _report_version(self, opd: Opd, tahun: int, tw: int) -> int:
        report = QuarterReport.objects.filter(opd=opd, tahun=tahun, triwulan=tw).first()
        return report.version if report else 0

    def entry(self, kode_opd, tahun, tw, jumlah):
        opd = Opd.objects.filter(kode=kode_opd).first()
        if opd is None:
            return
        lines = DpaLine.objects.filter(opd=opd, tahun=tahun).order_by("pk")
        amounts = {line.pk: min(jumlah, line.pagu) for line in lines[:2]}
        if amounts:
            realisasi_save(
                actor=actor_for(self.treasurers[kode_opd]),
                opd=opd,
                tahun=tahun,
                triwulan=tw,
                amounts=amounts,
                version=self._report_version(opd, tahun, tw),
                kendala=["pengadaan"],  # so that a quarter behind plan may be submitted
            )

    def correct(self, tahun, tw, jumlah):
        line = DpaLine.objects.filter(tahun=tahun).order_by("-pk").first()
        if line is not None:
            realisasi_correct(
                actor=actor_for(self.bpkad), line_id=line.pk, triwulan=tw, jumlah=jumlah
            )

    def workflow(self, action, kode_opd, tahun, tw):
        opd = Opd.objects.filter(kode=kode_opd).first()
        if opd is None:
            return
        version = self._report_version(opd, tahun, tw)
        who = self.treasurers[kode_opd] if action == "submit" else self.bpkad
        common = {"actor": actor_for(who), "opd": opd, "tahun": tahun, "triwulan": tw}
        # A step the order of quarters forbids (TW II before TW I) is refused and writes
        # nothing: the roll-ups must be as exact after it as after any other.
        with contextlib.suppress(WorkflowError):
            if action == "submit":
                report_submit(**common, version=version)
            elif action == "verify":
                report_verify(**common, version=version)
            else:
                report_reopen(**common, version=version, reason="Koreksi.")

    def dpa_line_save(self, dana, pagu):
        line = DpaLine.objects.order_by("pk").first()
        if line is None:
            return
        line.sumber_dana = dana
        line.pagu = line.kas_tw4 = pagu
        line.kas_tw1 = line.kas_tw2 = line.kas_tw3 = D("0")
        dpa_line_save(actor=actor_for(self.bpkad), line=line)

    def recode_account(self, to_modal):
        # A BPKAD correction of an account code that moves it to another kelompok.
        source, target = ("5.1.01", "5.3.01") if to_modal else ("5.3.01", "5.1.01")
        for account in Account.objects.filter(kode__startswith=source + "."):
            new = target + account.kode[len(source) :]
            if not Account.objects.filter(region=account.region, kode=new).exists():
                account.kode = new
                account.save(update_fields=["kode"])


@pytest.fixture
def world(tmp_path):
    from budget.demo import GROUP_BENDAHARA, GROUP_BPKAD
    from tests.conftest import _role_user

    files = ImportFiles(tmp_path)
    first = [((opd, kode), (2024, 1000, (25, 25, 25), "")) for opd, kode in BELANJA_LINES]
    table = read_table(files.csv(dpa_rows(first)))
    import_dpa(table=table, region_kode="33.99", region_nama="Kabupaten Uji")
    region = Region.objects.get(kode="33.99")
    opds = {o.kode: o for o in Opd.objects.filter(region=region)}
    bpkad = _role_user("verifikator", GROUP_BPKAD, region=region, is_staff=True)
    treasurers = {
        kode: _role_user(f"bendahara_{i}", GROUP_BENDAHARA, region=region, opd=opds[kode])
        for i, kode in enumerate((OPD, OPD2))
    }
    return World(files, bpkad, treasurers)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=10))
def test_the_roll_ups_equal_the_detail_after_any_sequence_of_writes(world, ops):
    with transaction.atomic():
        for op in ops:
            world.apply(op)
            assert rollups.differences() == [], f"after {op}"
        transaction.set_rollback(True)  # the next example starts from the same region


def of_table(rows: dict[tuple, Any], table: str) -> dict[tuple, Any]:
    """The rows of one roll-up table among `rollups.stored()` or `rollups.detail()`."""
    return {key: figures for key, figures in rows.items() if key[0] == table}


BOTH = ("rollup", "sub_kegiatan")
ALL = (*BOTH, rollups.CHANGE_SETS)
# Each kind of write, done (not refused), moves the roll-ups it concerns and keeps them exact:
# the property above is not true of a database that never changed. An account recoded and a
# revenue line (no sub kegiatan) leave the sub kegiatan roll-ups as they were; only writes to
# the DPA lines make change sets.
WRITES: list[tuple[tuple[Any, ...], tuple[str, ...]]] = [
    (("import_realisasi", [((OPD, "5.1.02.01.01.0001"), 2024, 1, D("200"))]), BOTH),
    (("entry", OPD2, 2024, 2, D("150")), BOTH),
    (("correct", 2024, 3, D("100")), BOTH),
    (("import_dpa", [((OPD, "5.2.02.05.01.0001"), (2024, 9000, (10, 20, 30), "DAU"))], None), ALL),
    (("dpa_line_save", "PAD", D("5000")), ALL),
    (("recode_account", True), ("rollup",)),
    (
        ("import_dpa", [(REVENUE, (2025, 7000, (25, 25, 25), ""))], "perubahan"),
        ("rollup", rollups.CHANGE_SETS),
    ),
]


def test_every_kind_of_write_moves_the_roll_ups_and_keeps_them_exact(world):
    for op, moved in WRITES:
        before = rollups.stored()
        getattr(world, op[0])(*op[1:])
        after = rollups.stored()
        for table in ALL:
            changed = of_table(after, table) != of_table(before, table)
            assert changed == (table in moved), f"{op}: {table} changed {changed}"
        assert rollups.differences() == [], f"after {op}"
    # The workflow moves no figure, and a refused write neither.
    before = rollups.stored()
    # Quarters are handed in in order: TW I is in already.
    QuarterReport.objects.update_or_create(
        opd=Opd.objects.get(kode=OPD2),
        tahun=2024,
        triwulan=1,
        defaults={"region": Opd.objects.get(kode=OPD2).region, "status": "diajukan"},
    )
    world.workflow("submit", OPD2, 2024, 2)
    assert QuarterReport.objects.get(opd__kode=OPD2, tahun=2024, triwulan=2).is_submitted
    with pytest.raises(WorkflowError):
        world.entry(OPD2, 2024, 2, D("1"))  # submitted: closed to the treasurer
    assert rollups.stored() == before


def test_a_rebuild_gives_back_what_the_triggers_keep(world):
    world.apply(("import_realisasi", [((OPD, "5.1.02.01.01.0001"), 2024, 1, D("250000"))]))
    kept = rollups.stored()
    assert of_table(kept, "rollup")
    assert of_table(kept, "sub_kegiatan")
    assert of_table(kept, rollups.CHANGE_SETS)
    for model in (Rollup, SubKegiatanRollup, DpaChangeSet):
        model.objects.all().delete()
    assert rollups.differences() != []
    assert rollups.rebuild() == len(kept)
    assert rollups.stored() == kept


@pytest.mark.parametrize(
    "rows",
    [
        lambda: Rollup.objects.filter(jenis="belanja").update(pagu=D("1")),
        lambda: SubKegiatanRollup.objects.filter(jenis="belanja").update(pagu=D("1")),
        lambda: DpaChangeSet.objects.update(lines=F("lines") + 1),
    ],
    ids=["rollup", "sub_kegiatan", "change_set"],
)
def test_rebuild_rollups_check_says_when_they_differ(world, rows):
    from tests.helpers import refusal

    assert "equal the detail" in run_command("rebuild_rollups", check=True)
    assert rows()
    error, stderr = refusal("rebuild_rollups", check=True)
    assert "differ from the detail" in str(error)
    assert "roll-up" in stderr
    run_command("rebuild_rollups")
    assert rollups.differences() == []


def test_a_change_set_counts_each_line_it_touched_once_whatever_statements_wrote_it(world):
    """One context's statements (an import's inserts, then its updates; or saves one by one)
    make one change set per OPD, a line counted once however often it is written; events
    without a context are their transaction's. Events removed by hand recount the set."""
    a, b = DpaLine.objects.filter(opd__kode=OPD).order_by("pk")

    def lines_of(context: Any) -> int:
        return DpaChangeSet.objects.get(opd__kode=OPD, context_id=context.id).lines

    with pghistory.context(note="revisi") as context:
        DpaLine.objects.filter(pk=a.pk).update(sumber_dana="DAU")
        assert lines_of(context) == 1
        DpaLine.objects.filter(pk__in=[a.pk, b.pk]).update(sumber_dana="PAD")
        assert lines_of(context) == 2
        b.sumber_dana = "DAK Fisik"
        b.save()
        assert lines_of(context) == 2
    DpaLine.objects.filter(pk=a.pk).update(sumber_dana="")  # no context
    DpaLine.objects.filter(pk__in=[a.pk, b.pk]).update(sumber_dana="DAU")
    [loose] = DpaChangeSet.objects.filter(opd__kode=OPD, context_id=None)
    assert loose.at is not None
    assert loose.lines == 2
    assert rollups.differences() == []
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM budget_dpalineevent WHERE pgh_context_id = %s AND pgh_obj_id = %s",
            [context.id, b.pk],
        )
    assert lines_of(context) == 1
    assert rollups.differences() == []


def test_the_sub_kegiatan_roll_ups_stay_exact_whatever_order_one_transaction_writes_in(world):
    """The foreign key from a realisasi to its line is checked at commit, so one transaction
    may remove a line before its realisasi, or add realisasi before their line: the sub
    kegiatan roll-ups count a realisasi exactly while its line exists."""
    world.import_realisasi([((OPD, "5.1.02.01.01.0001"), 2024, q, D("250")) for q in (1, 2)])
    line = DpaLine.objects.get(opd__kode=OPD, account__kode="5.1.02.01.01.0001", tahun=2024)
    line_fields = DpaLine.objects.filter(pk=line.pk).values().get()
    real_fields = list(Realisasi.objects.filter(line=line).values())
    assert len(real_fields) == 2

    def exact() -> None:
        sub_kegiatan = of_table(rollups.detail(), "sub_kegiatan")
        assert sub_kegiatan == of_table(rollups.stored(), "sub_kegiatan")

    with transaction.atomic():
        with connection.cursor() as cursor:  # the ORM would refuse: its realisasi are there
            cursor.execute("DELETE FROM budget_dpaline WHERE id = %s", [line.pk])
        exact()
        Realisasi.objects.filter(line_id=line.pk).delete()
        exact()
        Realisasi.objects.bulk_create(Realisasi(**f) for f in real_fields)  # before the line
        exact()
        DpaLine.objects.bulk_create([DpaLine(**line_fields)])
        exact()
    # budget_rollup is not exact after this order: its line triggers leave the realisasi to the
    # realisasi's own triggers, which need the line. No write path of the application removes
    # a line; a fix by hand that does must run rebuild_rollups.
    exact()


@pytest.fixture
def generated(tmp_path_factory):
    """A generated region of 6 OPDs with fund sources, revenue and four quarters."""
    out = tmp_path_factory.mktemp("region")
    run_command(
        "generate_region", "--opd", 6, "--lines", 150, "--tahun", 2025, "--seed", 4, "--out", out
    )
    run_command("import_dpa", out / "dpa.csv", no_progress=True)
    run_command("import_realisasi", out / "realisasi.csv", no_progress=True)
    return Region.objects.get()


QUERIES = [
    {"level": "pemda"},
    {"level": "opd"},
    {"level": "opd", "jenis": "belanja"},
    {"level": "opd", "account_prefix": "5.2"},
    {"level": "opd", "sumber_dana": "DAU"},
    {"level": "opd", "sumber_dana": ""},
    {"level": "sumber_dana"},
    {"level": "sumber_dana", "jenis": "belanja", "account_prefix": "5"},
    {"level": "akun", "depth": 1},
    {"level": "akun", "depth": 2},
    {"level": "akun", "depth": 2, "account_prefix": "5"},
    # The overview's belanja by jenis (three segments, migration 0010).
    {"level": "akun", "depth": 3, "jenis": "belanja"},
    {"level": "akun", "depth": 3, "account_prefix": "5.1"},
    {"level": "opd", "account_prefix": "5.1.02"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "-".join(map(str, q.values())))
@pytest.mark.parametrize("triwulan", [1, 2, 3, 4])
def test_the_pages_read_the_same_rows_from_the_roll_ups_as_from_the_lines(
    generated, monkeypatch, query, triwulan
):
    from budget import selectors

    kwargs = {"region": generated, "tahun": 2025, "triwulan": triwulan, **query}
    assert selectors._rollup_answers(
        level=query["level"],
        depth=query.get("depth"),
        account_prefix=query.get("account_prefix"),
        parent=None,
    )
    from_rollups = selectors.absorption(**kwargs)
    monkeypatch.setattr(selectors, "_rollup_answers", lambda **kw: False)
    from_lines = selectors.absorption(**kwargs)
    assert from_rollups == from_lines
    assert len(from_lines) > 0


def test_one_opd_of_the_region_reads_the_same_from_the_roll_ups(generated, monkeypatch):
    from budget import selectors

    opd = Opd.objects.order_by("kode").last()
    assert opd is not None
    kwargs = {"region": generated, "tahun": 2025, "triwulan": 3, "level": "akun", "depth": 2}
    from_rollups = selectors.absorption(**kwargs, opd=opd)
    monkeypatch.setattr(selectors, "_rollup_answers", lambda **kw: False)
    assert from_rollups == selectors.absorption(**kwargs, opd=opd.kode)


# The program levels, and the pemda and OPD levels under one program or kegiatan ("parent":
# the first program's or kegiatan's code of the region), from the sub kegiatan roll-ups.
SK_QUERIES = [
    {"level": "program"},
    {"level": "kegiatan"},
    {"level": "sub_kegiatan"},
    {"level": "sub_kegiatan", "jenis": "belanja"},
    {"level": "kegiatan", "parent": "program"},
    {"level": "sub_kegiatan", "parent": "kegiatan"},
    {"level": "opd", "parent": "program"},
    {"level": "pemda", "parent": "kegiatan"},
]


def _parent_code(region: Region, level: str) -> str:
    from budget.models import Kegiatan, Program

    model = Program if level == "program" else Kegiatan
    first = model.objects.filter(region=region).order_by("kode").first()
    assert first is not None
    return first.kode


@pytest.mark.parametrize("query", SK_QUERIES, ids=lambda q: "-".join(map(str, q.values())))
@pytest.mark.parametrize("triwulan", [1, 2, 3, 4])
def test_the_program_levels_read_the_same_rows_from_the_sub_kegiatan_roll_ups_as_from_the_lines(
    generated, monkeypatch, django_assert_num_queries, query, triwulan
):
    from django.test.utils import CaptureQueriesContext

    from budget import selectors
    from budget.criteria import bands_for

    kwargs = {"region": generated, "tahun": 2025, "triwulan": triwulan, **query}
    if "parent" in query:
        kwargs["parent"] = _parent_code(generated, query["parent"])
    assert selectors._sk_rollup_answers(
        level=query["level"], account_prefix=None, parent=kwargs.get("parent"), sumber_dana=None
    )
    bands = bands_for(region_id=generated.pk)
    with CaptureQueriesContext(connection) as queries:
        from_rollups = selectors.absorption(**kwargs, bands=bands)
    assert len(queries) == 1
    assert "budget_subkegiatanrollup" in queries[0]["sql"]
    assert "budget_dpaline" not in queries[0]["sql"]
    monkeypatch.setattr(selectors, "_sk_rollup_answers", lambda **kw: False)
    from_lines = selectors.absorption(**kwargs, bands=bands)
    assert from_rollups == from_lines
    assert len(from_lines) > 0


@pytest.mark.parametrize("by", ["region", "opd", "opd kode", "parent"])
def test_the_lra_program_levels_come_from_the_sub_kegiatan_roll_ups_in_one_statement(
    generated, monkeypatch, by
):
    from django.test.utils import CaptureQueriesContext

    from budget import selectors
    from budget.criteria import bands_for

    opd = Opd.objects.order_by("kode").last()
    assert opd is not None
    kwargs: dict[str, Any] = {"region": generated, "tahun": 2025, "triwulan": 3}
    if by == "opd":
        kwargs["opd"] = opd
    elif by == "opd kode":
        kwargs["opd"] = opd.kode
    elif by == "parent":
        kwargs["parent"] = _parent_code(generated, "program")
    bands = bands_for(region_id=generated.pk)
    with CaptureQueriesContext(connection) as queries:
        from_rollups = selectors.absorption_levels(**kwargs, jenis="belanja", bands=bands)
    assert len(queries) == 1
    assert "budget_dpaline" not in queries[0]["sql"]
    monkeypatch.setattr(selectors, "_sk_rollup_answers", lambda **kw: False)
    assert from_rollups == selectors.absorption_levels(**kwargs, jenis="belanja", bands=bands)
    assert all(from_rollups[level] for level in ("program", "kegiatan", "sub_kegiatan"))


@pytest.mark.parametrize(
    "query",
    [
        {"level": "akun"},
        {"level": "opd"},
        {"level": "sumber_dana", "parent": "1.01.01"},
        {"level": "program", "account_prefix": "5.2"},
        {"level": "sub_kegiatan", "sumber_dana": "DAU"},
        {"level": "kegiatan", "sumber_dana": ""},
    ],
)
def test_an_account_or_fund_source_filter_keeps_the_program_levels_on_the_lines(query):
    from budget.selectors import _sk_rollup_answers

    assert not _sk_rollup_answers(
        level=query["level"],
        account_prefix=query.get("account_prefix"),
        parent=query.get("parent"),
        sumber_dana=query.get("sumber_dana"),
    )


@pytest.mark.parametrize(
    "query",
    [
        {"level": "program"},
        {"level": "akun"},
        {"level": "akun", "depth": 4},
        {"level": "opd", "account_prefix": "5.1.02.01"},
        {"level": "opd", "parent": "1.01.01"},
    ],
)
def test_deeper_levels_and_filters_go_to_the_lines(query):
    from budget.selectors import _rollup_answers

    assert not _rollup_answers(
        level=query["level"],
        depth=query.get("depth"),
        account_prefix=query.get("account_prefix"),
        parent=query.get("parent"),
    )


def test_the_latest_quarter_is_read_from_the_roll_ups_not_the_realisasi(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from budget.selectors import Period, periods_available

    region = Region.objects.get(kode="33.99")
    assert periods_available(region=region) == ([2024], Period(2024, 1))
    # A quarter reported as zero is reported: it counts as realised.
    world.import_realisasi([((OPD2, "5.1.01.01.01.0001"), 2024, 3, D("0"))])
    with CaptureQueriesContext(connection) as queries:
        assert periods_available(region=region) == ([2024], Period(2024, 3))
    assert len(queries) == 1
    assert "budget_realisasi" not in queries[0]["sql"]


@pytest.mark.parametrize("triwulan", [1, 2, 3, 4])
def test_the_ranking_reads_both_quarters_in_one_pass_and_as_the_lines_give_them(
    generated, monkeypatch, django_assert_num_queries, triwulan
):
    from budget import selectors
    from budget.criteria import bands_for

    bands = bands_for(region_id=generated.pk)
    with django_assert_num_queries(1):
        one_pass = selectors.opd_ranking(
            region=generated, tahun=2025, triwulan=triwulan, bands=bands
        )
    monkeypatch.setattr(selectors, "_rollup_answers", lambda **kw: False)
    assert one_pass == selectors.opd_ranking(
        region=generated, tahun=2025, triwulan=triwulan, bands=bands
    )
    ranked, _unranked = one_pass
    assert len(ranked) == 6
    if triwulan > 1:
        assert all(r.peringkat_sebelumnya is not None for r in ranked)
