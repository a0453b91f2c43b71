"""The web import (/impor/): the same importers as the commands, a dry-run preview, nothing
written before the confirmation, the same refusals with the same messages."""

import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from budget.importing import ImportRefused, read_table
from budget.importing.dpa import DPA_COLUMNS, MONTH_COLUMNS, import_dpa
from budget.importing.realisasi import REALISASI_COLUMNS
from budget.models import DpaLine, Opd, Profile, Realisasi, Region, SumberDana
from budget.roles import GROUP_BENDAHARA, GROUP_BPKAD, GROUP_KEPALA
from tests.factories import OPD, SUB_KEGIATAN, dpa_row, realisasi_row
from tests.helpers import page_text, run_command

pytestmark = pytest.mark.django_db

OTHER_OPD = "1.03.0.00.0.00.01.0000"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Uploads waiting for confirmation go to a temporary folder, not the project's .data."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def region(files) -> Region:
    other = dpa_row(
        kode_opd=OTHER_OPD,
        nama_opd="Dinas PUPR",
        kode_program="1.03.01",
        kode_kegiatan="1.03.01.2.01",
        kode_sub_kegiatan="1.03.01.2.01.0001",
    )
    run_command("import_dpa", files.csv([dpa_row(), other]), no_progress=True)
    return Region.objects.get()


def user(name: str, group: str, region: Region, opd: Opd | None = None, staff=False) -> User:
    u = User.objects.create_user(name, is_staff=staff)
    u.groups.add(Group.objects.get_or_create(name=group)[0])
    Profile.objects.create(user=u, region=region, opd=opd)
    return u


@pytest.fixture
def as_bpkad(client, region):
    client.force_login(user("verifikator", GROUP_BPKAD, region, staff=True))
    return client


@pytest.fixture
def as_treasurer(client, region):
    client.force_login(user("bendahara", GROUP_BENDAHARA, region, Opd.objects.get(kode=OPD)))
    return client


def upload(client, name: str, data: bytes, jenis: str = "dpa", **extra):
    return client.post(
        "/impor/",
        {"action": "preview", "jenis": jenis, "berkas": SimpleUploadedFile(name, data), **extra},
    )


