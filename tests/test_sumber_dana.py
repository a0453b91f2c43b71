"""Absorption by fund source (sumber dana): the selector level, the command's JSON, the API,
the breakdown on the overview and the OPD page, and the OPD table's filter.

Two OPDs; OPD A spends DAU on its pegawai line and DAK Fisik on its modal line, OPD B has one
PAD line and one line whose DPA names no fund source.
"""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from budget.models import SumberDana
from budget.selectors import NO_SUMBER_DANA, absorption
from tests.factories import (
    AccountFactory,
    DpaLineFactory,
    OpdFactory,
    RealisasiFactory,
    RegionFactory,
    SubKegiatanFactory,
)
from tests.helpers import report

pytestmark = pytest.mark.django_db

D = Decimal
OPD_A = "1.02.0.00.0.00.01.0000"
OPD_B = "1.03.0.00.0.00.01.0000"


def _line(region, opd, account, sub, *, pagu, real, sumber_dana):
    line = DpaLineFactory(
        region=region,
        opd=opd,
        account=account,
        sub_kegiatan=sub,
        pagu=D(pagu),
        kas_tw1=D(pagu),
        kas_tw2=0,
        kas_tw3=0,
        kas_tw4=0,
        sumber_dana=sumber_dana,
    )
    RealisasiFactory(line=line, triwulan=1, jumlah=D(real))
    return line


@pytest.fixture
def region():
    region = RegionFactory(kode="33.98")
    opd_a = OpdFactory(region=region, kode=OPD_A, nama="Dinas A")
    opd_b = OpdFactory(region=region, kode=OPD_B, nama="Dinas B")
    sub = SubKegiatanFactory(region=region)
    pegawai = AccountFactory(region=region, kode="5.1.01.01.01.0001")
    modal = AccountFactory(region=region, kode="5.2.02.05.01.0001")
    barang = AccountFactory(region=region, kode="5.1.02.01.01.0024")
    _line(region, opd_a, pegawai, sub, pagu="1000", real="500", sumber_dana=SumberDana.DAU)
    _line(region, opd_a, modal, sub, pagu="3000", real="300", sumber_dana=SumberDana.DAK_FISIK)
    _line(region, opd_b, pegawai, sub, pagu="2000", real="1800", sumber_dana=SumberDana.PAD)
    _line(region, opd_b, barang, sub, pagu="400", real="100", sumber_dana="")
    return region


def test_the_sumber_dana_level_groups_the_lines_by_fund_source(region):
    rows = absorption(region=region, tahun=2024, triwulan=1, level="sumber_dana")
    got = {(r.kode, r.nama): (r.pagu, r.realisasi_kumulatif, r.line_count) for r in rows}
    assert got == {
        ("", NO_SUMBER_DANA): (D("400.00"), D("100.00"), 1),
        ("DAK Fisik", "DAK Fisik"): (D("3000.00"), D("300.00"), 1),
        ("DAU", "DAU"): (D("1000.00"), D("500.00"), 1),
        ("PAD", "PAD"): (D("2000.00"), D("1800.00"), 1),
    }
    dak = next(r for r in rows if r.kode == "DAK Fisik")
    assert dak.serapan == D(10)
    assert dak.kategori_serapan == "Tidak Efektif"
    # The breakdown adds up to the region's figures, to the rupiah.
    (pemda,) = absorption(region=region, tahun=2024, triwulan=1, level="pemda")
    assert sum(r.pagu for r in rows) == pemda.pagu
    assert sum(r.realisasi_kumulatif for r in rows) == pemda.realisasi_kumulatif


def test_the_breakdown_of_one_opd_holds_its_own_lines_only(region):
    rows = absorption(region=region, tahun=2024, triwulan=1, level="sumber_dana", opd=OPD_A)
    assert [r.kode for r in rows] == ["DAK Fisik", "DAU"]


