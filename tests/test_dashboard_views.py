"""The dashboard pages as the people of the brief use them: who may open them, which numbers they
show (the service's, formatted the Indonesian way), the period pickers, the filters, the
drill-down, the exports, and how many queries each page costs.

The region here is built by hand (`build_region`) so that every number is known: OPD A spends
73,73% of its pagu by TW II, OPD B is exactly on the 90% boundary of its cash plan, and so on.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from budget.codes import Jenis, parse_account_code
from budget.coverage import region_periods
from budget.demo import DEMO_PASSWORD, GROUP_KEPALA_DAERAH, ensure_demo_users
from budget.measures import round2
from budget.models import (
    Account,
    DpaLine,
    Kegiatan,
    Opd,
    Profile,
    Program,
    QuarterReport,
    Realisasi,
    Region,
    SubKegiatan,
)
from budget.money import format_number, format_percent, format_rupiah
from budget.selectors import Period, absorption, opd_ranking, periods_available
from dashboard.templatetags.serapan import miliar
from tests.helpers import report

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2024
PAST_YEAR = 2023
MILLION = D(1_000_000)
BELANJA_ACCOUNTS = ("5.1.02.01.01.0024", "5.2.02.05.01.0001", "5.1.01.01.01.0001")
REVENUE_ACCOUNT = "4.1.01.09.01.0001"
FINANCING_ACCOUNT = "6.1.01.01.01.0001"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The region -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    kas: tuple[int, int, int, int]  # percent of the pagu planned in each quarter
    real: tuple[Decimal, Decimal]  # percent of the pagu realised within TW I and within TW II


# OPD i follows PATTERNS[i % 6]; through TW II (the latest quarter with data):
PATTERNS = (
    Pattern((30, 40, 20, 10), (D("40"), D("33.73"))),  # serapan 73,73%, capaian 105,33%
    Pattern((20, 30, 30, 20), (D("10"), D("35"))),  # capaian exactly 90%: Efektif
    Pattern((25, 25, 25, 25), (D("10"), D("20"))),  # capaian exactly 60%: Kurang Efektif
    Pattern((20, 20, 30, 30), (D("20"), D("14"))),  # 85%: Cukup Efektif
    Pattern((20, 30, 30, 20), (D("5"), D("10"))),  # 30%: Tidak Efektif
    Pattern((0, 0, 50, 50), (D("0"), D("0"))),  # nothing planned yet: capaian undefined
)

# Serapan of PAST_YEAR, whole year, OPD i: PAST_SERAPAN[i % 6]. 100 is still Efektif; 89,99%
# is Cukup Efektif although it is within a hair of 90.
PAST_SERAPAN = (D("100"), D("95"), D("85"), D("70"), D("40"), D("89.99"))


@dataclass(frozen=True)
class Size:
    opds: int
    programs: int  # per OPD
    kegiatan: int  # per program, one sub kegiatan each
    accounts: int  # belanja lines per sub kegiatan


SMALL = Size(opds=6, programs=2, kegiatan=1, accounts=2)  # 24 belanja lines
LARGE = Size(opds=60, programs=2, kegiatan=2, accounts=3)  # 720 belanja lines: 30 times more


def opd_code(i: int) -> str:
    return f"1.{i + 1:02d}.0.00.0.00.01.0000"


def opd_name(i: int) -> str:
    return f"Dinas {chr(ord('A') + i % 26)}{i // 26 or ''}"


def _pct(amount: Decimal, percent: Decimal | int) -> Decimal:
    return amount * D(percent) / 100


def account_jenis(code: str) -> str:
    jenis = parse_account_code(code).jenis
    assert jenis is not None, f"{code} is not a pendapatan, belanja or pembiayaan account"
    return jenis.value


def build_region(size: Size = SMALL, *, kode: str = "33.99") -> Region:
    """A kabupaten of `size`, with realisasi through TW II of YEAR and a complete PAST_YEAR.

    Every amount is whole rupiah: a pagu is a multiple of 10.000 and every percentage has at
    most two places, so the sums the pages show are exact."""
    region = Region.objects.create(kode=kode, nama="Kabupaten Uji")
    accounts = _accounts(region, size)
    opds = Opd.objects.bulk_create(
        Opd(region=region, kode=opd_code(i), nama=opd_name(i)) for i in range(size.opds)
    )
    subs = _sub_kegiatan(region, size)
    lines = _Lines(region, accounts)
    _this_year(lines, opds, subs, size)
    _past_year(lines, opds, subs, size)
    DpaLine.objects.bulk_create(dpa for dpa, _real in lines.made)
    Realisasi.objects.bulk_create(_realisasi(region, lines.made))
    return region


def _accounts(region: Region, size: Size) -> dict[str, Account]:
    accounts = {
        code: Account(
            region=region,
            kode=code,
            uraian=f"Rekening {code}",
            level=parse_account_code(code).level,
            jenis=account_jenis(code),
        )
        for code in (*BELANJA_ACCOUNTS[: size.accounts], REVENUE_ACCOUNT, FINANCING_ACCOUNT)
    }
    Account.objects.bulk_create(accounts.values())
    return accounts


def _sub_kegiatan(region: Region, size: Size) -> list[SubKegiatan]:
    """The programs, kegiatan and sub kegiatan of every OPD; OPD i's come i-th."""
    programs, kegiatan, subs = [], [], []
    for i in range(size.opds):
        for p in range(size.programs):
            program = Program(
                region=region, kode=f"1.{i + 1:02d}.{p + 1:02d}", nama=f"Prog {i}-{p}"
            )
            programs.append(program)
            for k in range(size.kegiatan):
                code = f"{program.kode}.2.{k + 1:02d}"
                keg = Kegiatan(region=region, program=program, kode=code, nama=f"Keg {code}")
                kegiatan.append(keg)
                subs.append(
                    SubKegiatan(
                        region=region, kegiatan=keg, kode=f"{keg.kode}.0001", nama=f"Sub {keg.kode}"
                    )
                )
    Program.objects.bulk_create(programs)
    for keg in kegiatan:
        keg.program_id = keg.program.pk
    Kegiatan.objects.bulk_create(kegiatan)
    for sub in subs:
        sub.kegiatan_id = sub.kegiatan.pk
    SubKegiatan.objects.bulk_create(subs)
    return subs


@dataclass
class _Lines:
    """The DPA lines of a region being built, each with the percent of its pagu realised
    within each quarter."""

    region: Region
    accounts: dict[str, Account]
    made: list[tuple[DpaLine, tuple[Decimal, ...]]] = field(default_factory=list)

    def add(self, opd, tahun, account, sub, pagu, kas, real) -> None:
        planned = [_pct(pagu, k) for k in kas]
        dpa = DpaLine(
            region=self.region,
            tahun=tahun,
            opd=opd,
            sub_kegiatan=sub,
            account=self.accounts[account],
            jenis=self.accounts[account].jenis,
            pagu=pagu,
            pagu_murni=pagu,
            kas_tw1=planned[0],
            kas_tw2=planned[1],
            kas_tw3=planned[2],
            kas_tw4=planned[3],
        )
        self.made.append((dpa, tuple(_pct(pagu, r) for r in real)))


