"""DPA murni against the DPA in force on the pages: the OPD page's section, the region's
report and its export, the ranking by absorption of the murni pagu, the API, the admin; each
for whom may see it."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Group, User

from budget.demo import GROUP_BENDAHARA, GROUP_BPKAD, GROUP_KEPALA_DAERAH
from budget.importing import read_table
from budget.importing.dpa import import_dpa
from budget.importing.realisasi import import_realisasi
from budget.models import DpaVersion, Opd, Profile, Region
from budget.versions import VersionInfo
from dashboard.dpa_versions import CHANGES_PER_PAGE
from tests.factories import OPD, dpa_row, realisasi_row
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

OTHER_OPD = "1.02.0.00.0.00.02.0000"


def account(n: int) -> str:
    return f"5.1.02.01.01.{n:04d}"


def line(n: int, pagu: int, opd: str = OPD, **extra):
    quarter = pagu // 4
    return dpa_row(
        tahun=2025,
        kode_opd=opd,
        nama_opd="Dinas Kesehatan" if opd == OPD else "Rumah Sakit Umum Daerah",
        kode_rekening=account(n),
        uraian=f"Belanja {n}",
        pagu=pagu,
        kas_tw1=quarter,
        kas_tw2=quarter,
        kas_tw3=quarter,
        kas_tw4=pagu - 3 * quarter,
        **extra,
    )


N = CHANGES_PER_PAGE + 5  # lines the DPPA changes: more than one page of them


@pytest.fixture
def region(files) -> Region:
    """Two OPDs of 40 lines of 400.000 each, spending about 100.000 a line in TW I-II; a DPPA cuts
    N of the first OPD's lines to 300.000 (its serapan against the pagu in force rises,
    against the murni it does not)."""
    murni = [line(n, 400000) for n in range(1, 41)] + [
        line(n, 400000, OTHER_OPD) for n in range(1, 41)
    ]
    import_dpa(
        table=read_table(files.csv(murni)),
        region_kode="33.99",
        region_nama="Kabupaten Uji",
        versi=VersionInfo(jenis="murni", nomor="DPA/2025/001", tanggal=date(2025, 1, 1)),
    )
    spent = [
        realisasi_row(
            tahun=2025,
            triwulan=q,
            kode_opd=opd,
            kode_rekening=account(n),
            # The second OPD spends a little more: ahead of the first by the murni pagu.
            realisasi=60000 if (opd, n, q) == (OTHER_OPD, 1, 2) else 50000,
        )
        for opd in (OPD, OTHER_OPD)
        for n in range(1, 41)
        for q in (1, 2)
    ]
    import_realisasi(table=read_table(files.csv(spent)))
    dppa = [line(n, 300000) for n in range(1, N + 1)]
    import_dpa(
        table=read_table(files.csv(dppa)),
        versi=VersionInfo(jenis="perubahan", nomor="DPPA/2025/014", tanggal=date(2025, 9, 29)),
    )
    return Region.objects.get()


def user(role: str, region: Region, opd: str | None = None) -> User:
    group = {"bpkad": GROUP_BPKAD, "kepala": GROUP_KEPALA_DAERAH, "bendahara": GROUP_BENDAHARA}
    made = User.objects.create_user(f"{role}-{opd or ''}", is_staff=role == "bpkad")
    made.groups.add(Group.objects.get_or_create(name=group[role])[0])
    Profile.objects.create(user=made, region=region, opd=Opd.objects.get(kode=opd) if opd else None)
    return made


PERIOD = "?tahun=2025&triwulan=2"


def test_the_opd_page_shows_both_absorptions_the_versions_and_the_changed_lines(client, region):
    client.force_login(user("bpkad", region))
    response = client.get(f"/opd/{OPD}/{PERIOD}")
    text = page_text(response)
    assert "DPA murni vs berlaku, 2025" in text
    assert "DPA/2025/001" in text
    assert "DPPA/2025/014" in text
    assert "29-09-2025" in text
    # 40 lines of 400.000 spent 100.000 each: 25% of the murni; of 16.000.000 - N × 100.000
    # in force, more.
    assert "Serapan terhadap pagu murni 25,00%" in text
    in_force = 100 * 4000000 / (16000000 - N * 100000)
    assert f"Serapan terhadap pagu berlaku {in_force:.2f}%".replace(".", ",") in text
    table = response.context["change_table"]
    assert table.paginator.count == N
    assert len(table.page.object_list) == CHANGES_PER_PAGE
    assert "Rasionalisasi" in text or "rasionalisasi" in text
    second = client.get(f"/opd/{OPD}/{PERIOD}&ubah-page=2")
    assert len(second.context["change_table"].page.object_list) == N - CHANGES_PER_PAGE


def test_the_changed_lines_filter_by_class_and_export(client, region):
    client.force_login(user("bpkad", region))
    response = client.get(f"/opd/{OPD}/{PERIOD}&ubah_kelas=tambah")
    assert response.context["change_table"].paginator.count == 0
    response = client.get(f"/opd/{OPD}/{PERIOD}&ubah_kelas=tetap")
    assert response.context["change_table"].paginator.count == 0  # the DPPA named no others
    exported = client.get(f"/opd/{OPD}/{PERIOD}&_export=csv&_tabel=perubahan")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert len(rows) == N + 1
    assert rows[1][-1] == "-100000.00"


def test_an_opd_the_dppa_left_alone_lists_no_change(client, region):
    client.force_login(user("kepala", region))
    response = client.get(f"/opd/{OTHER_OPD}/{PERIOD}")
    assert response.context["change_table"].paginator.count == 0
    versions = response.context["dpa_versions"]
    assert [v.n_berubah for v in versions] == [40, 0]


def test_a_treasurer_sees_the_section_of_their_own_opd_only(client, region):
    client.force_login(user("bendahara", region, OPD))
    assert client.get(f"/opd/{OPD}/{PERIOD}").status_code == 200
    assert client.get(f"/opd/{OTHER_OPD}/{PERIOD}").status_code == 403
    assert client.get(f"/opd/{OTHER_OPD}/{PERIOD}&_export=csv&_tabel=perubahan").status_code == 403
    assert client.get(f"/laporan/perubahan-dpa/{PERIOD}").status_code == 403


def test_the_region_report_shows_murni_against_in_force_per_opd_and_exports(client, region):
    client.force_login(user("kepala", region))
    text = page_text(client.get(f"/laporan/perubahan-dpa/{PERIOD}"))
    assert "DPA/2025/001" in text
    assert "16.000.000" in text
    assert f"{16000000 - N * 100000:,}".replace(",", ".") in text
    exported = client.get(f"/laporan/perubahan-dpa/{PERIOD}&_export=csv&_tabel=perubahan_dpa")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[OPD][2:5] == ["16000000.00", f"{16000000 - N * 100000}.00", f"-{N * 100000}.00"]
    assert by_code[OPD][-2:] == ["25.00", f"{100 * 4000000 / (16000000 - N * 100000):.2f}"]
    assert by_code[OTHER_OPD][4] == "0.00"


def test_a_budget_cut_does_not_buy_rank_by_absorption_of_the_murni_pagu(client, region):
    client.force_login(user("kepala", region))
    by_serapan = client.get(f"/peringkat/{PERIOD}&ukuran=serapan").context["table"].data
    assert [r.row.kode for r in by_serapan][0] == OPD  # the cut lifts it above its twin
    by_murni = client.get(f"/peringkat/{PERIOD}&ukuran=serapan_murni").context["table"].data
    assert [r.row.kode for r in by_murni][:2] == [OTHER_OPD, OPD]


def test_the_api_lists_the_versions_in_order(client, region):
    client.force_login(user("bendahara", region, OPD))
    body = client.get("/api/v1/dpa-versions/?tahun=2025").json()
    assert [(v["jenis"], v["nomor"], v["tanggal"]) for v in body["results"]] == [
        ("murni", "DPA/2025/001", "2025-01-01"),
        ("perubahan", "DPPA/2025/014", "2025-09-29"),
    ]


def test_the_admin_shows_versions_and_changes_nothing(client, region):
    admin = user("bpkad", region)
    client.force_login(admin)
    version = DpaVersion.objects.get(jenis="perubahan")
    assert client.get("/admin/budget/dpaversion/?jenis=perubahan").status_code == 200
    assert client.get("/admin/budget/dpalineversion/?kelas=rasionalisasi").status_code == 200
    page = client.get(f"/admin/budget/dpaversion/{version.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get("/admin/budget/dpaversion/add/").status_code == 403
