"""The JSON API under /api/v1/: its absorption figures are the report command's, at every level
and quarter; it refuses what the pages refuse; tokens work; bad parameters get a 400 that says
what is wrong; lists are filtered and paginated; each endpoint costs a fixed number of queries;
the OpenAPI schema validates and documents every endpoint.

Two regions: the Magelang 2019 reference (imported through the commands) and Kabupaten Uji,
built here through the same import commands so that every figure is known, with two OPDs,
pendapatan and pembiayaan beside belanja, a group with no cash plan yet and one with no pagu.
"""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from budget.models import Account, DpaLine, Opd, Profile, QuarterReport, Realisasi, Region
from budget.roles import GROUP_BPKAD, GROUP_KEPALA
from budget.selectors import LEVELS
from tests.factories import (
    REALISASI_COLUMNS,
    DpaLineFactory,
    OpdFactory,
    RealisasiFactory,
    dpa_row,
    financing_row,
    realisasi_row,
    revenue_row,
)
from tests.helpers import REFERENCE_DIR, report, run_command

pytestmark = pytest.mark.django_db

API = "/api/v1/"
YEAR = 2024
UJI = "33.99"
OPD_A = "1.02.0.00.0.00.01.0000"  # Dinas Kesehatan: the treasurer's OPD
OPD_B = "5.02.0.00.0.00.01.0000"  # BPKAD as an OPD: revenue and financing
MAGELANG = "33.08"
MAGELANG_OPD = "3.27.0.00.0.00.01.0000"
ENDPOINTS = (
    "regions",
    "opds",
    "dpa-lines",
    "dpa-versions",
    "realisasi",
    "absorption",
    "ranking",
    "kinerja",
    "dak",
)


# The regions ------------------------------------------------------------------------------


def _belanja(opd, nama_opd, program, sub, akun, uraian, pagu, kas, **extra):
    kegiatan = sub.rsplit(".", 1)[0]
    return dpa_row(
        tahun=YEAR,
        kode_opd=opd,
        nama_opd=nama_opd,
        kode_program=program,
        nama_program=f"Program {program}",
        kode_kegiatan=kegiatan,
        nama_kegiatan=f"Kegiatan {kegiatan}",
        kode_sub_kegiatan=sub,
        nama_sub_kegiatan=f"Sub kegiatan {sub}",
        kode_rekening=akun,
        uraian=uraian,
        pagu=pagu,
        kas_tw1=kas[0],
        kas_tw2=kas[1],
        kas_tw3=kas[2],
        kas_tw4=kas[3],
        **extra,
    )


def _outside(make, opd, nama_opd, akun, uraian, pagu, kas):
    return make(
        tahun=YEAR,
        kode_opd=opd,
        nama_opd=nama_opd,
        kode_rekening=akun,
        uraian=uraian,
        pagu=pagu,
        kas_tw1=kas[0],
        kas_tw2=kas[1],
        kas_tw3=kas[2],
        kas_tw4=kas[3],
    )


KES, BPKAD_OPD = "Dinas Kesehatan", "Badan Pengelolaan Keuangan dan Aset Daerah"
DPA = [
    _belanja(OPD_A, KES, "1.02.01", "1.02.01.2.01.0001", "5.1.01.01.01.0001", "Belanja Gaji",
             1200000, (300000, 300000, 300000, 300000)),
    _belanja(OPD_A, KES, "1.02.01", "1.02.01.2.01.0001", "5.1.02.01.01.0024", "Belanja ATK",
             400000, (0, 100000, 200000, 100000)),
    # Nothing planned before TW III: capaian undefined through TW II.
    _belanja(OPD_A, KES, "1.02.02", "1.02.02.2.01.0001", "5.2.02.05.01.0001", "Belanja Modal",
             900000, (0, 0, 450000, 450000)),
    _outside(revenue_row, OPD_A, KES, "4.1.02.01.01.0001", "Retribusi Pelayanan Kesehatan",
             500000, (125000, 125000, 125000, 125000)),
    _belanja(OPD_B, BPKAD_OPD, "5.02.01", "5.02.01.2.01.0001", "5.1.02.01.01.0024",
             "Belanja ATK", 600000, (150000, 150000, 150000, 150000)),
    # A sub kegiatan with no pagu at all: serapan undefined.
    _belanja(OPD_B, BPKAD_OPD, "5.02.01", "5.02.01.2.01.0002", "5.1.02.02.01.0001",
             "Belanja Jasa", 0, (0, 0, 0, 0)),
    _outside(revenue_row, OPD_B, BPKAD_OPD, "4.1.01.01.01.0001", "Pajak Hotel",
             2000000, (500000, 500000, 500000, 500000)),
    _outside(financing_row, OPD_B, BPKAD_OPD, "6.1.01.01.01.0001", "SiLPA",
             3000000, (3000000, 0, 0, 0)),
    _outside(financing_row, OPD_B, BPKAD_OPD, "6.2.02.01.01.0001", "Penyertaan Modal",
             1000000, (0, 0, 0, 1000000)),
]  # fmt: skip

