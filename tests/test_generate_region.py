"""generate_region (DESIGN §4): a synthetic region in the contract's files, the same for the
same seed, that the importers take as they are."""

import csv
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from budget.generator import opd_sizes
from budget.models import DpaLine, Opd, Realisasi
from tests.helpers import refusal, run_command

pytestmark = pytest.mark.django_db


def generate(out, *extra, opd=7, lines=120, seed=11):
    return run_command(
        "generate_region", "--opd", opd, "--lines", lines, "--tahun", 2025, *extra,
        "--seed", seed, "--out", out,
    )  # fmt: skip


def rows(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_same_seed_writes_the_same_files_and_another_seed_others(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a)
    generate(b)
    generate(c, seed=12)
    for name in ("dpa.csv", "realisasi.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
        assert (a / name).read_bytes() != (c / name).read_bytes()


def test_the_files_have_the_contract_headers(tmp_path):
    generate(tmp_path)
    with (tmp_path / "dpa.csv").open(encoding="utf-8") as fh:
        dpa_header = fh.readline().strip().split(",")
    with (tmp_path / "realisasi.csv").open(encoding="utf-8") as fh:
        realisasi_header = fh.readline().strip().split(",")
    assert dpa_header[:16] == [
        "tahun", "kode_opd", "nama_opd", "kode_program", "nama_program", "kode_kegiatan",
        "nama_kegiatan", "kode_sub_kegiatan", "nama_sub_kegiatan", "kode_rekening", "uraian",
        "pagu", "kas_tw1", "kas_tw2", "kas_tw3", "kas_tw4",
    ]  # fmt: skip
    assert dpa_header[16:] == ["sumber_dana"]
    assert realisasi_header == [
        "tahun", "triwulan", "kode_opd", "kode_sub_kegiatan", "kode_rekening", "realisasi",
    ]  # fmt: skip


def test_the_importers_take_the_files_as_they_are_every_year_and_quarter(tmp_path):
    out = generate(tmp_path, "--tahun-sampai", 2026, lines=600)
    assert "1.200 DPA lines of 7 OPD in 2 year(s)" in out  # Indonesian digit grouping
    run_command("import_dpa", tmp_path / "dpa.csv", no_progress=True)
    run_command("import_realisasi", tmp_path / "realisasi.csv", no_progress=True)

    assert Opd.objects.count() == 7
    per_year = dict(DpaLine.objects.values_list("tahun").annotate(n=Count("id")))
    assert per_year == {2025: 600, 2026: 600}
    # Every line has its four quarters (a zero is a figure too).
    assert Realisasi.objects.count() == 4 * 1200 == len(rows(tmp_path / "realisasi.csv"))
    assert set(DpaLine.objects.values_list("jenis", flat=True)) == {
        "belanja", "pendapatan", "pembiayaan",
    }  # fmt: skip
    assert DpaLine.objects.filter(jenis="belanja", sumber_dana="").count() == 0


def test_the_region_looks_like_one_late_spending_laggards_and_skewed_pagu(tmp_path):
    generate(tmp_path, lines=400, opd=10)
    run_command("import_dpa", tmp_path / "dpa.csv", no_progress=True)
    run_command("import_realisasi", tmp_path / "realisasi.csv", no_progress=True)
    belanja = DpaLine.objects.filter(jenis="belanja")
    plan = belanja.aggregate(h1=Sum("kas_tw1") + Sum("kas_tw2"), h2=Sum("kas_tw3") + Sum("kas_tw4"))
    assert plan["h2"] > plan["h1"]  # the cash plan leans on the second half of the year
    pagu = sorted(belanja.values_list("pagu", flat=True))
    assert pagu[-1] > 100 * pagu[0]  # from millions to billions
    # Laggards: some lines spend well under their plan over the year.
    spent = belanja.annotate(done=Sum("realisasi__jumlah"))
    laggards = [line for line in spent if line.done < Decimal("0.6") * line.pagu]
    assert 0 < len(laggards) < len(pagu) / 2
    sizes = list(Opd.objects.annotate(n=Count("dpa_lines")).values_list("n", flat=True))
    assert max(sizes) > 2 * min(sizes)  # some OPDs are much larger than others
    assert DpaLine.objects.filter(~Q(jenis="belanja")).exists()


@pytest.mark.parametrize(("opds", "lines"), [(1, 1), (7, 120), (60, 1000), (30, 31)])
def test_opd_sizes_add_up_exactly_with_a_line_at_least_each(opds, lines):
    sizes = opd_sizes(opds, lines, seed=5)
    assert len(sizes) == opds
    assert sum(sizes) == lines
    assert min(sizes) >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--opd", 5, "--lines", 3, "--tahun", 2025), "--lines at least --opd"),
        (("--opd", 5, "--lines", 30, "--tahun", 2025, "--tahun-sampai", 2024), "in order"),
    ],
)
def test_impossible_requests_are_refused_with_the_reason(tmp_path, args, message):
    error, _stderr = refusal("generate_region", *args, "--out", tmp_path)
    assert message in str(error)
    assert not (tmp_path / "dpa.csv").exists()


def test_an_opd_too_large_for_99_programs_still_gets_valid_codes(tmp_path):
    # One OPD of 25,000 lines: 99 programs of 200 lines would not hold it (program codes have
    # two digits); it gets more sub kegiatan per kegiatan instead, every code still valid.
    from budget.codes import parse_kegiatan_code, parse_program_code, parse_sub_kegiatan_code

    generate(tmp_path, opd=1, lines=25_000)
    dpa = rows(tmp_path / "dpa.csv")
    assert len({r["kode_rekening"] + r["kode_sub_kegiatan"] for r in dpa}) >= 24_000
    programs = {r["kode_program"] for r in dpa if r["kode_program"]}
    assert len(programs) <= 99
    for r in dpa:
        if not r["kode_program"]:
            continue  # revenue lines
        parse_program_code(r["kode_program"])
        parse_kegiatan_code(r["kode_kegiatan"], program=r["kode_program"])
        parse_sub_kegiatan_code(r["kode_sub_kegiatan"], kegiatan=r["kode_kegiatan"])