def _this_year(lines: _Lines, opds: list[Opd], subs: list[SubKegiatan], size: Size) -> None:
    """YEAR through TW II: OPD i's belanja follows PATTERNS[i % 6], its revenue is steady."""
    per_opd = size.programs * size.kegiatan
    for i, opd in enumerate(opds):
        pattern = PATTERNS[i % len(PATTERNS)]
        for j, sub in enumerate(subs[i * per_opd : (i + 1) * per_opd]):
            for a, account in enumerate(BELANJA_ACCOUNTS[: size.accounts]):
                n = j * size.accounts + a
                pagu = (100 + 50 * n) * MILLION + 10_000 * i
                lines.add(opd, YEAR, account, sub, pagu, pattern.kas, pattern.real)
        revenue = 100 * MILLION + 10_000 * i
        lines.add(opd, YEAR, REVENUE_ACCOUNT, None, revenue, (25, 25, 25, 25), (D(30), D(20)))
    # Financing (SiLPA) sits with the first OPD, as BPKAD would hold it.
    lines.add(opds[0], YEAR, FINANCING_ACCOUNT, None, 50 * MILLION, (50, 50, 0, 0), (D(100), D(0)))


def _past_year(lines: _Lines, opds: list[Opd], subs: list[SubKegiatan], size: Size) -> None:
    """The year before, complete: one line an OPD, its serapan spread evenly over the quarters.

    Given for TW I and II, and repeated for TW III and IV by `_realisasi`."""
    per_opd = size.programs * size.kegiatan
    for i, opd in enumerate(opds):
        quarter = PAST_SERAPAN[i % len(PAST_SERAPAN)] / 4
        pagu = 80 * MILLION + 10_000 * i
        sub = subs[i * per_opd]
        lines.add(opd, PAST_YEAR, BELANJA_ACCOUNTS[0], sub, pagu, (25,) * 4, (quarter, quarter))


def _realisasi(region: Region, lines: list[tuple[DpaLine, tuple[Decimal, ...]]]) -> list[Realisasi]:
    realisasi = []
    for dpa, real in lines:
        quarters = (*real, *real) if dpa.tahun == PAST_YEAR else real  # past year: TW I-IV
        for q, amount in enumerate(quarters, start=1):
            if amount:
                realisasi.append(Realisasi(region=region, line=dpa, triwulan=q, jumlah=amount))
    return realisasi


@pytest.fixture(scope="module", autouse=True)
def small_region(django_db_setup, django_db_blocker) -> Iterator[Region]:
    """Built once for the module, inside a transaction rolled back when the module ends; each
    test runs in a savepoint of it, so a test may change the data for itself. Autouse: set up
    before any test's own transaction opens, whichever fixtures the test asks for."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_region(SMALL)
        transaction.set_rollback(True)


@pytest.fixture
def region(small_region, db) -> Region:
    return small_region


@pytest.fixture
def opd_a(region) -> Opd:
    return Opd.objects.get(region=region, kode=opd_code(0))


@pytest.fixture
def opd_b(region) -> Opd:
    return Opd.objects.get(region=region, kode=opd_code(1))


# The conftest's role fixtures, on this module's region.
@pytest.fixture
def treasurer_opd(opd_a) -> Opd:
    return opd_a


@pytest.fixture
def other_opd(opd_b) -> Opd:
    return opd_b


def sign_in(client, region: Region, username: str = "pengguna"):
    """A reader of `region` (the head of region's role: a profile naming it, no OPD), signed
    in on `client`."""
    user = User.objects.create_user(username)
    user.groups.add(Group.objects.get_or_create(name=GROUP_KEPALA_DAERAH)[0])
    Profile.objects.create(user=user, region=region)
    client.force_login(user)
    return client


@pytest.fixture
def signed_in(client, bpkad):
    client.force_login(bpkad)
    return client


def belanja(rows):
    return [r for r in rows if r.jenis == Jenis.BELANJA.value]


def opd_rows(region, tahun=YEAR, triwulan=2):
    return belanja(absorption(region=region, tahun=tahun, triwulan=triwulan, level="opd"))


# Reading pages -----------------------------------------------------------------------------


class _TableReader(HTMLParser):
    """Every <table> of a page as a list of rows, each a list of cell texts; links kept apart."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.links: list[list[list[str | None]]] = []
        self.footers: list[list[list[str]]] = []  # each table's Jumlah rows (its tfoot)
        self._in_tfoot = False
        self._row: list[str] | None = None
        self._row_links: list[str | None] = []
        self._cell: list[str] | None = None
        self._link: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self.links.append([])
            self.footers.append([])
        elif tag == "tfoot":
            self._in_tfoot = True
        elif tag == "tr":
            self._row, self._row_links = [], []
        elif tag in ("td", "th"):
            self._cell, self._link = [], None
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "a" and self._cell is not None and self._link is None:
            self._link = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row_links.append(self._link)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._in_tfoot:
                self.footers[-1].append(self._row)
            else:
                self.tables[-1].append(self._row)
                self.links[-1].append(self._row_links)
            self._row = None
        elif tag == "tfoot":
            self._in_tfoot = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response) -> list[list[dict[str, str]]]:
    """The page's tables as lists of {header: cell text}, in page order."""
    reader = _TableReader()
    reader.feed(response.content.decode())
    return [[dict(zip(t[0], row, strict=True)) for row in t[1:]] for t in reader.tables if t]


def footers(response) -> list[list[dict[str, str]]]:
    """Each table's Jumlah rows as {header: cell text}, in page order."""
    reader = _TableReader()
    reader.feed(response.content.decode())
    return [
        [dict(zip(t[0], row, strict=True)) for row in f]
        for t, f in zip(reader.tables, reader.footers, strict=True)
        if t
    ]


def links(response, table: int) -> list[str | None]:
    """The first link of each body row of a table (the name cell's)."""
    reader = _TableReader()
    reader.feed(response.content.decode())
    return [next((h for h in row if h), None) for row in reader.links[table][1:]]


def text(response) -> str:
    """The page as text, tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _is_total(row: dict) -> bool:
    return not row.get("Kode") and str(row.get("Nama") or "").startswith("Jumlah")


def csv_rows(response, *, totals: bool = False) -> list[dict[str, str]]:
    """An exported CSV's rows; its closing Jumlah rows apart (`totals=True`: those alone)."""
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [r for r in rows if _is_total(r) == totals]


def xlsx_rows(response, *, totals: bool = False) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header = [str(name) for name in values[0]]
    rows = [dict(zip(header, row, strict=True)) for row in values[1:]]
    return [r for r in rows if _is_total(r) == totals]


def money(cell) -> Decimal:
    """An exported amount: a decimal string (CSV) or a number (XLSX)."""
    return D(str(cell))


def ratio(cell) -> Decimal | None:
    return None if cell in ("", None) else D(str(cell)).quantize(D("0.01"))


# Who may open the pages ---------------------------------------------------------------------

PAGES = ("/", f"/opd/{opd_code(0)}/", "/peringkat/", "/peringatan/")


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(anonymous, region, path):
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_the_login_page_comes_back_to_the_period_asked_for(anonymous, region):
    response = anonymous.get("/peringkat/?tahun=2023&triwulan=4")
    assert response.url == "/accounts/login/?next=" + quote("/peringkat/?tahun=2023&triwulan=4")


@pytest.mark.parametrize("role", ["bpkad", "kepala_daerah"])
@pytest.mark.parametrize("path", PAGES)
def test_bpkad_and_the_head_of_region_open_every_page(client, request, role, path):
    client.force_login(request.getfixturevalue(role))
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("treasurer", f"/opd/{opd_code(0)}/", 200),  # their own OPD
        ("treasurer", "/peringkat/", 200),
        ("other_treasurer", f"/opd/{opd_code(1)}/", 200),
        ("other_treasurer", f"/opd/{opd_code(0)}/", 403),  # another OPD's page
        ("other_treasurer", "/peringkat/", 200),
    ],
)
def test_a_treasurer_opens_their_own_opd_and_the_ranking_only(client, request, role, path, status):
    # The whole list of roles, pages and actions is in test_permissions.py.
    client.force_login(request.getfixturevalue(role))
    assert client.get(path).status_code == status