# (opd, sub kegiatan, account): realised within TW I..IV
REALISASI = {
    (OPD_A, "1.02.01.2.01.0001", "5.1.01.01.01.0001"): (300000, 300000, 290000, 310000),
    (OPD_A, "1.02.01.2.01.0001", "5.1.02.01.01.0024"): (0, 50000, 250000, 0),
    (OPD_A, "1.02.02.2.01.0001", "5.2.02.05.01.0001"): (0, 0, 400000, 500000),
    (OPD_A, "", "4.1.02.01.01.0001"): (100000, 200000, 150000, 120000),  # above target
    (OPD_B, "5.02.01.2.01.0001", "5.1.02.01.01.0024"): (150000, 135000, 0, 200000),
    (OPD_B, "", "4.1.01.01.01.0001"): (400000, 600000, 500000, 450000),
    (OPD_B, "", "6.1.01.01.01.0001"): (3000000, 0, 0, 0),
}


@pytest.fixture
def region(files) -> Region:
    """Kabupaten Uji, loaded through the import commands as an operator would."""
    run_command(
        "import_dpa", files.csv(DPA), region_kode=UJI, region_nama="Kabupaten Uji",
        no_progress=True,
    )  # fmt: skip
    rows = [
        realisasi_row(
            tahun=YEAR,
            triwulan=q,
            kode_opd=opd,
            kode_sub_kegiatan=sub,
            kode_rekening=akun,
            realisasi=amounts[q - 1],
        )
        for (opd, sub, akun), amounts in REALISASI.items()
        for q in (1, 2, 3, 4)
        if amounts[q - 1]
    ]
    run_command("import_realisasi", files.csv(rows, REALISASI_COLUMNS), no_progress=True)
    return Region.objects.get(kode=UJI)


@pytest.fixture
def magelang_beside(region) -> Region:
    """The Magelang reference as a second region next to Kabupaten Uji."""
    run_command(
        "import_dpa", REFERENCE_DIR / "magelang-2019-dpa.csv", region_kode=MAGELANG,
        region_nama="Kabupaten Magelang", no_progress=True,
    )  # fmt: skip
    run_command(
        "import_realisasi", REFERENCE_DIR / "magelang-2019-realisasi.csv", region_kode=MAGELANG,
        no_progress=True,
    )  # fmt: skip
    return Region.objects.get(kode=MAGELANG)


@pytest.fixture
def treasurer_opd(region) -> Opd:
    return Opd.objects.get(region=region, kode=OPD_A)


@pytest.fixture
def other_opd(region) -> Opd:
    return Opd.objects.get(region=region, kode=OPD_B)


def make_user(username, group=None, *, region=None, opd=None, **extra) -> User:
    user = User.objects.create_user(username, **extra)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    if region or opd:
        Profile.objects.create(user=user, region=region, opd=opd)
    return user


@pytest.fixture
def no_role(region) -> User:
    """Signed in, but in no group: reads nothing."""
    return make_user("tamu", region=region)


@pytest.fixture
def superuser() -> User:
    return make_user("admin", is_superuser=True, is_staff=True)


def api_client(user: User | None = None, *, token: bool = False) -> APIClient:
    client = APIClient()
    if user is not None and token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    elif user is not None:
        client.force_login(user)
    return client


def get(client: APIClient, endpoint: str, **params):
    return client.get(f"{API}{endpoint}/", {k: v for k, v in params.items() if v is not None})


def api_report(client: APIClient, **params) -> dict:
    response = get(client, "absorption", **params)
    assert response.status_code == 200, response.content
    return response.json()


def command_report(**options) -> dict:
    """absorption_report --format json; the API's `region` is the command's `--region`."""
    if "region" in options:
        options["region_kode"] = options.pop("region")
    return report(**{k: v for k, v in options.items() if v is not None})


# Absorption: the same JSON as the command ------------------------------------------------

LEVEL_OPTIONS = [{"level": level} for level in LEVELS] + [
    {"level": "akun", "depth": depth} for depth in range(1, 7)
]


def _id(options: dict) -> str:
    return "-".join(str(v) for v in options.values())


@pytest.mark.parametrize("options", LEVEL_OPTIONS, ids=_id)
def test_the_api_gives_the_report_commands_json_for_the_reference_at_every_level(magelang, options):
    client = api_client(make_user("bpkad_magelang", GROUP_BPKAD, region=magelang))
    for triwulan in (1, 2, 3, 4):
        for opd in (None, MAGELANG_OPD):
            asked = {"tahun": 2019, "triwulan": triwulan, "opd": opd, **options}
            assert api_report(client, **asked) == command_report(**asked), asked