def test_absorption_report_gives_level_sumber_dana_in_the_contract(region):
    data = report(tahun=2024, triwulan=1, level="sumber_dana", region="33.98")
    assert data["level"] == "sumber_dana"
    by_kode = {r["kode"]: r for r in data["rows"]}
    assert set(by_kode) == {"", "DAK Fisik", "DAU", "PAD"}
    assert by_kode[""]["nama"] == NO_SUMBER_DANA
    assert by_kode["PAD"]["serapan_persen"] == 90.0
    assert by_kode["PAD"]["pagu_murni"] == "2000.00"


def test_the_api_answers_level_sumber_dana_as_the_command_does(region, bpkad):
    client = APIClient()
    client.force_authenticate(bpkad)
    response = client.get(
        "/api/v1/absorption/", {"tahun": "2024", "triwulan": "1", "level": "sumber_dana"}
    )
    assert response.status_code == 200
    assert response.json() == report(tahun=2024, triwulan=1, level="sumber_dana", region="33.98")


def test_the_api_lists_dpa_lines_of_one_fund_source(region, bpkad):
    client = APIClient()
    client.force_authenticate(bpkad)
    lines = client.get("/api/v1/dpa-lines/", {"sumber_dana": "DAK Fisik"}).json()["results"]
    assert [(line["akun"], line["sumber_dana"]) for line in lines] == [
        ("5.2.02.05.01.0001", "DAK Fisik")
    ]
    none = client.get("/api/v1/dpa-lines/", {"sumber_dana": "-"}).json()["results"]
    assert [line["sumber_dana"] for line in none] == [""]
    refused = client.get("/api/v1/dpa-lines/", {"sumber_dana": "APBN"})
    assert refused.status_code == 400
    assert "sumber_dana" in refused.json()


@pytest.fixture
def bpkad(region):
    from django.contrib.auth.models import Group, User

    from budget.models import Profile
    from budget.roles import GROUP_BPKAD

    user = User.objects.create_user("bpkad-dana")
    user.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
    Profile.objects.create(user=user, region=region)
    return user


def _page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_overview_shows_belanja_by_fund_source(client, region, bpkad):
    html = _page(client, bpkad, "/?tahun=2024&triwulan=1")
    assert "Belanja menurut sumber dana" in html
    assert 'id="sumber-dana"' in html
    for name in ("DAK Fisik", "DAU", "PAD", NO_SUMBER_DANA):
        assert name in html


def test_the_opd_page_shows_its_own_fund_sources(client, region, bpkad):
    html = _page(client, bpkad, f"/opd/{OPD_A}/?tahun=2024&triwulan=1")
    section = html[html.index('id="sumber-dana"') :]
    assert "DAK Fisik" in section
    assert "DAU" in section
    assert ">PAD<" not in section


def test_the_breakdown_is_left_out_when_no_line_names_a_fund_source(client, region, bpkad):
    from budget.models import DpaLine

    DpaLine.objects.filter(region=region).update(sumber_dana="")
    html = _page(client, bpkad, "/?tahun=2024&triwulan=1")
    assert "Belanja menurut sumber dana" not in html


def test_the_opd_table_can_be_filtered_by_fund_source(client, region, bpkad):
    client.force_login(bpkad)
    response = client.get("/", {"tahun": 2024, "triwulan": 1, "sumber_dana": "DAK Fisik"})
    rows = response.context["opd_table"].data.data
    # Only OPD A has DAK Fisik, and its figures are those of the DAK line alone.
    assert [(r.kode, r.pagu, r.realisasi_kumulatif) for r in rows] == [
        (OPD_A, D("3000.00"), D("300.00"))
    ]
    none = client.get("/", {"tahun": 2024, "triwulan": 1, "sumber_dana": "-"})
    assert [(r.kode, r.pagu) for r in none.context["opd_table"].data.data] == [(OPD_B, D("400.00"))]
    # The counts above the table still speak of every OPD.
    assert response.context["opd_count"] == 2


def test_the_fund_source_table_exports_as_csv(client, region, bpkad):
    client.force_login(bpkad)
    response = client.get(
        "/", {"tahun": 2024, "triwulan": 1, "_export": "csv", "_tabel": "sumber_dana"}
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Kode,Nama,Pagu")
    assert "DAK Fisik,DAK Fisik,3000.00" in body