@pytest.mark.parametrize(("role", "own"), [("treasurer", 0), ("other_treasurer", 1)])
def test_a_treasurers_home_is_their_own_opd(client, request, role, own):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"/opd/{opd_code(own)}/"
    assert client.get(response.url).status_code == 200


def test_the_login_page_speaks_indonesian(anonymous):
    response = anonymous.get("/accounts/login/")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="id">' in response.content.decode()
    for words in ("Masuk ke Serapan", "Nama pengguna", "Kata sandi", "Masuk"):
        assert words in page


@pytest.fixture
def demo_users(region, settings):
    # A fast hasher: the demo password is hashed four times here and checked at each sign-in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_demo_users(region=region)
    return User.objects.filter(username__in=["bpkad", "kepala", "bendahara1", "bendahara2"])


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("bpkad", None),
        ("kepala", None),
        ("bendahara1", f"/opd/{opd_code(0)}/"),  # a treasurer lands on their own OPD
        ("bendahara2", f"/opd/{opd_code(1)}/"),
    ],
)
def test_a_demo_user_signs_in_through_the_form_and_sees_their_home(
    anonymous, demo_users, username, home
):
    response = anonymous.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response.url == "/"
    response = anonymous.get("/")
    if home is None:
        assert response.status_code == 200
    else:
        assert (response.status_code, response.url) == (302, home)
        assert anonymous.get(home).status_code == 200


def test_signing_in_goes_back_to_the_page_asked_for(anonymous, demo_users):
    next_url = f"/opd/{opd_code(0)}/?tahun=2024&triwulan=1"
    response = anonymous.post(
        "/accounts/login/", {"username": "kepala", "password": DEMO_PASSWORD, "next": next_url}
    )
    assert response.url == next_url


def test_a_wrong_password_is_told_in_indonesian(anonymous, demo_users):
    response = anonymous.post("/accounts/login/", {"username": "kepala", "password": "salah"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in text(response)
    assert anonymous.get("/").status_code == 302


def test_signing_out_ends_the_session(anonymous, demo_users):
    anonymous.post("/accounts/login/", {"username": "bpkad", "password": DEMO_PASSWORD})
    assert anonymous.get("/").status_code == 200
    response = anonymous.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert anonymous.get("/").url == "/accounts/login/?next=/"


def test_the_pages_offer_a_sign_out_button(signed_in, region):
    html = signed_in.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html
    assert "Keluar" in html


# The numbers are the service's -------------------------------------------------------------


def test_the_opd_page_shows_the_serapan_of_the_service_the_indonesian_way(signed_in, opd_a):
    (row,) = belanja(
        absorption(region=opd_a.region, tahun=YEAR, triwulan=2, level="opd", opd=opd_a)
    )
    assert format_percent(round2(row.serapan)) == "73,73%"  # built so: see PATTERNS
    page = text(signed_in.get(f"/opd/{opd_a.kode}/"))
    assert "Serapan 73,73%" in page
    assert f"Pagu belanja {miliar(row.pagu)} {format_rupiah(row.pagu)}" in page
    assert format_rupiah(row.realisasi_kumulatif) in page
    assert f"Capaian anggaran kas {format_percent(round2(row.capaian_kas))}" in page
    assert "Capaian anggaran kas 105,33%" in page


def test_the_opd_page_agrees_with_the_report_command(signed_in, opd_a):
    command = report(
        tahun=YEAR, triwulan=2, level="opd", opd=opd_a.kode, region_kode=opd_a.region.kode
    )
    (row,) = [r for r in command["rows"] if r["jenis"] == "belanja"]
    page = text(signed_in.get(f"/opd/{opd_a.kode}/?tahun={YEAR}&triwulan=2"))
    (service,) = belanja(
        absorption(region=opd_a.region, tahun=YEAR, triwulan=2, level="opd", opd=opd_a)
    )
    assert D(str(row["serapan_persen"])) == round2(service.serapan)
    shown = format_percent(D(str(row["serapan_persen"])).quantize(D("0.01")))
    assert shown == "73,73%"
    assert f"Serapan {shown}" in page
    assert format_rupiah(D(row["pagu"])) in page
    assert format_rupiah(D(row["realisasi_kumulatif"])) in page


@pytest.mark.parametrize("i", range(len(PATTERNS)))
def test_every_opd_page_shows_its_own_serapan_and_capaian(signed_in, region, i):
    (row,) = belanja(
        absorption(region=region, tahun=YEAR, triwulan=2, level="opd", opd=opd_code(i))
    )
    page = text(signed_in.get(f"/opd/{opd_code(i)}/"))
    assert f"Serapan {format_percent(round2(row.serapan))}" in page
    assert f"Capaian anggaran kas {format_percent(round2(row.capaian_kas))}" in page


def test_the_opd_page_says_how_far_behind_the_cash_plan_it_is(signed_in, region):
    (row,) = belanja(
        absorption(region=region, tahun=YEAR, triwulan=2, level="opd", opd=opd_code(4))
    )
    page = text(signed_in.get(f"/opd/{opd_code(4)}/"))
    behind = format_rupiah(row.kas_kumulatif - row.realisasi_kumulatif)
    assert f"Realisasi tertinggal {behind} dari rencana anggaran kas s.d. TW II" in page


def test_the_overview_shows_the_pemda_belanja_pagu_in_rupiah(signed_in, region):
    (total,) = belanja(absorption(region=region, tahun=YEAR, triwulan=2, level="pemda"))
    assert format_rupiah(total.pagu) == "Rp 4.200.600.000"  # 6 OPD x 700 juta, plus 4 x 150.000
    page = text(signed_in.get("/"))
    assert "Pagu belanja Rp 4,2 M Rp 4.200.600.000" in page
    assert f"Realisasi s.d. TW II {miliar(total.realisasi_kumulatif)}" in page
    assert f"Serapan {format_percent(round2(total.serapan))}" in page


def test_the_overview_shows_revenue_apart_from_spending(signed_in, region):
    rows = absorption(region=region, tahun=YEAR, triwulan=2, level="pemda")
    (revenue,) = [r for r in rows if r.jenis == Jenis.PENDAPATAN.value]
    page = text(signed_in.get("/"))
    assert f"Target pendapatan {miliar(revenue.pagu)} {format_rupiah(revenue.pagu)}" in page
    assert f"Efektivitas pendapatan {format_percent(round2(revenue.serapan))}" in page


def test_the_overview_table_lists_every_opd_with_the_services_numbers(signed_in, region):
    opd_table, _jenis_table = tables(signed_in.get("/"))
    expected = opd_rows(region)
    assert len(opd_table) == len(expected)
    for shown, row in zip(opd_table, expected, strict=True):
        assert shown["Nama"] == f"{row.nama} {row.kode}"
        assert shown["Pagu"] == format_number(row.pagu)
        assert shown["Realisasi kum."] == format_number(row.realisasi_kumulatif)
        assert shown["Serapan"] == format_percent(round2(row.serapan))
        assert shown["Capaian kas"] == format_percent(round2(row.capaian_kas))
        assert shown["Kategori capaian"] == (row.kategori_capaian or "—")


def test_the_overview_counts_the_opds_behind_their_cash_plan(signed_in, region):
    behind = [r for r in opd_rows(region) if r.capaian_kas is not None and r.capaian_kas < 100]
    assert len(behind) == 4
    coverage = region_periods(region=region).coverage(Period(YEAR, 2))
    assert {r.kode for r in behind} <= coverage.reported
    page = text(signed_in.get("/"))
    assert (
        f"{len(behind)} dari {coverage.n_reported} OPD yang sudah melapor berada di bawah rencana"
        in page
    )
    assert f"{coverage.n_reported} dari {len(PATTERNS)} OPD sudah melaporkan TW II {YEAR}." in page


def test_an_opd_name_on_the_overview_links_to_its_page_for_the_same_period(signed_in, region):
    response = signed_in.get("/?tahun=2023&triwulan=4")
    assert links(response, 0)[0] == f"/opd/{opd_code(0)}/?tahun=2023&triwulan=4"


def test_the_ranking_lists_the_opds_in_the_selectors_order(signed_in, region):
    ranked, unranked = opd_ranking(region=region, tahun=YEAR, triwulan=2)
    response = signed_in.get("/peringkat/")
    (table,) = tables(response)
    assert [r["OPD"] for r in table] == [r.row.nama for r in ranked]
    assert [r["Peringkat"] for r in table] == [str(r.peringkat) for r in ranked]
    assert [r["Capaian kas (%)"] for r in table] == [
        format_percent(round2(r.row.capaian_kas)) for r in ranked
    ]
    assert [r.row.nama for r in ranked] == ["Dinas A", "Dinas B", "Dinas D", "Dinas C", "Dinas E"]
    # No cash plan through TW II: left out of the ranking and named under it.
    assert [r.nama for r in unranked] == ["Dinas F"]
    assert "Tidak diperingkat (rencana atau pagu nol): Dinas F." in text(response)


def test_the_ranking_by_serapan_follows_the_selector(signed_in, region):
    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=2, measure="serapan")
    (table,) = tables(signed_in.get("/peringkat/?ukuran=serapan"))
    assert [r["OPD"] for r in table] == [r.row.nama for r in ranked]
    assert [r["Serapan (%)"] for r in table] == [
        format_percent(round2(r.row.serapan)) for r in ranked
    ]
    assert [r["Kategori"] for r in table] == [r.row.kategori_serapan for r in ranked]


def test_the_ranking_shows_the_movement_since_the_previous_quarter(signed_in, region):
    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=2)
    (table,) = tables(signed_in.get("/peringkat/"))

    def shown(change):
        if change is None:
            return "baru"
        return "=" if change == 0 else ("▲ " if change > 0 else "▼ ") + str(abs(change))

    assert [r["Naik/turun peringkat"] for r in table] == [shown(r.perubahan) for r in ranked]