@pytest.mark.parametrize("options", LEVEL_OPTIONS, ids=_id)
def test_the_api_gives_the_report_commands_json_for_every_jenis_at_every_level(
    region, kepala_daerah, options
):
    client = api_client(kepala_daerah)
    for triwulan in (1, 2, 3, 4):
        for opd in (None, OPD_A, OPD_B):
            asked = {"tahun": YEAR, "triwulan": triwulan, "opd": opd, **options}
            expected = command_report(**asked)
            assert api_report(client, **asked) == expected, asked
    # The hand-built region has every jenis and undefined ratios, so the comparison above
    # covered them (checked on the whole region through TW I).
    rows = command_report(tahun=YEAR, triwulan=1, **options)["rows"]
    if options["level"] in ("pemda", "opd", "akun"):
        assert {r["jenis"] for r in rows} == {"pendapatan", "belanja", "pembiayaan"}


def test_the_api_and_the_command_have_the_same_defaults(region, bpkad):
    assert api_report(api_client(bpkad), tahun=YEAR) == command_report(tahun=YEAR)
    assert api_report(api_client(bpkad), tahun=YEAR)["triwulan"] == 4
    assert api_report(api_client(bpkad), tahun=YEAR)["level"] == "opd"


def test_blank_parameters_mean_the_defaults(region, bpkad):
    response = api_client(bpkad).get(
        f"{API}absorption/?tahun={YEAR}&triwulan=&level=&depth=&opd=&region="
    )
    assert response.json() == command_report(tahun=YEAR)


def test_a_year_without_data_gives_no_rows_as_the_command_does(region, bpkad):
    assert api_report(api_client(bpkad), tahun=2030) == command_report(tahun=2030)
    assert command_report(tahun=2030)["rows"] == []


def test_the_reference_programs_have_the_published_serapan(magelang):
    with (REFERENCE_DIR / "magelang-2019-expected.csv").open(encoding="utf-8") as f:
        expected = list(csv.DictReader(f))
    client = api_client(make_user("kepala_magelang", GROUP_KEPALA, region=magelang))
    rows = api_report(client, tahun=2019, level="program")["rows"]
    assert [
        (r["kode"], Decimal(r["pagu"]), Decimal(r["realisasi_kumulatif"]), r["serapan_persen"],
         r["kategori_serapan"])
        for r in rows
    ] == [
        (e["kode_program"], Decimal(e["pagu"]), Decimal(e["realisasi"]),
         float(e["serapan_persen"]) if e["serapan_persen"] else None,
         e["kategori_serapan"] or None)
        for e in expected if e["kode_program"] != "TOTAL"
    ]  # fmt: skip
    total = next(e for e in expected if e["kode_program"] == "TOTAL")
    (opd,) = api_report(client, tahun=2019)["rows"]
    assert (opd["realisasi_kumulatif"], opd["serapan_persen"]) == (
        f"{total['realisasi']}.00",
        float(total["serapan_persen"]),
    )


def test_undefined_ratios_are_null_and_amounts_are_decimal_strings(region, bpkad):
    client = api_client(bpkad)
    programs = api_report(client, tahun=YEAR, triwulan=2, level="program", opd=OPD_A)["rows"]
    modal = next(r for r in programs if r["kode"] == "1.02.02")
    assert modal["capaian_kas_persen"] is None
    assert modal["kategori_capaian"] is None
    assert modal["serapan_persen"] == 0.0
    subs = api_report(client, tahun=YEAR, level="sub_kegiatan", opd=OPD_B)["rows"]
    no_pagu = next(r for r in subs if r["kode"] == "5.02.01.2.01.0002")
    assert no_pagu["pagu"] == "0.00"
    assert no_pagu["serapan_persen"] is None
    revenue = api_report(client, tahun=YEAR, level="akun", depth=1, opd=OPD_A)["rows"][0]
    assert revenue["jenis"] == "pendapatan"
    assert revenue["realisasi_kumulatif"] == "570000.00"
    assert revenue["serapan_persen"] == 114.0
    assert revenue["kategori_efisiensi"] is None


def test_a_region_is_named_as_with_the_commands_region_option(region, magelang_beside, superuser):
    client = api_client(superuser)
    for kode, tahun in ((UJI, YEAR), (MAGELANG, 2019)):
        asked = {"tahun": tahun, "level": "akun", "depth": 3, "region": kode}
        assert api_report(client, **asked) == command_report(**asked)


# Who may read what ----------------------------------------------------------------------------

