"""A NUL byte anywhere in an import file (issue 9) is refused with its row and column, by the
command and by the web import, and nothing is written; a binary or UTF-16 file is still refused
as a whole."""

import json
import re
from hashlib import sha256

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.models import DpaLine, Profile, Realisasi, Region
from budget.roles import GROUP_BPKAD
from tests.factories import DPA_COLUMNS, REALISASI_COLUMNS, dpa_row, realisasi_row
from tests.helpers import ImportFiles, dpa_refused, places, places_in, refusal, run_command

pytestmark = pytest.mark.django_db

KIB = 1024
ROWS = 400  # about 128 KiB of DPA rows


def _dpa_rows(n: int = ROWS) -> list[dict[str, str]]:
    return [dpa_row(kode_rekening=f"5.1.02.01.01.{i:04d}") for i in range(1, n + 1)]


def _csv_with_nul_after(files: ImportFiles, offset: int, *, column: str = "uraian"):
    """A DPA CSV whose `column` holds a NUL in the first row that starts beyond byte
    `offset`; and that row's number."""
    rows = _dpa_rows()
    lines = files.csv(rows).read_bytes().split(b"\n")
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    row = next(i + 1 for i, start in enumerate(starts) if start > offset)
    cell = rows[row - 2][column]  # row 1 is the header
    rows[row - 2][column] = cell[:3] + "\x00" + cell[3:]
    path = files.csv(rows)
    assert path.read_bytes().index(b"\x00") > offset
    return path, row


def nothing_written() -> bool:
    return not (DpaLine.objects.exists() or Realisasi.objects.exists())


def test_the_command_refuses_a_nul_byte_after_100_kib_with_its_row_and_column(files):
    path, row = _csv_with_nul_after(files, 100 * KIB)
    assert row > 300
    error, stderr = refusal("import_dpa", path, no_progress=True)
    assert error.returncode != 0
    assert places_in(stderr, DPA_COLUMNS) == {(row, "uraian")}
    assert "Traceback" not in stderr
    assert nothing_written()


def test_a_nul_byte_in_the_first_bytes_of_a_text_file_is_placed_too(files):
    path, row = _csv_with_nul_after(files, 200, column="nama_opd")
    assert row < 5
    assert places(dpa_refused(path)) == {(row, "nama_opd")}


def test_a_nul_byte_in_an_amount_is_refused_as_a_nul(files):
    path, row = _csv_with_nul_after(files, 110 * KIB, column="pagu")
    errors = dpa_refused(path)
    assert places(errors) == {(row, "pagu")}
    assert "NUL" in errors[0].message


def test_a_realisasi_file_with_a_nul_byte_is_refused_with_its_row(files):
    run_command("import_dpa", files.csv(_dpa_rows(1)), no_progress=True)
    rows = [realisasi_row(triwulan=q) for q in (1, 2)]
    rows[1]["kode_opd"] = rows[1]["kode_opd"] + "\x00"
    _error, stderr = refusal("import_realisasi", files.csv(rows), no_progress=True)
    assert places_in(stderr, REALISASI_COLUMNS) == {(3, "kode_opd")}
    assert not Realisasi.objects.exists()


def test_a_spreadsheet_cell_written_as_x0000_is_refused_with_its_row_and_column(files):
    """XML cannot hold a NUL, but a cell may spell one `_x0000_`, which reads back as a NUL."""
    rows = _dpa_rows(5)
    rows[3]["uraian"] = "Belanja_x0000_ATK"
    path = files.xlsx(rows)
    assert places(dpa_refused(path)) == {(5, "uraian")}
    _error, stderr = refusal("import_dpa", path, no_progress=True)
    assert places_in(stderr, DPA_COLUMNS) == {(5, "uraian")}
    assert nothing_written()


def test_a_nul_byte_in_the_header_names_the_header_row(files):
    path = files.csv(_dpa_rows(2))
    path.write_bytes(path.read_bytes().replace(b"uraian", b"ura\x00ian", 1))
    errors = dpa_refused(path)
    assert (1, "K") in places(errors)  # uraian is the 11th column


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_file_is_refused_as_a_whole_not_cell_by_cell(files, encoding):
    path = files.csv(_dpa_rows(3), encoding=encoding)
    errors = dpa_refused(path)
    assert places(errors) == {(None, None)}
    assert len(errors) == 1


# --- the web import ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def as_bpkad(client, files):
    run_command("import_dpa", files.csv(_dpa_rows(1)), no_progress=True)
    user = User.objects.create_user("verifikator", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=GROUP_BPKAD)[0])
    Profile.objects.create(user=user, region=Region.objects.get())
    client.force_login(user)
    return client


def _refusals(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    body = html[html.index('class="data refusals"') :]
    return re.findall(r'<tr><td class="num">([^<]*)</td><td class="kode">([^<]*)</td>', body)


def test_the_web_preview_refuses_a_nul_byte_after_100_kib_with_its_row_and_column(as_bpkad, files):
    path, row = _csv_with_nul_after(files, 100 * KIB)
    response = as_bpkad.post(
        "/impor/",
        {
            "action": "preview",
            "jenis": "dpa",
            "berkas": SimpleUploadedFile("dpa.csv", path.read_bytes()),
        },
    )
    assert response.status_code == 400  # a refusal, as for every bad file; not a 500
    assert _refusals(response) == [(str(row), "uraian")]
    assert DpaLine.objects.count() == 1


def test_the_web_confirmation_of_a_file_with_a_nul_byte_is_a_refusal_not_a_500(
    as_bpkad, files, upload_dir
):
    """A file stored for confirmation before this check existed is refused at confirmation."""
    path, row = _csv_with_nul_after(files, 100 * KIB)
    data = path.read_bytes()
    token = "t" * 32
    user = User.objects.get(username="verifikator")
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / f"{token}.bin").write_bytes(data)
    meta = {"user": user.pk, "jenis": "dpa", "name": "dpa.csv", "size": len(data)}
    meta |= {"sha256": sha256(data).hexdigest(), "tahap": "", "nama_pemda": "", "uploaded": ""}
    (upload_dir / f"{token}.json").write_text(json.dumps(meta))
    session = as_bpkad.session
    session["imports"] = [token]
    session.save()
    response = as_bpkad.post("/impor/", {"action": "confirm", "token": token})
    assert response.status_code == 400
    assert _refusals(response) == [(str(row), "uraian")]
    assert DpaLine.objects.count() == 1