def test_the_ranking_names_the_five_lowest_opds_worst_first(client, large_region):
    sign_in(client, large_region)
    response = client.get("/peringkat/")
    ranked, _unranked = opd_ranking(region=large_region, tahun=YEAR, triwulan=2)
    assert len(ranked) == 50  # 60 OPDs, 10 without a cash plan yet
    bottom = [(r.peringkat, r.row.nama) for r in reversed(ranked[-5:])]
    assert [(r.peringkat, r.row.nama) for r in response.context["bottom"]] == bottom
    html = response.content.decode()
    assert "Lima OPD terbawah" in html
    assert '<li value="50">' in html  # each keeps its rank number


def test_an_unknown_ranking_measure_falls_back_to_the_cash_plan(signed_in, region):
    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=2)
    response = signed_in.get("/peringkat/?ukuran=rahasia")
    assert response.status_code == 200
    assert [r["OPD"] for r in tables(response)[0]] == [r.row.nama for r in ranked]


# The period pickers ---------------------------------------------------------------------------


def test_the_pages_default_to_the_latest_quarter_with_data(signed_in, region):
    _years, latest = periods_available(region=region)
    assert latest == Period(YEAR, 2)
    for path in ("/", f"/opd/{opd_code(0)}/", "/peringkat/"):
        response = signed_in.get(path)
        assert (response.context["tahun"], response.context["triwulan"]) == (YEAR, 2), path
        assert f"{YEAR}, s.d. TW II" in text(response)


def test_the_year_picker_offers_every_year_with_a_dpa(signed_in, region):
    form = signed_in.get("/").context["form"]
    assert [value for value, _label in form.fields["tahun"].choices] == [YEAR, PAST_YEAR]
    assert form.initial == {"tahun": YEAR, "triwulan": 2}


@pytest.mark.parametrize(
    ("query", "period"),
    [
        ("?tahun=2024&triwulan=1", (2024, 1)),
        ("?triwulan=1", (2024, 1)),
        ("?tahun=2023", (2023, 4)),  # a past year: its whole year
        ("?tahun=2023&triwulan=3", (2023, 3)),
        ("?tahun=2024", (2024, 2)),
    ],
)
def test_the_year_and_quarter_can_be_chosen(signed_in, region, query, period):
    response = signed_in.get("/peringkat/" + query)
    assert (response.context["tahun"], response.context["triwulan"]) == period


def test_every_page_follows_the_period_chosen(signed_in, opd_a):
    for path in ("/", f"/opd/{opd_a.kode}/", "/peringkat/"):
        response = signed_in.get(path + "?tahun=2023&triwulan=3")
        assert (response.context["tahun"], response.context["triwulan"]) == (2023, 3), path
        assert "2023, s.d. TW III" in text(response)


def test_a_chosen_quarter_changes_the_numbers(signed_in, opd_a):
    (row,) = belanja(
        absorption(region=opd_a.region, tahun=YEAR, triwulan=1, level="opd", opd=opd_a)
    )
    assert format_percent(round2(row.serapan)) == "40,00%"
    assert "Serapan 40,00%" in text(signed_in.get(f"/opd/{opd_a.kode}/?tahun={YEAR}&triwulan=1"))


@pytest.mark.parametrize(
    "query",
    [
        "?triwulan=9",
        "?tahun=abc",
        "?tahun=1999",  # a year without a DPA
        "?tahun=2023.5&triwulan=IV",
        "?tahun=&triwulan=",
    ],
)
def test_a_bad_period_falls_back_to_the_latest_quarter_and_says_so(signed_in, opd_a, query):
    for path in ("/", f"/opd/{opd_a.kode}/", "/peringkat/"):
        response = signed_in.get(path + query)
        assert response.status_code == 200, path
        assert (response.context["tahun"], response.context["triwulan"]) == (YEAR, 2), path
        warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
        if query == "?tahun=&triwulan=":  # nothing asked: the default, without a word
            assert warnings == [], path
        else:
            assert len(warnings) == 1, path
            assert warnings[0].startswith("Periode "), path
            assert warnings[0].endswith(
                f"tidak tersedia untuk daerah ini; yang ditampilkan {YEAR} TW II."
            ), path


def test_a_bad_quarter_keeps_a_good_year_and_names_what_was_refused(signed_in, opd_a):
    for path in ("/", f"/opd/{opd_a.kode}/", "/peringkat/"):
        response = signed_in.get(path + f"?tahun={PAST_YEAR}&triwulan=9")
        assert (response.context["tahun"], response.context["triwulan"]) == (PAST_YEAR, 4), path
        assert (
            f"Periode triwulan=9 tidak tersedia untuk daerah ini; yang ditampilkan {PAST_YEAR} "
            "TW IV." in text(response)
        ), path