# (endpoint, parameters): expected status for anonymous, no role, treasurer of OPD A, kepala,
# BPKAD. "own" and "other" stand for OPD A and OPD B.
MATRIX: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("regions", {}, (401, 403, 200, 200, 200)),
    ("opds", {}, (401, 403, 200, 200, 200)),
    ("dpa-lines", {}, (401, 403, 200, 200, 200)),
    ("dpa-lines", {"opd": "own"}, (401, 403, 200, 200, 200)),
    ("dpa-lines", {"opd": "other"}, (401, 403, 403, 200, 200)),
    ("realisasi", {}, (401, 403, 200, 200, 200)),
    ("realisasi", {"opd": "own"}, (401, 403, 200, 200, 200)),
    ("realisasi", {"opd": "other"}, (401, 403, 403, 200, 200)),
    ("absorption", {"tahun": YEAR}, (401, 403, 403, 200, 200)),
    ("absorption", {"tahun": YEAR, "level": "pemda"}, (401, 403, 403, 200, 200)),
    ("absorption", {"tahun": YEAR, "opd": "own"}, (401, 403, 200, 200, 200)),
    ("absorption", {"tahun": YEAR, "opd": "own", "level": "akun"}, (401, 403, 200, 200, 200)),
    ("absorption", {"tahun": YEAR, "opd": "other"}, (401, 403, 403, 200, 200)),
    ("ranking", {}, (401, 403, 200, 200, 200)),
    ("ranking", {"tahun": YEAR, "triwulan": 2}, (401, 403, 200, 200, 200)),
    ("kinerja", {"tahun": YEAR}, (401, 403, 403, 200, 200)),
    ("kinerja", {"tahun": YEAR, "opd": "own"}, (401, 403, 200, 200, 200)),
    ("kinerja", {"tahun": YEAR, "opd": "other"}, (401, 403, 403, 200, 200)),
    ("dak", {"tahun": YEAR}, (401, 403, 403, 200, 200)),
]
ROLES = ("anonymous", "no_role", "treasurer", "kepala_daerah", "bpkad")


@pytest.mark.parametrize("token", [False, True], ids=["session", "token"])
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_the_api_refuses_what_the_pages_refuse(request, region, role_index, token):
    role = ROLES[role_index]
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = api_client(user, token=token)
    for endpoint, params, statuses in MATRIX:
        params = {k: {"own": OPD_A, "other": OPD_B}.get(v, v) for k, v in params.items()}
        response = get(client, endpoint, **params)
        assert response.status_code == statuses[role_index], (endpoint, params, response.content)
        assert response["Content-Type"] == "application/json", (endpoint, params)


def test_an_anonymous_request_is_told_to_authenticate_and_not_redirected(region):
    response = get(APIClient(), "dpa-lines")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_root_and_the_schema_are_open_but_hold_no_figures(region):
    client = APIClient()
    assert client.get(API).status_code == 200
    assert client.get(f"{API}schema/").status_code == 200


def test_a_treasurers_lists_hold_only_their_own_opd(region, treasurer):
    client = api_client(treasurer)
    opds = get(client, "opds").json()["results"]
    assert [o["kode"] for o in opds] == [OPD_A]
    lines = get(client, "dpa-lines").json()
    assert lines["count"] == DpaLine.objects.filter(opd__kode=OPD_A).count() == 4
    assert {line["opd"] for line in lines["results"]} == {OPD_A}
    rows = get(client, "realisasi").json()
    assert rows["count"] == Realisasi.objects.filter(line__opd__kode=OPD_A).count()
    assert {row["opd"] for row in rows["results"]} == {OPD_A}


def test_a_treasurer_is_told_why_they_are_refused(region, treasurer):
    client = api_client(treasurer)
    whole = get(client, "absorption", tahun=YEAR).json()["detail"]
    assert "BPKAD" in whole
    assert OPD_A in whole
    other = get(client, "absorption", tahun=YEAR, opd=OPD_B).json()["detail"]
    assert "own OPD" in other


def test_a_treasurer_reads_the_whole_ranking(region, treasurer):
    body = get(api_client(treasurer), "ranking", tahun=YEAR, triwulan=4).json()
    assert {r["kode"] for r in body["rows"]} == {OPD_A, OPD_B}


def test_a_person_of_one_region_cannot_read_another(region, magelang_beside, bpkad, superuser):
    client = api_client(bpkad)
    assert get(client, "absorption", tahun=2019, region=MAGELANG).status_code == 403
    assert get(client, "dpa-lines", region=MAGELANG).status_code == 403
    assert [r["kode"] for r in get(client, "regions").json()["results"]] == [UJI]
    # Without region= a list holds their region only.
    assert {line["region"] for line in get(client, "dpa-lines").json()["results"]} == {UJI}
    everything = api_client(superuser)
    assert [r["kode"] for r in get(everything, "regions").json()["results"]] == [
        MAGELANG,
        UJI,
    ]
    assert get(everything, "dpa-lines").json()["count"] == DpaLine.objects.count()


# Tokens ---------------------------------------------------------------------------------------


def test_a_token_made_by_the_command_opens_the_api(region, kepala_daerah):
    out = io.StringIO()
    call_command("drf_create_token", kepala_daerah.username, stdout=out)
    key = Token.objects.get(user=kepala_daerah).key
    assert key in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = get(client, "absorption", tahun=YEAR, level="pemda")
    assert response.status_code == 200
    assert response.json() == command_report(tahun=YEAR, level="pemda")


