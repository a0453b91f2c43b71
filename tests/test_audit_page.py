"""The audit trail's own page, /riwayat/: every change in the region, filtered and a page at a
time; the OPD page keeps only the latest few rows and links to it."""

import re
from decimal import Decimal

import pghistory
import pytest
from django.test import Client

from budget.models import Realisasi
from tests.factories import DpaLineFactory, OpdFactory, RealisasiFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2024


@pytest.fixture
def two_opds(treasurer_opd, other_opd, treasurer, other_treasurer):
    """One line each: OPD A's treasurer realises its TW I and TW II, OPD B's its TW I."""
    a = DpaLineFactory.create(region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR)
    b = DpaLineFactory.create(region=other_opd.region, opd=other_opd, tahun=YEAR)
    with pghistory.context(user=treasurer.pk):
        RealisasiFactory.create(line=a, triwulan=1, jumlah=D("100000"))
        RealisasiFactory.create(line=a, triwulan=2, jumlah=D("200000"))
    with pghistory.context(user=other_treasurer.pk):
        RealisasiFactory.create(line=b, triwulan=1, jumlah=D("300000"))
    return a, b


def realised_lines(opd, treasurer, n: int) -> None:
    """`n` new lines of `opd`, each with a TW I realisasi entered by its treasurer."""
    lines = [DpaLineFactory.create(region=opd.region, opd=opd, tahun=YEAR) for _ in range(n)]
    with pghistory.context(user=treasurer.pk):
        for line in lines:
            RealisasiFactory.create(line=line, triwulan=1, jumlah=D("1000"))


@pytest.fixture
def as_bpkad(bpkad) -> Client:
    client = Client()
    client.force_login(bpkad)
    return client


def rows(response) -> list[str]:
    body = response.content.decode()
    table = re.search(r'<table class="data history">.*?</table>', body, re.S)
    if table is None:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", tr).split())
        for tr in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]
    ]


def test_bpkad_reads_every_change_of_the_region_newest_first(as_bpkad, two_opds):
    response = as_bpkad.get("/riwayat/")
    assert response.status_code == 200
    shown = rows(response)
    realisasi = [r for r in shown if "Realisasi" in r and "dibuat" in r]
    assert len(realisasi) == 3
    assert "bendahara_lain" in realisasi[0]  # the newest first
    assert "Riwayat perubahan" in page_text(response)


def test_the_page_filters_by_opd_quarter_kind_and_person(as_bpkad, two_opds, treasurer_opd, bpkad):
    a, _b = two_opds
    only_a = rows(as_bpkad.get("/riwayat/", {"opd": treasurer_opd.kode}))
    assert only_a
    assert all("bendahara_lain" not in r for r in only_a)
    tw2 = rows(as_bpkad.get("/riwayat/", {"triwulan": 2}))
    assert len(tw2) == 1
    assert f"{YEAR} TW II" in tw2[0]
    lines_only = rows(as_bpkad.get("/riwayat/", {"jenis": "dpa"}))
    assert lines_only
    assert all(r.split(" ")[5:7] != ["Realisasi"] for r in lines_only)
    assert all("Baris DPA" in r for r in lines_only)
    # The person: a correction by BPKAD still shows the value it replaced.
    with pghistory.context(user=bpkad.pk):
        Realisasi.objects.filter(line=a, triwulan=1).update(jumlah=D("150000"))
    by_bpkad = rows(as_bpkad.get("/riwayat/", {"pengguna": bpkad.username}))
    assert len(by_bpkad) == 1
    assert "realisasi: 100.000,00 → 150.000,00" in by_bpkad[0]
    unknown = as_bpkad.get("/riwayat/", {"pengguna": "tidak_ada"})
    assert "Tidak ada pengguna bernama tidak_ada." in page_text(unknown)
    assert rows(unknown) == []


def test_the_page_goes_back_a_page_at_a_time(as_bpkad, treasurer_opd, treasurer):
    realised_lines(treasurer_opd, treasurer, 30)
    first = as_bpkad.get("/riwayat/")
    second = as_bpkad.get("/riwayat/", {"hal": 2})
    assert len(rows(first)) == 50
    assert 0 < len(rows(second)) <= 10  # 30 lines and 30 realisasi: 60 events
    assert set(rows(first)).isdisjoint(rows(second))
    assert "hal=2" in first.content.decode()
    assert "hal=1" in second.content.decode()


def test_only_bpkad_opens_the_audit_page(client, treasurer, kepala_daerah):
    for user in (treasurer, kepala_daerah):
        client.force_login(user)
        assert client.get("/riwayat/").status_code == 403


def test_the_opd_page_keeps_the_latest_ten_and_links_to_the_whole_trail(
    as_bpkad, treasurer_opd, treasurer
):
    realised_lines(treasurer_opd, treasurer, 8)
    page = as_bpkad.get(f"/opd/{treasurer_opd.kode}/?tahun={YEAR}&triwulan=1")
    assert len(rows(page)) == 10
    assert f'href="/riwayat/?opd={treasurer_opd.kode}&amp;tahun={YEAR}"' in page.content.decode()


def test_the_audit_page_costs_the_same_queries_whatever_the_trail(
    as_bpkad, treasurer_opd, treasurer
):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            as_bpkad.get("/riwayat/")
        return len(queries)

    other = OpdFactory.create(region=treasurer_opd.region)
    line = DpaLineFactory.create(region=treasurer_opd.region, opd=other, tahun=YEAR)
    with pghistory.context(user=treasurer.pk):
        RealisasiFactory.create(line=line, triwulan=1)
    few = count()
    # session, user, roles, region; the OPDs to choose from; the four kinds of events (DPA
    # lines, realisasi, realisasi fisik, reports) and the names of the people in them; the
    # session's touch
    assert few == 10
    for _ in range(20):
        extra = DpaLineFactory.create(region=treasurer_opd.region, opd=other, tahun=YEAR)
        with pghistory.context(user=treasurer.pk):
            RealisasiFactory.create(line=extra, triwulan=2)
    assert count() == few