def test_the_period_form_keeps_the_other_parameters(signed_in, region):
    html = signed_in.get("/?q=Dinas&kategori=Efektif").content.decode()
    assert '<input type="hidden" name="q" value="Dinas">' in html
    assert '<input type="hidden" name="kategori" value="Efektif">' in html


# Filters on the overview -----------------------------------------------------------------------


def shown_codes(response) -> list[str]:
    """OPD codes of the overview's OPD table (printed under each name)."""
    opd_table = tables(response)[0]
    return [row["Nama"].rsplit(" ", 1)[1] for row in opd_table]


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("Dinas C", lambda r: r.nama == "Dinas C"),
        ("dinas", lambda r: True),  # case does not matter
        ("1.03.", lambda r: r.kode.startswith("1.03.")),  # a code
        ("tidak ada", lambda r: False),
        ("  ", lambda r: True),
    ],
)
def test_the_text_filter_keeps_the_opds_whose_code_or_name_match(signed_in, region, query, keep):
    response = signed_in.get("/", {"q": query})
    assert shown_codes(response) == [r.kode for r in opd_rows(region) if keep(r)]


@pytest.mark.parametrize(
    "label",
    ["Sangat Efektif", "Efektif", "Cukup Efektif", "Kurang Efektif", "Tidak Efektif"],
)
def test_the_capaian_filter_keeps_exactly_the_opds_of_that_category(signed_in, region, label):
    expected = [r.kode for r in opd_rows(region) if r.kategori_capaian == label]
    assert expected  # every category is present in the region, boundaries included
    response = signed_in.get("/", {"kategori": label})
    assert shown_codes(response) == expected
    assert {row["Kategori capaian"] for row in tables(response)[0]} == {label}


@pytest.mark.parametrize(
    "label",
    ["Sangat Efektif", "Efektif", "Cukup Efektif", "Kurang Efektif", "Tidak Efektif"],
)
def test_the_serapan_filter_keeps_exactly_the_opds_of_that_category(signed_in, region, label):
    # The past year, whole: its serapan spreads over the categories (see PAST_SERAPAN).
    response = signed_in.get("/", {"kategori_serapan": label, "tahun": PAST_YEAR})
    rows = opd_rows(region, tahun=PAST_YEAR, triwulan=4)
    assert shown_codes(response) == [r.kode for r in rows if r.kategori_serapan == label]
    assert {row["Kategori serapan"] for row in tables(response)[0]} <= {label}


def test_the_serapan_filter_splits_at_the_exact_boundaries(signed_in, region):
    def shown(label):
        return shown_codes(signed_in.get("/", {"kategori_serapan": label, "tahun": PAST_YEAR}))

    assert shown("Efektif") == [opd_code(0), opd_code(1)]  # 100% and 95%
    assert shown("Cukup Efektif") == [opd_code(2), opd_code(5)]  # 85% and 89,99%


def test_the_opd_table_sorts_by_a_ratio_some_opds_lack(signed_in, region):
    response = signed_in.get("/", {"opd-sort": "-capaian_kas"})
    assert response.status_code == 200
    shown = [row["Capaian kas"] for row in tables(response)[0]]
    assert len(shown) == len(PATTERNS)
    defined = [r for r in opd_rows(region) if r.capaian_kas is not None]
    by_capaian = sorted(defined, key=lambda r: r.capaian_kas, reverse=True)
    assert [s for s in shown if s != "—"] == [
        format_percent(round2(r.capaian_kas)) for r in by_capaian
    ]


def test_the_filters_combine(signed_in, region):
    response = signed_in.get("/", {"kategori_serapan": "Tidak Efektif", "q": "Dinas E"})
    assert shown_codes(response) == [opd_code(4)]


def test_an_unknown_category_is_ignored_rather_than_an_error(signed_in, region):
    response = signed_in.get("/", {"kategori": "Luar Biasa"})
    assert response.status_code == 200
    assert shown_codes(response) == [r.kode for r in opd_rows(region)]


def test_a_filter_leaves_the_headline_and_the_category_chart_whole(signed_in, region):
    response = signed_in.get("/", {"kategori": "Efektif"})
    counts = response.context["distribution"]["data"][0]["y"]
    assert sum(counts) == len(PATTERNS) - 1  # every OPD whose capaian is defined
    assert "Pagu belanja Rp 4,2 M Rp 4.200.600.000" in text(response)


# Drill-down on the OPD page --------------------------------------------------------------------


def test_the_opd_page_starts_with_its_programs(signed_in, opd_a):
    response = signed_in.get(f"/opd/{opd_a.kode}/")
    rincian, _rekening, _kinerja, _riwayat = tables(response)
    programs = absorption(region=opd_a.region, tahun=YEAR, triwulan=2, level="program", opd=opd_a)
    assert [r["Kode"] for r in rincian] == [p.kode for p in programs] == ["1.01.01", "1.01.02"]
    assert [r["Serapan"] for r in rincian] == [format_percent(round2(p.serapan)) for p in programs]
    assert links(response, 0)[0] == (
        f"/opd/{opd_a.kode}/?tahun={YEAR}&triwulan=2&rinci=kegiatan&induk=1.01.01#rincian"
    )


def test_a_program_drills_down_to_its_kegiatan_only(signed_in, opd_a):
    response = signed_in.get(f"/opd/{opd_a.kode}/", {"rinci": "kegiatan", "induk": "1.01.02"})
    rincian = tables(response)[0]
    expected = absorption(
        region=opd_a.region, tahun=YEAR, triwulan=2, level="kegiatan", opd=opd_a, parent="1.01.02"
    )
    assert [r["Kode"] for r in rincian] == [k.kode for k in expected] == ["1.01.02.2.01"]
    assert [r["Pagu"] for r in rincian] == [format_number(k.pagu) for k in expected]
    assert "Rincian menurut kegiatan di bawah 1.01.02" in text(response)


CRUMB = r'(?:<a href="([^"]*)">|<span aria-current="location">)([^<]*)<'


def crumbs(response) -> list[tuple[str, str | None]]:
    """The breakdown's crumbs: (text, link or None for the level shown)."""
    html = response.content.decode()
    block = re.search(
        r'<section class="panel" id="rincian">.*?<p class="crumbs">(.*?)</p>', html, re.S
    )
    assert block, "no crumbs in the breakdown"
    return [
        (label.strip(), href.replace("&amp;", "&") if href else None)
        for href, label in re.findall(
            r'(?:<a href="([^"]*)">|<span aria-current="location">)([^<]*)<', block.group(1)
        )
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [("Program", None)]),
        ({"rinci": "kegiatan", "induk": "1.01.02"}, [("Program", "program"), ("1.01.02", None)]),
        (
            {"rinci": "sub_kegiatan", "induk": "1.01.02.2.01"},
            [("Program", "program"), ("1.01.02", "kegiatan&induk=1.01.02"), ("1.01.02.2.01", None)],
        ),
        # Asked without a group: every row of the level, and the crumbs say so (never "None").
        ({"rinci": "sub_kegiatan"}, [("Program", "program"), ("Semua sub kegiatan", None)]),
        ({"rinci": "kegiatan"}, [("Program", "program"), ("Semua kegiatan", None)]),
    ],
)
def test_the_breakdown_crumbs_lead_back_up(signed_in, opd_a, query, expected):
    response = signed_in.get(f"/opd/{opd_a.kode}/", query)
    base = f"/opd/{opd_a.kode}/?tahun={YEAR}&triwulan=2&rinci="
    assert crumbs(response) == [
        (label, f"{base}{link}#rincian" if link else None) for label, link in expected
    ]
    assert "None" not in text(response)