def test_a_wrong_token_is_refused(region):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = get(client, "regions")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_token_of_a_deactivated_user_is_refused(region, kepala_daerah):
    client = api_client(kepala_daerah, token=True)
    kepala_daerah.is_active = False
    kepala_daerah.save()
    assert get(client, "regions").status_code == 401


# Bad parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "params", "field", "words"),
    [
        ("absorption", {"tahun": YEAR, "level": "rekening"}, "level", "level must be one of"),
        ("absorption", {"tahun": YEAR, "triwulan": 5}, "triwulan", "1, 2, 3 or 4"),
        ("absorption", {"tahun": YEAR, "triwulan": 0}, "triwulan", "1, 2, 3 or 4"),
        ("absorption", {"tahun": YEAR, "triwulan": "IV"}, "triwulan", "1, 2, 3 or 4"),
        ("absorption", {"tahun": YEAR, "depth": 2}, "depth", "only to level akun"),
        ("absorption", {"tahun": YEAR, "level": "program", "depth": 2}, "depth", "level akun"),
        ("absorption", {"tahun": YEAR, "level": "akun", "depth": 7}, "depth", "from 1 to 6"),
        ("absorption", {"tahun": YEAR, "level": "akun", "depth": 0}, "depth", "from 1 to 6"),
        ("absorption", {"tahun": "dua ribu"}, "tahun", "a year"),
        ("absorption", {"tahun": YEAR, "opd": "9.99.0.00.0.00.01.0000"}, "opd", "no OPD"),
        ("absorption", {"tahun": YEAR, "region": "99.99"}, "region", "no region"),
        ("ranking", {"ukuran": "efisiensi"}, "ukuran", "capaian, serapan"),
        ("ranking", {"triwulan": 5}, "triwulan", "1, 2, 3 or 4"),
        ("dpa-lines", {"akun": "5.1.x"}, "akun", "digits separated by dots"),
        ("dpa-lines", {"tahun": "x"}, "tahun", ""),
        ("dpa-lines", {"jenis": "hibah"}, "jenis", ""),
        ("realisasi", {"triwulan": 5}, "triwulan", ""),
        ("realisasi", {"sub_kegiatan": "abc"}, "sub_kegiatan", "digits separated by dots"),
    ],
)
def test_a_bad_parameter_gets_a_400_that_names_it(region, bpkad, endpoint, params, field, words):
    response = get(api_client(bpkad), endpoint, **params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages
    assert all(isinstance(m, str) and m for m in messages)
    assert words in " ".join(messages)


def test_the_year_is_required_for_absorption(region, bpkad):
    response = get(api_client(bpkad), "absorption")
    assert response.status_code == 400
    assert "tahun" in response.json()


def test_several_bad_parameters_are_reported_together(region, bpkad):
    response = get(api_client(bpkad), "absorption", tahun="x", triwulan=5, level="foo")
    assert set(response.json()) == {"tahun", "triwulan", "level"}


# Lists: fields, filters, pagination ------------------------------------------------------


def test_a_dpa_line_carries_its_codes_and_amounts_as_decimal_strings(region, bpkad):
    lines = get(api_client(bpkad), "dpa-lines", akun="5.2").json()["results"]
    assert lines == [
        {
            "id": DpaLine.objects.get(account__kode="5.2.02.05.01.0001").pk,
            "region": UJI,
            "tahun": YEAR,
            "opd": OPD_A,
            "opd_nama": KES,
            "program": "1.02.02",
            "kegiatan": "1.02.02.2.01",
            "sub_kegiatan": "1.02.02.2.01.0001",
            "sub_kegiatan_nama": "Sub kegiatan 1.02.02.2.01.0001",
            "akun": "5.2.02.05.01.0001",
            "uraian": "Belanja Modal",
            "jenis": "belanja",
            "pagu": "900000.00",
            "pagu_murni": "900000.00",
            "kas_tw1": "0.00",
            "kas_tw2": "0.00",
            "kas_tw3": "450000.00",
            "kas_tw4": "450000.00",
            "sumber_dana": "",
        }
    ]
    assert Decimal(lines[0]["pagu"]) == Decimal("900000")


def test_revenue_and_financing_lines_have_no_program(region, bpkad):
    lines = get(api_client(bpkad), "dpa-lines", jenis="pembiayaan").json()["results"]
    assert [line["akun"] for line in lines] == ["6.1.01.01.01.0001", "6.2.02.01.01.0001"]
    assert all(line[k] is None for line in lines for k in ("program", "kegiatan", "sub_kegiatan"))


@pytest.mark.parametrize(
    ("params", "accounts"),
    [
        ({"akun": "5.1"}, {"5.1.01.01.01.0001", "5.1.02.01.01.0024", "5.1.02.02.01.0001"}),
        ({"akun": "5.1.02"}, {"5.1.02.01.01.0024", "5.1.02.02.01.0001"}),
        ({"akun": "5.1.02."}, {"5.1.02.01.01.0024", "5.1.02.02.01.0001"}),
        ({"akun": "5.1.0"}, set()),  # whole segments only
        ({"akun": "5.1.02.01.01.0024"}, {"5.1.02.01.01.0024"}),
        ({"akun": "4", "opd": OPD_B}, {"4.1.01.01.01.0001"}),
        ({"sub_kegiatan": "1.02.01"}, {"5.1.01.01.01.0001", "5.1.02.01.01.0024"}),
        ({"sub_kegiatan": "1.02.02.2.01.0001"}, {"5.2.02.05.01.0001"}),
        ({"jenis": "pendapatan"}, {"4.1.01.01.01.0001", "4.1.02.01.01.0001"}),
        ({"tahun": YEAR + 1}, set()),
        ({"opd": OPD_A, "jenis": "belanja", "tahun": YEAR}, {
            "5.1.01.01.01.0001", "5.1.02.01.01.0024", "5.2.02.05.01.0001"
        }),
    ],
)  # fmt: skip
def test_dpa_lines_are_filtered_by_year_opd_jenis_and_code_prefixes(
    region, bpkad, params, accounts
):
    lines = get(api_client(bpkad), "dpa-lines", **params).json()["results"]
    assert {line["akun"] for line in lines} == accounts


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"triwulan": 1}, {("5.1.01.01.01.0001", 1), ("4.1.02.01.01.0001", 1),
                           ("5.1.02.01.01.0024", 1), ("4.1.01.01.01.0001", 1),
                           ("6.1.01.01.01.0001", 1)}),
        ({"triwulan": 3, "opd": OPD_A, "akun": "5"}, {
            ("5.1.01.01.01.0001", 3), ("5.1.02.01.01.0024", 3), ("5.2.02.05.01.0001", 3)}),
        ({"akun": "5.2", "tahun": YEAR}, {("5.2.02.05.01.0001", 3), ("5.2.02.05.01.0001", 4)}),
        ({"jenis": "pembiayaan"}, {("6.1.01.01.01.0001", 1)}),
        ({"tahun": YEAR - 1}, set()),
    ],
)  # fmt: skip
def test_realisasi_are_filtered_by_year_quarter_opd_and_account(region, bpkad, params, expected):
    rows = get(api_client(bpkad), "realisasi", **params).json()["results"]
    assert {(row["akun"], row["triwulan"]) for row in rows} == expected