def csv_bytes(columns, rows) -> bytes:
    lines = [",".join(columns)] + [",".join(str(r.get(c, "")) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def refusals(response) -> list[tuple[str, str, str]]:
    html = response.content.decode()
    body = html[html.index('class="data refusals"') :]
    return re.findall(
        r'<tr><td class="num">([^<]*)</td><td class="kode">([^<]*)</td><td>([^<]*)</td>', body
    )


def token(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def snapshot():
    return (
        list(DpaLine.objects.order_by("pk").values_list("pk", "pagu", "kas_tw1", "kas_tw4")),
        list(Realisasi.objects.order_by("pk").values_list("pk", "jumlah")),
    )


def test_the_preview_refuses_what_the_command_refuses_with_the_same_messages(as_bpkad, files):
    bad = [dpa_row(pagu="400000", kas_tw1="abc"), dpa_row(kode_kegiatan="1.02.99.2.01")]
    path = files.csv(bad)
    with pytest.raises(ImportRefused) as refused:
        import_dpa(table=read_table(path), dry_run=True)
    before = snapshot()

    response = upload(as_bpkad, "dpa.csv", path.read_bytes())

    assert response.status_code == 400
    shown = refusals(response)
    expected = [(str(e.row), e.column, e.message) for e in refused.value.errors]
    assert [(r, c, m.replace("&#x27;", "'")) for r, c, m in shown] == expected
    assert {r for r, _c, _m in shown} == {"2", "3"}
    assert snapshot() == before


def test_nothing_is_written_before_the_confirmation(as_bpkad, files):
    before = snapshot()
    new = dpa_row(kode_rekening="5.1.02.01.01.0025", uraian="Belanja ATK")
    changed = dpa_row(pagu="500000", kas_tw4="200000")

    response = upload(as_bpkad, "dpa.csv", files.csv([changed, new]).read_bytes())

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 dibuat, 1 diubah" in html
    assert "5.1.02.01.01.0025" in html  # listed under "Akan dibuat"
    # The pagu change, old and new.
    assert "400.000" in html
    assert "500.000" in html
    assert snapshot() == before

    done = as_bpkad.post("/impor/", {"action": "confirm", "token": token(response)})

    assert done.status_code == 200
    assert "Impor selesai" in done.content.decode()
    assert DpaLine.objects.count() == 3
    assert DpaLine.objects.get(opd__kode=OPD, account__kode="5.1.02.01.01.0001").pagu == Decimal(
        "500000.00"
    )


def test_a_confirmation_is_used_once_and_only_by_its_uploader(as_bpkad, files, client, region):
    response = upload(
        as_bpkad, "dpa.csv", files.csv([dpa_row(pagu="500000", kas_tw4="200000")]).read_bytes()
    )
    key = token(response)
    other = User.objects.create_user("lain", is_staff=True)
    other.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
    from django.test import Client

    stranger = Client()
    stranger.force_login(other)
    assert stranger.post("/impor/", {"action": "confirm", "token": key}).status_code == 404
    assert as_bpkad.post("/impor/", {"action": "confirm", "token": key}).status_code == 200
    assert as_bpkad.post("/impor/", {"action": "confirm", "token": key}).status_code == 404


def test_cancelling_discards_the_file(as_bpkad, files, upload_dir):
    response = upload(
        as_bpkad, "dpa.csv", files.csv([dpa_row(pagu="500000", kas_tw4="200000")]).read_bytes()
    )
    key = token(response)
    assert len(list(upload_dir.iterdir())) == 2  # the file and what it is
    assert as_bpkad.post("/impor/", {"action": "cancel", "token": key}).status_code == 200
    assert list(upload_dir.iterdir()) == []
    assert as_bpkad.post("/impor/", {"action": "confirm", "token": key}).status_code == 404
    assert DpaLine.objects.get(opd__kode=OPD).pagu == Decimal("400000.00")


def sipd_xlsx(rows: list[list]) -> bytes:
    """A SIPD-style export: the cash plan by month."""
    from io import BytesIO

    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(DPA_COLUMNS[:12] + MONTH_COLUMNS)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def monthly_row(account: str, pagu: int, months: list) -> list:
    base = dpa_row(kode_rekening=account, uraian="Belanja")
    return [base[c] for c in DPA_COLUMNS[:11]] + [pagu, *months]


def test_a_sipd_export_with_monthly_cash_plans_is_previewed_fixed_and_confirmed(as_bpkad):
    good = monthly_row("5.1.02.01.01.0024", 1200, [100] * 12)
    bad_sum = monthly_row("5.1.02.01.01.0025", 1200, [100] * 11 + [50])
    bad_text = monthly_row("5.1.02.01.01.0026", 1200, ["seratus"] + [100] * 11)

    response = upload(as_bpkad, "sipd.xlsx", sipd_xlsx([good, bad_sum, bad_text]))
    assert response.status_code == 400
    assert {(r, c) for r, c, _m in refusals(response)} == {
        ("3", "kas_bulan_12"),
        ("4", "kas_bulan_1"),
    }

    fixed = [
        good,
        monthly_row("5.1.02.01.01.0025", 1200, [100] * 12),
        monthly_row("5.1.02.01.01.0026", 1200, [0, 0, 300] + [100] * 9),
    ]
    response = upload(as_bpkad, "sipd.xlsx", sipd_xlsx(fixed))
    assert response.status_code == 200
    assert (
        as_bpkad.post("/impor/", {"action": "confirm", "token": token(response)}).status_code == 200
    )
    line = DpaLine.objects.get(account__kode="5.1.02.01.01.0026")
    assert [line.kas_tw1, line.kas_tw2, line.kas_tw3, line.kas_tw4] == [Decimal(300)] * 4


def test_a_treasurer_imports_only_realisasi_of_their_own_opd(as_treasurer, region):
    page = as_treasurer.get("/impor/").content.decode()
    assert 'value="dpa"' not in page
    before = snapshot()

    dpa = upload(as_treasurer, "dpa.csv", csv_bytes(DPA_COLUMNS, [dpa_row(pagu="1")]))
    assert dpa.status_code == 400
    assert snapshot() == before

    other = realisasi_row(kode_opd=OTHER_OPD, kode_sub_kegiatan="1.03.01.2.01.0001")
    refused = upload(
        as_treasurer,
        "r.csv",
        csv_bytes(REALISASI_COLUMNS, [realisasi_row(), other]),
        jenis="realisasi",
    )
    assert refused.status_code == 400
    assert [(r, c) for r, c, _m in refusals(refused)] == [("3", "kode_opd")]
    assert snapshot() == before

    own = upload(
        as_treasurer, "r.csv", csv_bytes(REALISASI_COLUMNS, [realisasi_row()]), jenis="realisasi"
    )
    assert own.status_code == 200
    assert (
        as_treasurer.post("/impor/", {"action": "confirm", "token": token(own)}).status_code == 200
    )
    assert Realisasi.objects.count() == 1


@pytest.mark.parametrize("role", ["kepala", "anonymous"])
def test_the_head_of_region_and_strangers_cannot_import(client, region, role):
    if role == "kepala":
        client.force_login(user("bupati", GROUP_KEPALA, region))
        assert client.get("/impor/").status_code == 403
        assert upload(client, "dpa.csv", b"tahun\n2024\n").status_code == 403
    else:
        response = client.get("/impor/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("dpa", [*DPA_COLUMNS, "sumber_dana"]),
        ("dpa-bulanan", DPA_COLUMNS[:12] + MONTH_COLUMNS + ["sumber_dana"]),
        ("realisasi", REALISASI_COLUMNS),
    ],
)
def test_each_template_has_the_contract_header_and_an_example_that_imports(
    as_bpkad, name, columns, tmp_path
):
    response = as_bpkad.get(f"/impor/templat/{name}.xlsx")
    assert response.status_code == 200
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    assert isinstance(sheet, Worksheet)
    assert [c.value for c in sheet[1]] == columns
    table = read_table(path)
    assert table.columns == columns
    assert table.rows[0][1]["kode_opd"] == "1.02.0.00.0.00.01.0000"  # a code stays text
    if name.startswith("dpa"):
        result = import_dpa(table=table, dry_run=True)
        assert result.lines.created == 1
        assert table.rows[0][1]["sumber_dana"] == "PAD"


def test_the_dpa_template_offers_the_accepted_fund_sources(as_bpkad, tmp_path):
    response = as_bpkad.get("/impor/templat/dpa.xlsx")
    path = tmp_path / "dpa.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = openpyxl.load_workbook(path).active
    assert isinstance(sheet, Worksheet)
    letter = get_column_letter([c.value for c in sheet[1]].index("sumber_dana") + 1)
    [rule] = sheet.data_validations.dataValidation
    assert rule.type == "list"
    assert rule.formula1 == '"' + ",".join(SumberDana.values) + '"'
    assert str(rule.sqref).startswith(f"{letter}2:")


def test_the_preview_refuses_a_fund_source_in_free_text_with_its_row_and_column(as_bpkad, files):
    rows = [
        dpa_row(sumber_dana="DAU"),
        dpa_row(kode_rekening="5.1.02.01.01.0002", sumber_dana="APBN"),
    ]
    before = snapshot()
    response = upload(as_bpkad, "dpa.csv", files.csv(rows).read_bytes())
    assert response.status_code == 400
    [(row, column, message)] = refusals(response)
    assert (row, column) == ("3", "sumber_dana")
    assert "DAK Non Fisik" in message
    assert snapshot() == before


def test_a_refused_file_offers_the_upload_form_again_without_a_broken_period_picker(
    as_bpkad, files
):
    path = files.csv([dpa_row(pagu="400000", kas_tw1="abc")])
    response = upload(as_bpkad, "dpa.csv", path.read_bytes())
    assert response.status_code == 400
    page = response.content.decode()
    # The header's period picker belongs to the pages of figures: an import page has none
    # (the upload form was once taken for it, and the header showed empty pickers).
    assert 'class="period"' not in page
    # The corrected file goes up from the same page.
    assert 'id="upload"' in page
    assert 'name="berkas"' in page
    assert "Unggah berkas lain" in page


@pytest.mark.parametrize("who", ["as_treasurer", "as_bpkad"])
def test_the_realisasi_template_uploaded_unchanged_is_accepted_and_changes_nothing_entered(
    request, who, tmp_path
):
    client = request.getfixturevalue(who)
    path = tmp_path / "realisasi.xlsx"
    path.write_bytes(b"".join(client.get("/impor/templat/realisasi.xlsx").streaming_content))
    example = read_table(path).rows[0][1]
    assert example["kode_opd"] == OPD  # the person's own OPD (BPKAD: the region's first)
    line = DpaLine.objects.get(opd__kode=OPD)
    assert example["kode_rekening"] == line.account.kode
    # Nothing reported yet: the example is the first quarter, at Rp 0.
    assert (int(example["tahun"]), int(example["triwulan"])) == (line.tahun, 1)
    response = upload(client, "realisasi.xlsx", path.read_bytes(), jenis="realisasi")
    assert response.status_code == 200, refusals(response)
    assert "berkas dapat diimpor" in response.content.decode()
    # With a figure stored for that quarter, the template carries it: unchanged, not zeroed.
    Realisasi.objects.create(line=line, region=line.region, triwulan=1, jumlah=Decimal("125000"))
    path.write_bytes(b"".join(client.get("/impor/templat/realisasi.xlsx").streaming_content))
    assert Decimal(str(read_table(path).rows[0][1]["realisasi"])) == Decimal("125000")
    response = upload(client, "realisasi.xlsx", path.read_bytes(), jenis="realisasi")
    assert response.status_code == 200, refusals(response)
    assert response.context["result"].counts.unchanged == 1


def test_the_preview_shows_the_cash_plan_folded_from_months_per_quarter(as_bpkad):
    # 0 + 0 + 300 in the first quarter's months, 100 a month after: TW I-IV 300 each.
    row = monthly_row("5.1.02.01.01.0026", 1200, [0, 0, 300] + [100] * 9)
    response = upload(as_bpkad, "sipd.xlsx", sipd_xlsx([row]))
    assert response.status_code == 200
    (created,) = response.context["created"]
    assert list(created["kas"]) == [Decimal(300)] * 4
    page = page_text(response)
    assert "Rencana kas TW I" in page, page[page.find("Akan dibuat") :][:400]


def test_a_change_of_the_cash_plan_alone_is_previewed_as_such(as_bpkad, files):
    # The region fixture holds the line at 100.000 a quarter; the file moves 50.000 from TW I
    # to TW IV, the pagu unchanged.
    path = files.csv([dpa_row(kas_tw1="50000", kas_tw4="150000")])
    response = upload(as_bpkad, "dpa.csv", path.read_bytes())
    assert response.status_code == 200
    (change,) = response.context["changes"]
    assert change["pagu_lama"] == change["pagu_baru"]
    assert [tuple(k) for k in change["kas"]] == [
        (1, Decimal(100000), Decimal(50000)),
        (4, Decimal(100000), Decimal(150000)),
    ]
    page = page_text(response)
    assert "Anggaran kas (lama → baru)" in page
    assert "100.000 → 50.000" in page
    assert "100.000 → 150.000" in page


# --- Realisasi fisik, its own file ---------------------------------------------------------------

FISIK_HEADER = ["tahun", "triwulan", "kode_opd", "kode_sub_kegiatan", "fisik_persen"]


def test_a_physical_progress_file_is_previewed_then_confirmed(as_bpkad, region):
    from budget.models import RealisasiFisik

    data = csv_bytes(
        FISIK_HEADER,
        [{"tahun": 2024, "triwulan": 1, "kode_opd": OPD, "kode_sub_kegiatan": SUB_KEGIATAN,
          "fisik_persen": "45.5"}],
    )  # fmt: skip
    preview = upload(as_bpkad, "fisik.csv", data, jenis="fisik")
    assert preview.status_code == 200, page_text(preview)[-1500:]
    assert "45,50%" in preview.content.decode()
    assert RealisasiFisik.objects.count() == 0
    done = as_bpkad.post("/impor/", {"action": "confirm", "token": token(preview)})
    assert done.status_code == 200
    assert RealisasiFisik.objects.get().persen == Decimal("45.50")


def test_a_bad_physical_progress_file_is_refused_with_its_row_and_column(as_bpkad, region):
    data = csv_bytes(
        FISIK_HEADER,
        [{"tahun": 2024, "triwulan": 1, "kode_opd": OPD, "kode_sub_kegiatan": SUB_KEGIATAN,
          "fisik_persen": "120"}],
    )  # fmt: skip
    response = upload(as_bpkad, "fisik.csv", data, jenis="fisik")
    assert response.status_code == 400
    assert [(row, column) for row, column, _reason in refusals(response)] == [("2", "fisik_persen")]


def test_the_physical_progress_template_imports(as_bpkad, region, tmp_path):
    response = as_bpkad.get("/impor/templat/fisik.xlsx")
    path = tmp_path / "fisik.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    table = read_table(path)
    assert table.columns == FISIK_HEADER
    assert table.rows[0][1]["fisik_persen"] == "45.5"