def test_a_kegiatan_drills_down_to_its_sub_kegiatan_only(signed_in, region):
    big = build_more_kegiatan(region)
    response = signed_in.get(
        f"/opd/{big.kode}/", {"rinci": "sub_kegiatan", "induk": "1.03.01.2.02"}
    )
    rincian = tables(response)[0]
    expected = absorption(
        region=region, tahun=YEAR, triwulan=2, level="sub_kegiatan", opd=big, parent="1.03.01.2.02"
    )
    assert [r["Kode"] for r in rincian] == [s.kode for s in expected] == ["1.03.01.2.02.0001"]
    assert [r["Realisasi kum."] for r in rincian] == [
        format_number(s.realisasi_kumulatif) for s in expected
    ]
    assert links(response, 0) == [None]  # the bottom of the tree


def build_more_kegiatan(region) -> Opd:
    """A second kegiatan under the first program of OPD C, so that a parent has siblings."""
    opd = Opd.objects.get(region=region, kode=opd_code(2))
    keg = Kegiatan.objects.create(
        region=region,
        program=Program.objects.get(region=region, kode="1.03.01"),
        kode="1.03.01.2.02",
        nama="Keg kedua",
    )
    sub = SubKegiatan.objects.create(region=region, kegiatan=keg, kode=f"{keg.kode}.0001", nama="S")
    DpaLine.objects.create(
        region=region,
        tahun=YEAR,
        opd=opd,
        sub_kegiatan=sub,
        account=Account.objects.get(region=region, kode=BELANJA_ACCOUNTS[0]),
        jenis="belanja",
        pagu=D(400),
        pagu_murni=D(400),
        kas_tw1=D(100),
        kas_tw2=D(100),
        kas_tw3=D(100),
        kas_tw4=D(100),
    )
    return opd


def test_kegiatan_without_a_parent_lists_every_kegiatan_of_the_opd(signed_in, opd_a):
    rincian = tables(signed_in.get(f"/opd/{opd_a.kode}/", {"rinci": "kegiatan"}))[0]
    assert [r["Kode"] for r in rincian] == ["1.01.01.2.01", "1.01.02.2.01"]


@pytest.mark.parametrize("depth", [2, 3, 4, 5, 6])
def test_the_account_table_groups_by_the_depth_asked_for(signed_in, opd_a, depth):
    rekening = tables(signed_in.get(f"/opd/{opd_a.kode}/", {"akun": depth}))[1]
    expected = absorption(
        region=opd_a.region, tahun=YEAR, triwulan=2, level="akun", depth=depth, opd=opd_a
    )
    assert [r["Kode"] for r in rekening] == [a.kode for a in expected]
    assert all(len(r["Kode"].split(".")) == depth for r in rekening)
    # Names are known for the account chart's first three levels and for the lines' own codes.
    assert [r["Nama"] for r in rekening] == [a.nama or "—" for a in expected]
    assert [r["Sisa"] for r in rekening] == [format_number(a.sisa) for a in expected]


def test_the_account_table_reads_as_jenis_by_default(signed_in, opd_a):
    rekening = tables(signed_in.get(f"/opd/{opd_a.kode}/"))[1]
    assert [(r["Kode"], r["Nama"]) for r in rekening] == [
        ("4.1.01", "Pajak Daerah"),
        ("5.1.02", "Belanja Barang dan Jasa"),
        ("5.2.02", "Belanja Modal Peralatan dan Mesin"),
        ("6.1.01", "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"rinci": "rekening"},
        {"rinci": "kegiatan", "induk": "'; drop table x"},
        {"akun": "7"},
        {"akun": "x"},
    ],
)
def test_a_bad_drill_down_shows_the_programs_rather_than_an_error(signed_in, opd_a, query):
    response = signed_in.get(f"/opd/{opd_a.kode}/", query)
    assert response.status_code == 200
    rincian, rekening, _kinerja, _riwayat = tables(response)
    assert [r["Kode"] for r in rincian] == ["1.01.01", "1.01.02"]
    assert all(len(r["Kode"].split(".")) == 3 for r in rekening)


# Exports -------------------------------------------------------------------------------------


def test_the_opd_table_exports_as_csv_with_exact_values(signed_in, region):
    response = signed_in.get("/", {"_export": "csv", "_tabel": "opd"})
    assert response["Content-Type"] == CSV_TYPE
    assert 'filename="opd.csv"' in response["Content-Disposition"]
    exported = csv_rows(response)
    expected = opd_rows(region)
    assert [r["Kode"] for r in exported] == [r.kode for r in expected]  # kept though hidden
    for got, row in zip(exported, expected, strict=True):
        assert got["Nama"] == row.nama
        assert money(got["Pagu"]) == row.pagu
        assert money(got["Rencana kas kum."]) == row.kas_kumulatif
        assert money(got["Realisasi kum."]) == row.realisasi_kumulatif
        assert money(got["Sisa"]) == row.sisa
        assert ratio(got["Serapan"]) == round2(row.serapan)
        assert ratio(got["Capaian kas"]) == round2(row.capaian_kas)
        assert got["Kategori capaian"] == (row.kategori_capaian or "")
        assert got["Kategori serapan"] == row.kategori_serapan
    assert exported[0]["Serapan"] == "73.73"
    assert exported[-1]["Capaian kas"] == ""  # undefined: empty, not 0 and not a dash


# Jumlah rows ----------------------------------------------------------------------------------


def test_the_account_table_closes_with_one_total_per_jenis(signed_in, opd_a):
    response = signed_in.get(f"/opd/{opd_a.kode}/", {"akun": 2})
    per_jenis = absorption(region=opd_a.region, tahun=YEAR, triwulan=2, level="opd", opd=opd_a)
    rekening = footers(response)[1]
    expected = {f"Jumlah {r.jenis}": format_number(r.pagu) for r in per_jenis}
    assert {row["Nama"]: row["Pagu"] for row in rekening} == expected


def test_the_overview_opd_table_closes_with_the_regions_belanja(signed_in, region):
    response = signed_in.get("/")
    (total,) = footers(response)[0]
    (belanja,) = absorption(region=region, tahun=YEAR, triwulan=2, level="pemda", jenis="belanja")
    assert total["Nama"] == "Jumlah"
    assert total["Pagu"] == format_number(belanja.pagu)
    assert total["Realisasi kum."] == format_number(belanja.realisasi_kumulatif)
    assert total["Capaian kas"] == format_percent(round2(belanja.capaian_kas))


def test_a_drilled_down_breakdown_closes_with_its_groups_total(signed_in, opd_a):
    response = signed_in.get(f"/opd/{opd_a.kode}/", {"rinci": "kegiatan", "induk": "1.01.02"})
    shown = absorption(
        region=opd_a.region, tahun=YEAR, triwulan=2, level="kegiatan", opd=opd_a, parent="1.01.02"
    )
    (total,) = footers(response)[0]
    assert total["Pagu"] == format_number(sum(k.pagu for k in shown))