def test_a_realisasi_is_the_amount_within_its_quarter(region, bpkad):
    rows = get(api_client(bpkad), "realisasi", akun="5.2").json()["results"]
    assert [(r["triwulan"], r["jumlah"], r["tahun"], r["opd"]) for r in rows] == [
        (3, "400000.00", YEAR, OPD_A),
        (4, "500000.00", YEAR, OPD_A),
    ]
    line = DpaLine.objects.get(account__kode="5.2.02.05.01.0001")
    assert {r["dpa_line"] for r in rows} == {line.pk}


def test_opds_are_searched_by_code_or_name_and_filtered_by_region(
    region, magelang_beside, superuser
):
    client = api_client(superuser)
    found = get(client, "opds", q="kesehatan").json()["results"]
    assert found == [{"kode": OPD_A, "nama": KES, "region": UJI}]
    assert [o["kode"] for o in get(client, "opds", q="5.02").json()["results"]] == [OPD_B]
    assert [o["kode"] for o in get(client, "opds", region=MAGELANG).json()["results"]] == [
        MAGELANG_OPD
    ]


def test_a_region_lists_the_years_that_have_a_dpa(region, bpkad):
    assert get(api_client(bpkad), "regions").json()["results"] == [
        {"kode": UJI, "nama": "Kabupaten Uji", "tahun": [YEAR]}
    ]


def test_lists_are_paginated(region, bpkad):
    client = api_client(bpkad)
    first = get(client, "dpa-lines", page_size=4).json()
    assert first["count"] == 9
    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/dpa-lines/?")
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert len(third["results"]) == 1
    assert third["next"] is None
    ids = [line["id"] for page in (first, second, third) for line in page["results"]]
    assert sorted(ids) == sorted(DpaLine.objects.values_list("pk", flat=True))
    assert get(client, "dpa-lines", page=9).status_code == 404
    # 100 a page unless asked; at most 1000.
    assert len(get(client, "realisasi").json()["results"]) == Realisasi.objects.count()
    big = get(client, "dpa-lines", page_size=5000).json()
    assert len(big["results"]) == 9


def test_lines_come_in_code_order(region, bpkad):
    lines = get(api_client(bpkad), "dpa-lines", opd=OPD_A).json()["results"]
    assert [(line["sub_kegiatan"], line["akun"]) for line in lines] == [
        (None, "4.1.02.01.01.0001"),
        ("1.02.01.2.01.0001", "5.1.01.01.01.0001"),
        ("1.02.01.2.01.0001", "5.1.02.01.01.0024"),
        ("1.02.02.2.01.0001", "5.2.02.05.01.0001"),
    ]


# Ranking ---------------------------------------------------------------------------------------


def test_the_ranking_orders_the_opds_by_capaian_with_movement_and_report_status(region, bpkad):
    body = get(api_client(bpkad), "ranking", tahun=YEAR, triwulan=2).json()
    assert (body["tahun"], body["triwulan"], body["ukuran"]) == (YEAR, 2, "capaian")
    # Belanja through TW II: OPD B 285000 of 300000 planned (95%), OPD A 650000 of 700000.
    assert [
        (r["peringkat"], r["kode"], r["rasio_persen"], r["kategori"], r["perubahan"])
        for r in body["rows"]
    ] == [
        (1, OPD_B, 95.0, "Efektif", 1),
        (2, OPD_A, 92.86, "Efektif", -1),
    ]
    # Through TW I both were exactly on plan (100%): the tie goes by code, A first.
    assert [r["peringkat_sebelumnya"] for r in body["rows"]] == [2, 1]
    # The realisasi came in by import: the quarter has a draft report, nothing verified yet.
    assert body["rows"][0]["status_laporan"] == "draf"
    assert body["rows"][1]["realisasi_kumulatif"] == "650000.00"
    assert body["tidak_diperingkat"] == []


def test_the_ranking_by_serapan_uses_the_pagu(region, bpkad):
    body = get(api_client(bpkad), "ranking", tahun=YEAR, triwulan=4, ukuran="serapan").json()
    # OPD A: 2.400.000 of 2.500.000 = 96%; OPD B: 485.000 of 600.000 = 80,83%.
    assert [(r["kode"], r["rasio_persen"], r["kategori"]) for r in body["rows"]] == [
        (OPD_A, 96.0, "Efektif"),
        (OPD_B, 80.83, "Cukup Efektif"),
    ]
    assert [r["perubahan"] for r in body["rows"]] == [0, 0]


def test_the_ranking_defaults_to_the_latest_quarter_with_realisasi(region, bpkad):
    body = get(api_client(bpkad), "ranking").json()
    assert (body["tahun"], body["triwulan"]) == (YEAR, 4)


def test_the_ranking_shows_the_status_of_each_quarterly_report(region, bpkad, treasurer_opd):
    # The import left draft reports for the quarters it filled; OPD A has since submitted.
    QuarterReport.objects.update_or_create(
        region=region,
        opd=treasurer_opd,
        tahun=YEAR,
        triwulan=4,
        defaults={"status": "diajukan"},
    )
    QuarterReport.objects.filter(opd__kode=OPD_B, tahun=YEAR, triwulan=4).delete()
    rows = get(api_client(bpkad), "ranking", tahun=YEAR, triwulan=4).json()["rows"]
    assert {r["kode"]: r["status_laporan"] for r in rows} == {OPD_A: "diajukan", OPD_B: None}


def test_an_opd_without_a_cash_plan_is_left_out_of_the_ranking(region, bpkad):
    OpdFactory(region=region, kode="7.01.0.00.0.00.01.0000", nama="Kecamatan Baru")
    line: DpaLine = DpaLineFactory.create(
        region=region,
        tahun=YEAR,
        opd=Opd.objects.get(kode="7.01.0.00.0.00.01.0000"),
        pagu=Decimal("100"),
        kas_tw1=Decimal("0"),
        kas_tw2=Decimal("0"),
        kas_tw3=Decimal("0"),
        kas_tw4=Decimal("100"),
    )
    body = get(api_client(bpkad), "ranking", tahun=YEAR, triwulan=1).json()
    assert [r["kode"] for r in body["tidak_diperingkat"]] == [line.opd.kode]
    assert body["tidak_diperingkat"][0]["capaian_kas_persen"] is None


# Queries -------------------------------------------------------------------------------------

# One for the token (with its user) and one for the person's role, then the endpoint's own:
# lists count and fetch a page; absorption reads the region, the bands and the roll-up (with
# the account names joined at level akun; and the OPD when one is named); the ranking reads both
# quarters (for the movement) in the one roll-up and adds the report statuses.
# (endpoint, parameters, queries)
QUERIES: list[tuple[str, dict[str, object], int]] = [
    ("regions", {}, 4),
    ("opds", {}, 4),
    ("dpa-lines", {}, 4),
    ("dpa-lines", {"region": UJI, "opd": OPD_A, "akun": "5", "tahun": YEAR}, 5),
    ("realisasi", {}, 4),
    ("realisasi", {"triwulan": 2, "akun": "5.1"}, 4),
    ("absorption", {"tahun": YEAR}, 5),
    ("absorption", {"tahun": YEAR, "level": "sub_kegiatan", "opd": OPD_A}, 6),
    ("absorption", {"tahun": YEAR, "level": "akun", "depth": 3}, 5),
    ("absorption", {"tahun": YEAR, "region": UJI}, 5),
    ("ranking", {"tahun": YEAR, "triwulan": 3}, 6),
    ("ranking", {"tahun": YEAR, "triwulan": 1}, 6),
    ("ranking", {}, 7),  # + the years and the latest quarter (one query over the roll-ups)
]