def test_the_opd_table_exports_as_xlsx_with_exact_values(signed_in, region):
    response = signed_in.get("/", {"_export": "xlsx", "_tabel": "opd"})
    assert response["Content-Type"] == XLSX_TYPE
    exported = xlsx_rows(response)
    expected = opd_rows(region)
    assert [r["Kode"] for r in exported] == [r.kode for r in expected]
    for got, row in zip(exported, expected, strict=True):
        assert money(got["Pagu"]) == row.pagu
        assert money(got["Realisasi kum."]) == row.realisasi_kumulatif
        assert ratio(got["Serapan"]) == round2(row.serapan)
        assert ratio(got["Capaian kas"]) == round2(row.capaian_kas)
    assert exported[-1]["Capaian kas"] is None


def test_an_export_keeps_the_filter(signed_in, region):
    response = signed_in.get("/", {"_export": "csv", "_tabel": "opd", "kategori": "Efektif"})
    assert [r["Kode"] for r in csv_rows(response)] == [opd_code(1)]


def test_an_export_holds_every_row_not_only_the_first_page(client, db):
    sign_in(client, build_region(Size(opds=55, programs=1, kegiatan=1, accounts=1), kode="33.91"))
    assert len(tables(client.get("/"))[0]) == 50
    assert len(tables(client.get("/", {"opd-page": 2}))[0]) == 5
    assert len(csv_rows(client.get("/", {"_export": "csv", "_tabel": "opd"}))) == 55


def test_the_belanja_by_jenis_table_exports_too(signed_in, region):
    response = signed_in.get("/", {"_export": "csv", "_tabel": "jenis_belanja"})
    expected = absorption(
        region=region, tahun=YEAR, triwulan=2, level="akun", depth=3, jenis="belanja"
    )
    exported = csv_rows(response)
    assert [(r["Kode"], money(r["Pagu"])) for r in exported] == [(a.kode, a.pagu) for a in expected]
    assert "Kategori serapan" not in exported[0]


@pytest.mark.parametrize(("fmt", "parse"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_opd_breakdown_exports(signed_in, opd_a, fmt, parse):
    query = {"_export": fmt, "_tabel": "rincian", "rinci": "kegiatan", "induk": "1.01.01"}
    response = signed_in.get(f"/opd/{opd_a.kode}/", query)
    assert response["Content-Type"] == (CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    expected = absorption(
        region=opd_a.region, tahun=YEAR, triwulan=2, level="kegiatan", opd=opd_a, parent="1.01.01"
    )
    exported = parse(response)
    assert [r["Kode"] for r in exported] == [k.kode for k in expected]
    for got, row in zip(exported, expected, strict=True):
        assert money(got["Pagu"]) == row.pagu
        assert money(got["Sisa"]) == row.sisa
        assert ratio(got["Serapan"]) == round2(row.serapan)
        assert ratio(got["Capaian kas"]) == round2(row.capaian_kas)


@pytest.mark.parametrize(("fmt", "parse"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
def test_the_opd_accounts_export(signed_in, opd_a, fmt, parse):
    query = {"_export": fmt, "_tabel": "rekening", "akun": 6, "tahun": YEAR, "triwulan": 1}
    response = signed_in.get(f"/opd/{opd_a.kode}/", query)
    expected = absorption(
        region=opd_a.region, tahun=YEAR, triwulan=1, level="akun", depth=6, opd=opd_a
    )
    exported = parse(response)
    assert [(r["Kode"], r["Nama"]) for r in exported] == [(a.kode, a.nama) for a in expected]
    for got, row in zip(exported, expected, strict=True):
        assert money(got["Rencana kas kum."]) == row.kas_kumulatif
        assert money(got["Realisasi kum."]) == row.realisasi_kumulatif
        assert ratio(got["Serapan"]) == round2(row.serapan)


@pytest.mark.parametrize(("fmt", "parse"), [("csv", csv_rows), ("xlsx", xlsx_rows)])
@pytest.mark.parametrize("measure", ["capaian", "serapan"])
def test_the_ranking_exports_in_its_order(signed_in, region, fmt, parse, measure):
    response = signed_in.get(
        "/peringkat/", {"_export": fmt, "_tabel": "peringkat", "ukuran": measure}
    )
    assert response["Content-Type"] == (CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    ranked, _unranked = opd_ranking(region=region, tahun=YEAR, triwulan=2, measure=measure)
    exported = parse(response)
    assert [r["OPD"] for r in exported] == [r.row.nama for r in ranked]
    for got, r in zip(exported, ranked, strict=True):
        value = r.row.capaian_kas if measure == "capaian" else r.row.serapan
        kategori = r.row.kategori_capaian if measure == "capaian" else r.row.kategori_serapan
        assert int(got["Peringkat"]) == r.peringkat
        column = "Capaian kas (%)" if measure == "capaian" else "Serapan (%)"
        assert ratio(got[column]) == round2(value)
        assert got["Kategori"] == kategori
        assert money(got["Selisih dari rencana (Rp)"]) == r.row.selisih_kas
        assert money(got["Kekurangan dari rencana kas (Rp)"]) == max(-r.row.selisih_kas, 0)
        assert (got["Naik/turun peringkat"] in ("", None)) == (r.perubahan is None)
        if r.perubahan is not None:
            assert int(got["Naik/turun peringkat"]) == r.perubahan


def test_an_unknown_export_format_shows_the_page(signed_in, region):
    response = signed_in.get("/", {"_export": "pdf", "_tabel": "opd"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# Query counts ----------------------------------------------------------------------------------

# The same numbers on the small region and on one 30 times larger (60 OPDs, 720 belanja lines):
# a page's cost does not grow with the data. Every page starts with 7: session, user, the
# person's role (groups and profile, one query), their region, the years and who reported which
# quarter (one query over the roll-ups, one over the reports handed in: budget.coverage), the
# criteria bands. Read here by the head of region.
QUERIES = {
    # + headline cards 1, S-curve 1 (roll-ups), report statuses 1, OPD table 1, the OPDs'
    # physical progress 1 (budget.fisik), belanja by jenis 1 (roll-up, account names joined),
    # belanja by sumber dana 1
    "/": 14,
    # + the OPD table once filtered and once whole (the category chart counts every OPD)
    "/?kategori=Efektif": 15,
    "/?sumber_dana=DAU": 15,
    # a period alone is not a filter: the OPD table is computed once
    "/?tahun=2024&triwulan=4": 14,
    # + the OPD 1, breakdown 1, accounts 1 (names joined), sumber dana 1, headline cards 1,
    # S-curve and bars 1 (roll-ups), the quarter's report (with who submitted and verified
    # it) 1, the early warning of the OPD (budget.kinerja, bands given, its physical
    # progress among them) 7, the year's DPA versions 1 (budget.versions; a year with a
    # DPPA or pergeseran adds its changed lines' count and page, 2)
    f"/opd/{opd_code(0)}/": 22,
    f"/opd/{opd_code(0)}/?rinci=kegiatan&induk=1.01.01&akun=5": 23,
    # + this quarter's and the previous one's (for the movement) roll-up in one pass 1, report
    # statuses 1, the nilai kinerja and physical progress columns (budget.kinerja, bands
    # given) 7
    "/peringkat/": 16,
    # + the previous quarter's nilai kinerja, for the movement, 7
    "/peringkat/?ukuran=nilai_kinerja": 23,
    # the session, user, actor and scope 7, the early warning 7 (it reuses its roll-up
    # read for the backtest)
    "/peringatan/": 14,
    # the session, user, actor and scope 7, trends 3 (code mappings, belanja per OPD and year,
    # the region's per year)
    "/tren/": 10,
    # the session, user, actor and scope 7, obstacles 3 (reports, shortfalls, upaya)
    "/kendala/": 10,
    # an export is answered as soon as its table is built: the statuses, the OPD table, its
    # physical progress and its Jumlah (the region's or the OPD's figures); drilled down, the
    # group's Jumlah is one more
    "/?_export=csv&_tabel=opd": 11,
    "/peringkat/?_export=xlsx&_tabel=peringkat": 16,
    "/peringatan/?_export=csv&_tabel=peringatan": 14,
    f"/opd/{opd_code(0)}/?_export=csv&_tabel=rincian": 10,
    # the session, user, actor and scope 7, the DPA murni against the DPA in force per OPD
    # (dashboard.reports.perubahan over budget.versions) 3
    "/laporan/perubahan-dpa/": 10,
}


@pytest.fixture(scope="module")
def large_region(small_region, django_db_blocker) -> Region:
    """30 times the small region, built once beside it (and rolled back with it)."""
    with django_db_blocker.unblock():
        return build_region(LARGE, kode="33.90")


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("path", list(QUERIES))
def test_a_page_costs_the_same_number_of_queries_whatever_the_data(
    client, small_region, large_region, django_assert_num_queries, size, path
):
    region = small_region if size == "small" else large_region
    sign_in(client, region)
    with django_assert_num_queries(QUERIES[path]):
        response = client.get(path)
    assert response.status_code == 200
    if response.context:
        assert response.context["region"] == region


# The region-wide pages read the roll-ups, never the DPA lines, their realisasi or the
# history of either (the ranking's revisions read the change sets), so that what they cost
# does not grow with the region's DPA (docs/PERFORMANCE.md). The early
# warning and the trends read nothing else either; the OPD page reads its own OPD's lines.
REGION_WIDE = ["/", "/?kategori=Efektif", "/peringkat/", "/peringkat/?ukuran=nilai_kinerja"]
REGION_WIDE += ["/peringatan/", "/tren/", f"/api/v1/absorption/?tahun={YEAR}&level=opd"]
READS_LINES = re.compile(r"\bbudget_(?:dpaline|realisasi)(?:event)?\b")


@pytest.mark.parametrize("path", REGION_WIDE)
def test_a_region_wide_page_reads_the_roll_ups_not_the_lines(client, large_region, path):
    sign_in(client, large_region)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert len(queries) > 5  # the page was measured
    assert [q["sql"][:200] for q in queries if READS_LINES.search(q["sql"])] == []


ENTRY = f"/opd/{opd_code(0)}/realisasi/{YEAR}/2/"

# What the other roles add, on pages the head of region does not see the same way. The entry
# page: session, user, role, region, the OPD, its lines with what was realised around the
# quarter (one query), the quarter's report, the OPD's physical progress of the year.
ROLE_QUERIES = {
    # BPKAD's OPD page adds the audit trail: DPA lines, realisasi, realisasi fisik, reports
    # (the query naming the users is skipped here: these events were written outside any
    # request)
    ("bpkad", f"/opd/{opd_code(0)}/"): 26,
    ("bpkad", ENTRY): 8,
    ("kepala", ENTRY): 8,
    # the treasurer's own OPD: the head of region's page and the quarter to report next
    ("bendahara", f"/opd/{opd_code(0)}/"): 23,
    ("bendahara", ENTRY): 8,
    # a treasurer's home is a redirect to their OPD, decided from their role alone
    ("bendahara", "/"): 3,
    ("bendahara", "/peringkat/"): 16,  # the nilai kinerja and physical progress columns 7
    ("bendahara", "/peringatan/"): 14,
}


def sign_in_as(client, region: Region, role: str):
    """BPKAD, the head of region or OPD A's treasurer, of `region`, signed in on `client`."""
    from budget.roles import GROUP_BENDAHARA, GROUP_BPKAD

    group = {"bpkad": GROUP_BPKAD, "kepala": GROUP_KEPALA_DAERAH, "bendahara": GROUP_BENDAHARA}
    user = User.objects.create_user(f"{role}-{region.kode}", is_staff=role == "bpkad")
    user.groups.add(Group.objects.get_or_create(name=group[role])[0])
    opd = Opd.objects.get(region=region, kode=opd_code(0)) if role == "bendahara" else None
    Profile.objects.create(user=user, region=region, opd=opd)
    client.force_login(user)
    return user


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize(("role", "path"), list(ROLE_QUERIES))
@pytest.mark.parametrize("reported", [False, True], ids=["unreported", "verified"])
def test_each_role_pays_the_same_number_of_queries_whatever_the_data(
    client, small_region, large_region, django_assert_num_queries, size, role, path, reported
):
    region = small_region if size == "small" else large_region
    user = sign_in_as(client, region, role)
    if reported:
        # OPD A's TW II submitted and verified: the pages name who did each.
        QuarterReport.objects.create(
            region=region,
            opd=Opd.objects.get(region=region, kode=opd_code(0)),
            tahun=YEAR,
            triwulan=2,
            status=QuarterReport.Status.VERIFIED,
            submitted_by=user,
            verified_by=user,
        )
    with django_assert_num_queries(ROLE_QUERIES[role, path]):
        response = client.get(path)
    assert response.status_code == (302 if path == "/" else 200)


# No data, no OPD -------------------------------------------------------------------------------


def delete_every_region():
    """Empties the database of regions; only for the test calling it (its savepoint)."""
    for model in (Realisasi, DpaLine, SubKegiatan, Kegiatan, Program, Account, Profile, Opd):
        model.objects.all().delete()
    Region.objects.all().delete()


def test_a_database_without_a_region_shows_the_empty_page(client, db):
    delete_every_region()
    first = User.objects.create_user("awal")
    first.groups.add(Group.objects.get_or_create(name=GROUP_KEPALA_DAERAH)[0])
    client.force_login(first)
    for path in ("/", "/peringkat/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Belum ada data" in text(response)
    assert client.get(f"/opd/{opd_code(0)}/").status_code == 404


def test_a_region_without_a_dpa_yet_shows_the_empty_page(client, db):
    region = Region.objects.create(kode="33.92", nama="Kabupaten Baru")
    Opd.objects.create(region=region, kode="7.01.0.00.0.00.01.0000", nama="Dinas Baru")
    sign_in(client, region)
    for path in ("/", "/peringkat/", "/opd/7.01.0.00.0.00.01.0000/", "/?tahun=2024&triwulan=2"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Belum ada data" in text(response)


def test_a_year_budgeted_but_not_yet_realised_shows_zero_realisasi(signed_in, region):
    Realisasi.objects.all().delete()
    for path in ("/", f"/opd/{opd_code(0)}/", "/peringkat/"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert (response.context["tahun"], response.context["triwulan"]) == (YEAR, 1), path
    assert "Serapan 0,00%" in text(signed_in.get(f"/opd/{opd_code(0)}/"))


def test_an_unknown_opd_code_is_not_found(signed_in, region):
    assert signed_in.get("/opd/9.99.0.00.0.00.01.0000/").status_code == 404
    assert signed_in.get("/opd/bukan-kode/").status_code == 404


def test_an_opd_of_another_region_is_not_found(signed_in, region):
    other = Region.objects.create(kode="33.93", nama="Kabupaten Lain")
    Opd.objects.create(region=other, kode="7.01.0.00.0.00.01.0000", nama="Dinas Lain")
    assert signed_in.get("/opd/7.01.0.00.0.00.01.0000/").status_code == 404


def test_the_pages_accept_only_get(signed_in, region):
    for path in ("/", f"/opd/{opd_code(0)}/", "/peringkat/"):
        assert signed_in.post(path).status_code == 405, path