def _grow(region: Region, opds: int) -> None:
    """More OPDs, each with DPA lines (belanja, revenue) and realisasi in every quarter."""
    for i in range(opds):
        opd = OpdFactory(region=region, kode=f"9.{i:02d}.0.00.0.00.01.0000")
        for kode in ("5.1.02.01.01.0024", "5.2.02.05.01.0001", "4.1.01.01.01.0001"):
            line = DpaLineFactory(
                region=region, tahun=YEAR, opd=opd, account=Account.objects.get(kode=kode)
            )
            for q in (1, 2, 3, 4):
                RealisasiFactory(line=line, triwulan=q, jumlah=Decimal("1000.00"))


@pytest.mark.parametrize("grow", [0, 12], ids=["small", "grown"])
def test_each_endpoint_costs_a_fixed_number_of_queries(
    region, bpkad, django_assert_num_queries, grow
):
    _grow(region, grow)
    client = api_client(bpkad, token=True)
    for endpoint, params, queries in QUERIES:
        with django_assert_num_queries(queries):
            response = get(client, endpoint, **params)
        assert response.status_code == 200, (endpoint, params, response.content)
    # Every query above was paid for a page with rows in it.
    assert get(client, "dpa-lines").json()["count"] == 9 + 3 * grow


# The schema -------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {API} | {f"{API}{e}/" for e in ENDPOINTS}


def test_the_schema_documents_parameters_responses_and_authentication():
    schema = yaml.safe_load(APIClient().get(f"{API}schema/").content)
    absorption = schema["paths"][f"{API}absorption/"]["get"]
    params = {p["name"]: p for p in absorption["parameters"]}
    assert set(params) == {"tahun", "triwulan", "level", "depth", "opd", "region", "sumber_dana"}
    assert params["tahun"]["required"] is True
    assert params["level"]["schema"]["enum"] == list(LEVELS)
    assert {"200", "400", "401", "403"} <= set(absorption["responses"])
    lines = schema["paths"][f"{API}dpa-lines/"]["get"]
    assert {"tahun", "opd", "jenis", "akun", "sub_kegiatan", "region", "page", "page_size"} <= {
        p["name"] for p in lines["parameters"]
    }
    realisasi = schema["paths"][f"{API}realisasi/"]["get"]
    assert {"tahun", "triwulan", "opd", "akun"} <= {p["name"] for p in realisasi["parameters"]}
    ranking = schema["paths"][f"{API}ranking/"]["get"]
    assert {"tahun", "triwulan", "ukuran"} <= {p["name"] for p in ranking["parameters"]}
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    row = schema["components"]["schemas"]["AbsorptionRow"]["properties"]
    assert list(row) == [
        "kode",
        "nama",
        "jenis",
        "pagu",
        "kas_kumulatif",
        "realisasi_kumulatif",
        "sisa",
        "serapan_persen",
        "kategori_serapan",
        "capaian_kas_persen",
        "kategori_capaian",
        "kategori_efisiensi",
        "pagu_murni",
        "serapan_murni_persen",
    ]


def test_the_schema_is_served_as_json_on_request():
    response = APIClient().get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Serapan API"


def test_the_schema_and_so_the_docs_page_speak_indonesian():
    schema = APIClient().get(f"{API}schema/", HTTP_ACCEPT="application/json").json()
    assert schema["info"]["description"].startswith("Penyerapan anggaran perangkat daerah")
    summaries = {op["summary"] for methods in schema["paths"].values() for op in methods.values()}
    assert "Peringkat OPD menurut capaian (atau serapan) belanja, seperti pada /peringkat/" in (
        summaries
    )
    assert "Tautan ke setiap endpoint" in summaries
    assert not any(s.startswith(("Links to", "Ranking of", "Absorption at")) for s in summaries)
    # English on request, as the pages (the request's language).
    english = APIClient().get(
        f"{API}schema/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["info"]["title"] == "Serapan API"


def test_the_root_links_every_endpoint_with_absolute_urls(region, bpkad):
    links = APIClient().get(API).json()
    assert set(links) == {"regions", "opds", "dpa_lines", "dpa_versions", "realisasi",
                          "absorption", "ranking", "kinerja", "dak", "schema", "docs"}  # fmt: skip
    assert all(url.startswith("http://testserver/api/v1/") for url in links.values())
    client = api_client(bpkad)
    for name, url in links.items():
        suffix = f"?tahun={YEAR}" if name in ("absorption", "kinerja", "dak") else ""
        assert client.get(url + suffix).status_code == 200, name


def test_the_docs_page_is_served_without_a_cdn():
    response = APIClient().get(f"{API}docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_a_signed_in_browser_gets_the_browsable_api(region, kepala_daerah):
    client = api_client(kepala_daerah)
    for url in (API, f"{API}dpa-lines/?tahun={YEAR}", f"{API}absorption/?tahun={YEAR}"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
