"""The dashboard in a real browser: Debian's Chromium driven through Playwright, against
pytest-django's live server with the demo region (Kabupaten Sukamaju) loaded.

The live server answers from its own thread and database connection, so the demo must be
committed: these are transactional tests, and the database is flushed after each of them
(`serialized_rollback` brings back what the migrations wrote, the default criteria bands).
`seed_demo` runs once for the module; each test gets its rows back by COPY.

Every page visited is saved, full page, under screenshots/ at the project root.
"""

import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from budget.demo import DEMO_PASSWORD, REGION_KODE, REGION_NAMA
from budget.models import Opd, QuarterReport, Realisasi, Region
from budget.selectors import absorption, opd_ranking
from budget.workflow import entry_lines
from dashboard.templatetags.serapan import angka, miliar, persen
from tests.browser import (
    DESKTOP,
    PHONE,
    TableSnapshot,
    chromium_session,
    horizontal_overflow,
    shoot,
    wait_for_charts,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Django's and django-tables2's own English strings, which must not reach an Indonesian page.
ENGLISH = re.compile(
    r"\b(previous|next|Previous|Next|Username|Password|Log in|Log out|Please enter)\b"
)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the whole module."""
    with chromium_session() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def demo_rows(django_db_setup, django_db_blocker) -> TableSnapshot:
    """What `seed_demo` writes, taken once for the module (and rolled back)."""
    with django_db_blocker.unblock():
        return TableSnapshot.of_command("seed_demo")


@pytest.fixture
def demo(live_server, demo_rows) -> str:
    """The live server's URL, with the demo region loaded and committed."""
    demo_rows.restore()
    return live_server.url


# Chromium logs a page answered with an error status (a refused save, a 403) on the console;
# that is the answer a test expects, not a script error.
HTTP_ERROR_LOGGED = re.compile(
    r"^Failed to load resource: the server responded with a status of (400|403|409)\b"
)
PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _open_page(browser, base_url: str, **context_options):
    context = browser.new_context(base_url=base_url, locale="id-ID", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []

    def on_console(msg):
        if msg.type == "error" and not HTTP_ERROR_LOGGED.match(msg.text):
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", on_console)
    return context, page, errors


@pytest.fixture
def open_page(browser, demo):
    """Opens a page in a fresh context (no cookies) per call, desktop-sized unless told: one
    per person in a test where several people take turns. Fails on any script error."""
    opened = []

    def open_(**context_options):
        context, page, errors = _open_page(
            browser, demo, **({"viewport": DESKTOP} | context_options)
        )
        opened.append((context, errors))
        return page

    yield open_
    for context, _errors in opened:
        context.close()
    assert [e for _context, errors in opened for e in errors] == []


@pytest.fixture
def page(open_page):
    """A desktop-sized page in a fresh context (no cookies); fails on any script error."""
    return open_page()


@pytest.fixture
def phone(open_page):
    """A phone-sized page (390×844, touch, honours the viewport meta tag)."""
    return open_page(**PHONE_OPTIONS)


def sign_in(
    page, username: str = "kepala", password: str = DEMO_PASSWORD, *, then: str | None = None
) -> None:
    """Sign in on the login page; `then` is where to go afterwards (as a link to a page behind
    the login would), else the user's home."""
    page.goto("/accounts/login/" + (f"?{urlencode({'next': then})}" if then else ""))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def heading(page):
    return page.get_by_role("heading", level=1)


def belanja_cards(page):
    return page.locator('section.cards[aria-label="Belanja"] .card')


def card_figure(page, title: str):
    return belanja_cards(page).filter(has=page.locator("h3", has_text=title)).locator(".big")


def belanja_total(tahun: int, triwulan: int):
    region = Region.objects.get(kode=REGION_KODE)
    (row,) = absorption(
        region=region, tahun=tahun, triwulan=triwulan, level="pemda", jenis="belanja"
    )
    return row


def tables_overflowing(page) -> list[str]:
    """The ids of sections whose table is wider than its box (it would scroll sideways)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(".scroll"))
            .filter(el => el.scrollWidth > el.clientWidth + 1)
            .map(el => el.closest("section").id || el.closest("section").className)"""
    )


def assert_speaks_indonesian(page) -> None:
    text = page.locator("body").inner_text()
    assert ENGLISH.findall(text) == []


def test_the_head_of_region_signs_in_and_sees_the_overview(page, demo):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert page.locator("html").get_attribute("lang") == "id"
    expect(heading(page)).to_have_text("Masuk ke Serapan")
    expect(page.get_by_role("button", name="Masuk")).to_be_visible()
    assert_speaks_indonesian(page)
    shoot(page, "01-login")

    page.get_by_label("Nama pengguna").fill("kepala")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    expect(page).to_have_url(f"{demo}/")
    expect(heading(page)).to_have_text(f"Penyerapan anggaran {REGION_NAMA} 2026, s.d. TW III")
    expect(page.locator(".user")).to_contain_text("Bupati Sukamaju")
    expect(belanja_cards(page).locator("h3")).to_have_text(
        [
            "Pagu belanja",
            "Realisasi s.d. TW III",
            "Serapan",
            "Capaian anggaran kas",
            "Sisa anggaran",
        ]
    )
    total = belanja_total(2026, 3)
    expect(card_figure(page, "Pagu belanja")).to_have_text(miliar(total.pagu))
    expect(card_figure(page, "Serapan")).to_have_text(persen(total.serapan))
    assert re.fullmatch(r"Rp \d{1,3}(\.\d{3})*,\d M", miliar(total.pagu))
    assert re.fullmatch(r"\d{1,3},\d{2}%", persen(total.serapan))
    expect(page.locator('section.cards[aria-label="Pendapatan"] .card')).to_have_count(3)

    wait_for_charts(page, "fig-scurve", "fig-dist")
    scurve = page.locator('[data-figure="fig-scurve"]')
    expect(scurve.locator(".scatterlayer .trace")).to_have_count(2)
    expect(scurve.locator(".gtitle")).to_have_text("Kurva S belanja daerah")
    expect(page.locator('[data-figure="fig-dist"] .barlayer .point')).to_have_count(5)

    opd_rows = page.locator("#opd table.data tbody tr")
    expect(opd_rows).to_have_count(Opd.objects.count())
    expect(page.locator("#opd table.data thead th").first).to_have_text("Nama")
    expect(page.locator("#jenis table.data tbody tr").first).to_be_visible()
    assert tables_overflowing(page) == []
    assert_speaks_indonesian(page)
    shoot(page, "02-overview-2026-tw3")

    # Ten OPDs a page: the pagination speaks Indonesian too.
    page.goto("/?opd-per_page=10#opd")
    expect(opd_rows).to_have_count(10)
    pagination = page.locator("#opd ul.pagination")
    expect(pagination.get_by_role("link", name="berikutnya")).to_be_visible()
    assert_speaks_indonesian(page)
    shoot(page, "03-overview-paginated")
    pagination.get_by_role("link", name="berikutnya").click()
    expect(opd_rows).to_have_count(10)
    expect(pagination.get_by_role("link", name="sebelumnya")).to_be_visible()


def test_the_period_pickers_switch_year_and_quarter(page, demo):
    sign_in(page)
    expect(heading(page)).to_contain_text("2026, s.d. TW III")
    before = card_figure(page, "Serapan").inner_text()

    period = page.locator("form.period")
    period.get_by_label("Tahun").select_option("2025")
    period.get_by_label("Triwulan").select_option(label="TW II")
    period.get_by_role("button", name="Tampilkan").click()

    expect(page).to_have_url(re.compile(r"/\?tahun=2025&triwulan=2$"))
    expect(heading(page)).to_have_text(f"Penyerapan anggaran {REGION_NAMA} 2025, s.d. TW II")
    expect(period.get_by_label("Tahun")).to_have_value("2025")
    expect(period.get_by_label("Triwulan")).to_have_value("2")
    expect(belanja_cards(page).locator("h3").nth(1)).to_have_text("Realisasi s.d. TW II")
    total = belanja_total(2025, 2)
    expect(card_figure(page, "Serapan")).to_have_text(persen(total.serapan))
    expect(card_figure(page, "Realisasi s.d. TW II")).to_have_text(
        miliar(total.realisasi_kumulatif)
    )
    assert persen(total.serapan) != before

    wait_for_charts(page, "fig-scurve")
    # Realisasi is drawn through the chosen quarter only: two points, not four.
    realised = page.locator('[data-figure="fig-scurve"] .scatterlayer .trace').nth(1)
    expect(realised.locator(".points path")).to_have_count(2)
    # Links keep the period: the ranking and the OPDs open on 2025 TW II.
    expect(page.get_by_role("link", name="Peringkat OPD")).to_have_attribute(
        "href", "/peringkat/?tahun=2025&triwulan=2"
    )
    first_opd = page.locator("#opd table.data tbody tr td.nama a").first
    expect(first_opd).to_have_attribute("href", re.compile(r"\?tahun=2025&triwulan=2$"))
    shoot(page, "04-overview-2025-tw2")


def test_an_opd_opens_from_the_overview_and_drills_down(page, demo):
    sign_in(page)
    link = page.locator("#opd table.data tbody tr td.nama a").first
    name = link.inner_text()
    opd = Opd.objects.get(nama=name)
    link.click()

    expect(page).to_have_url(re.compile(rf"/opd/{re.escape(opd.kode)}/\?tahun=2026&triwulan=3$"))
    expect(heading(page)).to_have_text(f"{name} 2026, s.d. TW III")
    expect(page.locator("p.crumbs").first).to_contain_text(opd.kode)
    wait_for_charts(page, "fig-scurve", "fig-bars")
    # The cash plan, the realisasi, through TW III the forecast on to December, and the
    # realisasi fisik.
    expect(page.locator('[data-figure="fig-scurve"] .scatterlayer .trace')).to_have_count(4)
    bars = page.locator('[data-figure="fig-bars"] .barlayer .trace')
    expect(bars).to_have_count(2)
    expect(bars.first.locator(".point")).to_have_count(4)
    rincian = page.locator("#rincian")
    expect(rincian.locator("h2")).to_have_text("Rincian menurut program")
    assert_speaks_indonesian(page)
    shoot(page, "05-opd-program")

    program = rincian.locator("table.data tbody tr td.kode").first.inner_text()
    rincian.locator("table.data tbody tr td.nama a").first.click()
    expect(page).to_have_url(re.compile(rf"rinci=kegiatan&induk={re.escape(program)}#rincian$"))
    expect(rincian.locator("h2")).to_have_text(f"Rincian menurut kegiatan di bawah {program}")
    kegiatan_codes = rincian.locator("table.data tbody tr td.kode").all_inner_texts()
    assert kegiatan_codes
    assert all(code.startswith(program + ".") for code in kegiatan_codes)
    # Long names and amounts of hundreds of miliar still fit a desktop screen.
    assert tables_overflowing(page) == []
    shoot(page, "06-opd-kegiatan")

    kegiatan = kegiatan_codes[0]
    rincian.locator("table.data tbody tr td.nama a").first.click()
    expect(rincian.locator("h2")).to_have_text(f"Rincian menurut sub kegiatan di bawah {kegiatan}")
    sub_codes = rincian.locator("table.data tbody tr td.kode").all_inner_texts()
    assert sub_codes
    assert all(code.startswith(kegiatan + ".") for code in sub_codes)
    # The crumbs lead back up to the program's kegiatan.
    expect(rincian.locator("p.crumbs a").nth(1)).to_have_text(program)
    shoot(page, "07-opd-sub-kegiatan")


def test_the_ranking_by_serapan_shows_the_bottom_five_and_opens_an_opd(page, demo):
    sign_in(page)
    page.get_by_role("link", name="Peringkat OPD").click()
    expect(heading(page)).to_have_text(
        "Peringkat OPD 2026, s.d. TW III · menurut capaian anggaran kas"
    )
    wait_for_charts(page, "fig-rank")
    shoot(page, "08-ranking-capaian")

    page.get_by_label("Peringkat menurut").select_option("serapan")
    expect(page).to_have_url(re.compile(r"ukuran=serapan"))
    expect(heading(page)).to_have_text("Peringkat OPD 2026, s.d. TW III · menurut serapan anggaran")

    region = Region.objects.get(kode=REGION_KODE)
    ranked, _unranked = opd_ranking(region=region, tahun=2026, triwulan=3, measure="serapan")
    worst = list(reversed(ranked[-5:]))
    bottom = page.get_by_role("region", name="Lima terbawah").locator("ol.bottom > li")
    expect(bottom).to_have_count(5)
    expect(bottom.locator("a")).to_have_text([r.row.nama for r in worst])
    assert [item.get_attribute("value") for item in bottom.all()] == [
        str(r.peringkat) for r in worst
    ]
    expect(bottom.first).to_contain_text(persen(worst[0].row.serapan))

    wait_for_charts(page, "fig-rank")
    chart = page.locator('[data-figure="fig-rank"]')
    expect(chart.locator(".barlayer .point")).to_have_count(len(ranked))
    expect(chart.locator(".gtitle")).to_have_text("Peringkat OPD menurut serapan anggaran")
    table_rows = page.locator("table.data tbody tr")
    expect(table_rows).to_have_count(len(ranked))
    expect(table_rows.first.locator("td").nth(2)).to_have_text(ranked[0].row.nama)
    # The bars leave room for their value labels: none is cut by the plot's right edge.
    plot = chart.locator(".bglayer .bg").first.bounding_box()
    labels = chart.locator(".barlayer text.bartext")
    for box in (label.bounding_box() for label in labels.all()):
        assert box["x"] + box["width"] <= plot["x"] + plot["width"] + 1
    assert_speaks_indonesian(page)
    shoot(page, "09-ranking-serapan")

    bottom.first.locator("a").click()
    expect(heading(page)).to_have_text(f"{worst[0].row.nama} 2026, s.d. TW III")
    wait_for_charts(page, "fig-scurve", "fig-bars")
    shoot(page, "10-opd-from-ranking")


def test_the_overview_fits_a_phone(phone, demo):
    sign_in(phone)
    expect(heading(phone)).to_contain_text("2026, s.d. TW III")
    wait_for_charts(phone, "fig-scurve", "fig-dist")
    assert horizontal_overflow(phone) == 0
    width = PHONE["width"]
    for figure in ("fig-scurve", "fig-dist"):
        chart = phone.locator(f'[data-figure="{figure}"]')
        box = chart.locator("svg.main-svg").first.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        # The title fits (wrapped if need be) above the plot, and no mode bar covers it.
        title = chart.locator(".gtitle").bounding_box()
        assert title["x"] + title["width"] <= box["x"] + box["width"]
        top_tick = min(tick.bounding_box()["y"] for tick in chart.locator(".ytick text").all())
        assert title["y"] >= box["y"]
        assert title["y"] + title["height"] <= top_tick
        expect(chart.locator(".modebar")).to_have_count(0)
    # The OPD table reads as one card per OPD: nothing to swipe, every figure on the screen
    # with its column's name beside it.
    container = phone.locator("#opd .scroll").bounding_box()
    assert container["x"] + container["width"] <= width
    assert phone.locator("#opd .scroll").evaluate("el => el.scrollWidth <= el.clientWidth")
    first = phone.locator("#opd tbody tr").first
    pagu = first.locator('td[data-label="Pagu"]')
    expect(pagu).to_be_visible()
    box = pagu.bounding_box()
    assert box["x"] + box["width"] <= width
    for card in belanja_cards(phone).all():
        box = card.bounding_box()
        assert box["x"] + box["width"] <= width
    shoot(phone, "11-overview-phone")

    # The ranking reads without swiping: the wide chart gives way to a list with one bar per
    # OPD, in rank order, every bar drawn and within the screen; the table's rows are cards.
    phone.get_by_role("link", name="Peringkat OPD").click()
    assert horizontal_overflow(phone) == 0
    expect(phone.locator(".panel.rank-chart")).to_be_hidden()
    region = Region.objects.get(kode=REGION_KODE)
    ranked, _unranked = opd_ranking(region=region, tahun=2026, triwulan=3)
    items = phone.locator("ol.rank-bars li")
    expect(items).to_have_count(len(ranked))
    assert [n.strip() for n in phone.locator("ol.rank-bars .name").all_inner_texts()] == [
        r.row.nama for r in ranked
    ]
    # Each bar in its category's colour (the badge's), as long as its ratio (capped at 100%).
    bars = phone.locator("ol.rank-bars .rank-bar span").all()
    for bar, r in zip(bars, ranked, strict=True):
        box = bar.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        assert box["width"] > 0
        assert bar.get_attribute("class") == f"k{r.row.rank_capaian}"
    assert phone.locator("table.ranking").evaluate("el => el.scrollWidth <= el.clientWidth")
    first_card = phone.locator("table.ranking tbody tr").first.bounding_box()
    assert first_card["x"] + first_card["width"] <= width
    shoot(phone, "12-ranking-phone")


FUND_SOURCE_DEVICES = (
    ("desk", {"viewport": {"width": 1366, "height": 900}}),
    ("phone", PHONE_OPTIONS),
)


@pytest.mark.parametrize(("device", "options"), FUND_SOURCE_DEVICES, ids=["desk", "phone"])
def test_the_head_of_region_follows_the_fund_sources_to_the_dak_and_juknis(
    open_page, demo, device, options
):
    """From the menu to the region's fund sources, then to the DAK view, which names the OPDs
    that reported late juknis and how far their DAK trails: at 1366 px and on a phone, nothing
    scrolls sideways (on the phone every table reads as one card per row)."""
    page = open_page(**options)
    sign_in(page)
    page.get_by_role("link", name="Sumber dana", exact=True).click()
    expect(heading(page)).to_contain_text("Belanja menurut sumber dana 2026, s.d. TW III")
    wait_for_charts(page, "fig-dana")
    expect(page.locator("#matriks tbody tr")).to_have_count(Opd.objects.count())
    assert horizontal_overflow(page) == 0
    assert tables_overflowing(page) == []
    shoot(page, f"50-sumber-dana-{device}")

    page.get_by_role("link", name="DAK dan keterlambatan petunjuk teknis (juknis)").click()
    expect(heading(page)).to_contain_text("DAK dan keterlambatan petunjuk teknis (juknis)")
    wait_for_charts(page, "fig-dak")
    expect(page.locator("#juknis .alert")).to_contain_text("tertinggal")
    for name in ("Dinas Pertanian", "Dinas Lingkungan Hidup"):
        row = page.locator("#opd tbody tr", has_text=name)
        expect(row.locator('td[data-label="Menyebut juknis terlambat"]')).to_contain_text("TW III")
    expect(page.locator("#upaya tbody tr")).not_to_have_count(0)
    assert horizontal_overflow(page) == 0
    assert tables_overflowing(page) == []
    shoot(page, f"51-dak-juknis-{device}")


def test_the_printed_ranking_leaves_out_the_navigation(page, demo):
    sign_in(page)
    page.goto("/peringkat/")
    wait_for_charts(page, "fig-rank")
    expect(page.locator("nav.main")).to_be_visible()
    expect(page.locator("p.printed")).to_be_hidden()

    page.emulate_media(media="print")
    expect(page.locator("nav.main")).to_be_hidden()
    expect(page.locator("form.period")).to_be_hidden()
    expect(page.locator(".user")).to_be_hidden()
    expect(page.get_by_role("button", name="Cetak")).to_be_hidden()
    expect(page.locator("p.printed")).to_be_visible()
    expect(page.locator("p.printed")).to_contain_text(f"{REGION_NAMA} · 2026 s.d. TW III")
    expect(heading(page)).to_be_visible()
    expect(page.locator("table.data")).to_be_visible()
    shoot(page, "13-ranking-print")


def test_a_wrong_password_is_refused_in_indonesian(page, demo):
    sign_in(page, password="bukan-sandinya")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".alert")).to_have_text(
        "Nama pengguna atau kata sandi salah. Silakan coba lagi."
    )
    expect(page.get_by_label("Nama pengguna")).to_have_value("kepala")
    expect(page.get_by_label("Kata sandi")).to_have_value("")
    assert_speaks_indonesian(page)
    shoot(page, "14-login-wrong-password")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


# --- the quarterly workflow: a treasurer enters and submits, BPKAD verifies ----------------------

ENTRY_TAHUN, ENTRY_TW = 2026, 4  # the demo has realisasi through 2026 TW III: TW IV is open


def treasurer_opd() -> Opd:
    """bendahara1's OPD: the region's first by code."""
    return Opd.objects.filter(region__kode=REGION_KODE).earliest("kode")


def entry_url(opd: Opd, tahun: int = ENTRY_TAHUN, triwulan: int = ENTRY_TW) -> str:
    return f"/opd/{opd.kode}/realisasi/{tahun}/{triwulan}/"


def amount_label(item) -> str:
    """The accessible name of a line's box (its sub kegiatan and account)."""
    return f"Realisasi {item.line.sub_kegiatan.kode} {item.line.account.kode}"


def entry_row(page, item):
    return page.locator("#entry tbody tr").filter(has=page.get_by_label(amount_label(item)))


def entry_row_cells(page, index: int):
    """The cells of the n-th line, whether or not it has a box."""
    return page.locator("#entry tbody tr").nth(index).locator("td")


def status_badge(page):
    return page.locator("section.workflow .status")


def messages(page, kind: str):
    return page.locator(f"ul.messages li.{kind}")


def belanja_now(page):
    """The 'Jumlah belanja' cell under the quarter's column."""
    return page.locator('#entry tfoot tr[data-total="belanja"] td.now')


def accept_dialogs(page) -> list[str]:
    """Agree to every confirmation the page asks from now on; the questions, in order."""
    asked: list[str] = []

    def agree(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", agree)
    return asked


def saved_in_quarter(opd: Opd) -> dict[int, Decimal]:
    return dict(
        Realisasi.objects.filter(
            line__opd=opd, line__tahun=ENTRY_TAHUN, triwulan=ENTRY_TW
        ).values_list("line_id", "jumlah")
    )


def test_a_treasurer_enters_and_submits_a_quarter_and_bpkad_verifies_it(open_page, demo):
    opd = treasurer_opd()
    items = entry_lines(opd=opd, tahun=ENTRY_TAHUN, triwulan=ENTRY_TW)
    first, second = [i for i in items if i.line.jenis == "belanja"][:2]
    row_1, row_2 = items.index(first), items.index(second)
    assert first.sekarang is None
    assert second.sekarang is None
    assert not QuarterReport.objects.filter(opd=opd, tahun=ENTRY_TAHUN, triwulan=ENTRY_TW).exists()

    # The treasurer's home is their own OPD, not the region's overview.
    page = open_page()
    sign_in(page, "bendahara1")
    expect(page).to_have_url(f"{demo}/opd/{opd.kode}/")
    expect(heading(page)).to_have_text(f"{opd.nama} 2026, s.d. TW III")
    period = page.locator("form.period")
    period.get_by_label("Triwulan").select_option(label="TW IV")
    period.get_by_role("button", name="Tampilkan").click()
    expect(heading(page)).to_have_text(f"{opd.nama} 2026, s.d. TW IV")
    expect(status_badge(page)).to_have_text("Belum dilaporkan")
    shoot(page, "15-treasurer-opd-tw4")

    page.get_by_role("link", name="Isi / periksa realisasi TW IV").click()
    expect(page).to_have_url(f"{demo}{entry_url(opd)}")
    expect(heading(page)).to_contain_text("Realisasi TW IV 2026")
    expect(page.locator("#entry input.amount")).to_have_count(len(items))
    box_1, box_2 = page.get_by_label(amount_label(first)), page.get_by_label(amount_label(second))
    sisa_1, sisa_2 = (
        entry_row(page, first).locator("td.sisa"),
        entry_row(page, second).locator("td.sisa"),
    )
    expect(box_1).to_have_value("")
    expect(belanja_now(page)).to_have_text("0")
    expect(sisa_1).to_have_text(angka(first.sisa))
    assert_speaks_indonesian(page)
    shoot(page, "16-entry-empty")

    # Indonesian amounts; the running total and what is left of the pagu follow the typing.
    box_1.fill("1.250.000")
    box_2.fill("3.400.000")
    expect(belanja_now(page)).to_have_text("4.650.000")
    expect(sisa_1).to_have_text(angka(first.sisa - Decimal("1250000")))
    expect(sisa_2).to_have_text(angka(second.sisa - Decimal("3400000")))
    belanja_left = sum(i.sisa for i in items if i.line.jenis == "belanja")
    expect(page.locator('#entry tfoot tr[data-total="belanja"] .sisa-total')).to_have_text(
        angka(belanja_left - Decimal("4650000"))
    )
    shoot(page, "17-entry-typed")

    # A typo is marked at once, and refused for its line on saving: nothing is written.
    box_2.fill("3.4OO.000")
    expect(box_2).to_have_class(re.compile(r"\binvalid\b"))
    expect(belanja_now(page)).to_have_text("1.250.000")
    page.get_by_role("button", name="Simpan draf").click()
    expect(messages(page, "error")).to_have_text("1 baris ditolak; tidak ada yang disimpan.")
    expect(entry_row(page, second)).to_have_class(re.compile(r"\bhas-error\b"))
    expect(entry_row(page, second).get_by_role("alert")).to_have_text(
        "'3.4OO.000' bukan jumlah uang"
    )
    expect(entry_row(page, first).get_by_role("alert")).to_have_count(0)
    # What was typed is still there, and so are the running figures.
    expect(box_1).to_have_value("1.250.000")
    expect(box_2).to_have_value("3.4OO.000")
    expect(belanja_now(page)).to_have_text("1.250.000")
    expect(sisa_1).to_have_text(angka(first.sisa - Decimal("1250000")))
    assert saved_in_quarter(opd) == {}
    assert not QuarterReport.objects.filter(opd=opd, tahun=ENTRY_TAHUN, triwulan=ENTRY_TW).exists()
    assert_speaks_indonesian(page)
    shoot(page, "18-entry-refused")

    box_2.fill("3.400.000")
    expect(box_2).not_to_have_class(re.compile(r"\binvalid\b"))
    expect(belanja_now(page)).to_have_text("4.650.000")
    page.get_by_label("Keterlambatan pengadaan barang/jasa atau tender").check()
    page.get_by_label("Uraian kendala").fill("Dua paket rehabilitasi sekolah masih tender ulang.")
    page.get_by_role("button", name="Simpan draf").click()
    expect(messages(page, "success")).to_have_text("Draf tersimpan.")
    expect(status_badge(page)).to_have_text("Draf")
    expect(box_1).to_have_value("1.250.000")
    expect(box_2).to_have_value("3.400.000")
    expect(belanja_now(page)).to_have_text("4.650.000")
    expect(page.get_by_label("Keterlambatan pengadaan barang/jasa atau tender")).to_be_checked()
    assert saved_in_quarter(opd) == {
        first.line.pk: Decimal("1250000.00"),
        second.line.pk: Decimal("3400000.00"),
    }
    shoot(page, "19-entry-draft-saved")

    asked = accept_dialogs(page)
    page.get_by_role("button", name="Simpan dan ajukan ke BPKAD").click()
    expect(messages(page, "success")).to_have_text("Laporan diajukan untuk diverifikasi BPKAD.")
    assert asked == [
        "Ajukan TW\u00a0IV 2026 ke BPKAD? Angkanya sesudah itu terkunci sampai BPKAD "
        "memverifikasi atau mengembalikannya."
    ]
    expect(status_badge(page)).to_have_text("Diajukan")
    expect(page.locator("section.workflow")).to_contain_text("diajukan oleh bendahara1")
    expect(page.locator("main input:visible, main textarea, main button")).to_have_count(0)
    expect(entry_row_cells(page, row_1).nth(5)).to_have_text("1.250.000")
    expect(belanja_now(page)).to_have_text("4.650.000")
    expect(page.locator("#entry")).to_contain_text(
        "Keterlambatan pengadaan barang/jasa atau tender"
    )
    assert_speaks_indonesian(page)
    shoot(page, "20-entry-submitted")

    # BPKAD opens the same quarter from the OPD page, sees the amounts, verifies.
    bpkad = open_page()
    sign_in(bpkad, "bpkad", then=f"/opd/{opd.kode}/?tahun={ENTRY_TAHUN}&triwulan={ENTRY_TW}")
    expect(heading(bpkad)).to_have_text(f"{opd.nama} 2026, s.d. TW IV")
    expect(status_badge(bpkad)).to_have_text("Diajukan")
    bpkad.get_by_role("link", name="Isi / periksa realisasi TW IV").click()
    expect(bpkad).to_have_url(f"{demo}{entry_url(opd)}")
    expect(bpkad.locator("#entry input.amount")).to_have_count(0)
    expect(entry_row_cells(bpkad, row_1).nth(5)).to_have_text("1.250.000")
    expect(entry_row_cells(bpkad, row_2).nth(5)).to_have_text("3.400.000")
    expect(belanja_now(bpkad)).to_have_text("4.650.000")
    shoot(bpkad, "21-bpkad-entry-submitted")

    # Quarters are verified in order: TW III, still submitted, comes first.
    asked = accept_dialogs(bpkad)
    bpkad.get_by_role("button", name="Verifikasi dan kunci").click()
    expect(messages(bpkad, "error")).to_have_text(
        "TW III belum diverifikasi: verifikasi TW III lebih dahulu"
    )
    expect(status_badge(bpkad)).to_have_text("Diajukan")
    assert asked == [
        f"Verifikasi dan kunci TW\u00a0IV 2026 {opd.nama}? Angkanya sesudah itu hanya dapat diubah "
        "dengan membuka kembali laporan disertai alasan."
    ]
    bpkad.goto(entry_url(opd, ENTRY_TAHUN, 3))
    bpkad.get_by_role("button", name="Verifikasi dan kunci").click()
    expect(messages(bpkad, "success")).to_have_text("Laporan diverifikasi dan dikunci.")
    bpkad.goto(entry_url(opd))
    bpkad.get_by_role("button", name="Verifikasi dan kunci").click()
    expect(messages(bpkad, "success")).to_have_text("Laporan diverifikasi dan dikunci.")
    expect(status_badge(bpkad)).to_have_text("Terverifikasi")
    expect(bpkad.locator("section.workflow")).to_contain_text("diverifikasi oleh bpkad")
    expect(bpkad.get_by_role("button", name="Verifikasi dan kunci")).to_have_count(0)
    expect(bpkad.get_by_role("button", name="Buka kembali")).to_be_visible()
    assert_speaks_indonesian(bpkad)
    shoot(bpkad, "22-bpkad-verified")

    # The OPD page: the quarter's status, and who changed what in the audit trail.
    bpkad.get_by_role("link", name=opd.nama).click()
    expect(heading(bpkad)).to_have_text(f"{opd.nama} 2026, s.d. TW IV")
    expect(status_badge(bpkad)).to_have_text("Terverifikasi")
    expect(bpkad.locator("section.workflow")).not_to_contain_text("belum diverifikasi")
    riwayat = bpkad.locator("#riwayat")
    expect(riwayat.locator("h2")).to_contain_text("Riwayat perubahan 2026")
    rows = riwayat.locator("tbody tr")
    sub_kegiatan = first.line.sub_kegiatan
    assert sub_kegiatan is not None  # a belanja line
    amount_row = rows.filter(has_text=f"2026 TW IV {sub_kegiatan.kode}").filter(
        has_text=first.line.account.kode
    )
    expect(amount_row).to_have_count(1)
    expect(amount_row.locator("td").nth(1)).to_have_text("bendahara1")
    expect(amount_row.locator("td").nth(2)).to_contain_text("Realisasi")
    expect(amount_row.locator("td").nth(4)).to_contain_text("1.250.000")
    verified = rows.filter(has_text="2026 TW IV").filter(has_text="Terverifikasi")
    expect(verified).to_have_count(1)
    expect(verified.locator("td").nth(1)).to_have_text("bpkad")
    expect(verified.locator("td").nth(4)).to_contain_text("Diajukan → Terverifikasi")
    submitted = rows.filter(has_text="2026 TW IV").filter(has_text="Draf → Diajukan")
    expect(submitted.locator("td").nth(1)).to_have_text("bendahara1")
    riwayat.scroll_into_view_if_needed()
    assert_speaks_indonesian(bpkad)
    shoot(bpkad, "23-bpkad-opd-riwayat")


def test_a_treasurer_cannot_open_another_opd_and_the_head_of_region_only_reads(open_page, demo):
    own, other = Opd.objects.filter(region__kode=REGION_KODE).order_by("kode")[:2]
    page = open_page()
    sign_in(page, "bendahara1")
    expect(page).to_have_url(f"{demo}/opd/{own.kode}/")
    for url, name in (
        (f"/opd/{other.kode}/", "24-treasurer-other-opd-403"),
        (entry_url(other, 2026, 3), "25-treasurer-other-entry-403"),
    ):
        response = page.goto(url)
        assert response.status == 403
        expect(heading(page)).to_have_text("Anda tidak berhak membuka halaman ini")
        expect(page.get_by_role("link", name="Kembali ke beranda")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(other.nama)
        assert_speaks_indonesian(page)
        shoot(page, name)

    # The head of region reads a submitted quarter: figures, no box, no button.
    kepala = open_page()
    sign_in(kepala, "kepala", then=f"/opd/{own.kode}/")
    expect(status_badge(kepala)).to_have_text("Diajukan")
    expect(kepala.get_by_role("link", name="Isi / periksa")).to_have_count(0)
    response = kepala.goto(entry_url(own, 2026, 3))
    assert response.status == 200
    expect(heading(kepala)).to_contain_text("Realisasi TW III 2026")
    expect(kepala.locator("section.workflow .note")).to_have_text(
        "Anda hanya dapat membaca halaman ini."
    )
    expect(
        kepala.locator("main input:not([type=hidden]), main textarea, main button")
    ).to_have_count(0)
    expect(kepala.locator("#entry tbody tr")).not_to_have_count(0)
    expect(kepala.get_by_role("heading", name="Atau unggah berkas")).to_have_count(0)
    assert_speaks_indonesian(kepala)
    shoot(kepala, "26-kepala-entry-read-only")


def test_the_entry_page_fits_a_phone(phone, demo):
    opd = treasurer_opd()
    sign_in(phone, "bendahara1", then=entry_url(opd))
    expect(heading(phone)).to_contain_text("Realisasi TW IV 2026")
    first = phone.locator("#entry input.amount").first
    first.fill("1.250.000")
    expect(belanja_now(phone)).to_have_text("1.250.000")
    shoot(phone, "27-entry-phone-typed")
    assert horizontal_overflow(phone) == 0
    # Line by line with a thumb: each line a card, nothing to swipe sideways, every amount box
    # on the screen and at least 44 px tall (a finger's target).
    table_box = phone.locator("#entry .scroll").first  # the realisasi; the fisik follows
    box = table_box.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert table_box.evaluate("el => el.scrollWidth <= el.clientWidth")
    for amount in phone.locator("#entry input.amount").all()[:10]:
        amount.scroll_into_view_if_needed()
        box = amount.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44
    # The totals close the list, the pagu left among them.
    expect(phone.locator('#entry tfoot tr[data-total="belanja"] .sisa-total')).not_to_be_empty()
    # Every button can be reached and pressed (a trial click checks it is visible, stable,
    # enabled and not covered), and lies within the screen's width.
    buttons = phone.locator("main button")
    expect(buttons).to_have_count(3)
    for button in buttons.all():
        button.scroll_into_view_if_needed()
        button.click(trial=True)
        box = button.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    for kendala in phone.locator(".kendala label").all():
        box = kendala.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
    shoot(phone, "28-entry-phone-table-start")


# --- One treasurer reports early: what the head of region sees ---------------------------------


def test_an_early_tw4_from_one_treasurer_does_not_move_the_head_of_regions_pages(open_page, demo):
    opd = treasurer_opd()
    n_opds = Opd.objects.filter(region__kode=REGION_KODE).count()
    # bendahara1 saves a TW IV draft: realisasi for TW IV now exists, for one OPD only.
    treasurer = open_page()
    sign_in(treasurer, "bendahara1", then=entry_url(opd))
    treasurer.locator("#entry input.amount").first.fill("1.000.000")
    treasurer.get_by_role("button", name="Simpan draf").click()
    expect(treasurer.locator("ul.messages li.success")).to_be_visible()

    for device, options in (("desk", {}), ("phone", PHONE_OPTIONS)):
        page = open_page(**options)
        sign_in(page, "kepala")
        # The default is still TW III, which everybody has reported, and the page says why.
        expect(heading(page)).to_contain_text("2026, s.d. TW III")
        coverage = page.locator("section.coverage")
        expect(coverage).to_contain_text(
            f"{n_opds} dari {n_opds} OPD sudah melaporkan TW III 2026."
        )
        expect(coverage).to_contain_text("sedikitnya separuh OPD")
        assert horizontal_overflow(page) == 0
        shoot(page, f"30-early-tw4-{device}-overview")

        # Asked for TW IV: one OPD has reported; the others are listed apart, not counted.
        page.goto("/?tahun=2026&triwulan=4")
        expect(coverage).to_contain_text(f"1 dari {n_opds} OPD sudah melaporkan TW IV 2026.")
        expect(coverage.locator(".belum-melapor")).to_contain_text(
            f"Belum melapor ({n_opds - 1} OPD"
        )
        expect(page.locator("#opd tfoot tr.total")).to_contain_text("Jumlah")
        # Behind the plan: only the one that reported can be (it spent Rp 1.000.000 of TW IV).
        expect(page.locator("main")).to_contain_text(
            "1 dari 1 OPD yang sudah melapor berada di bawah rencana"
        )
        assert horizontal_overflow(page) == 0
        shoot(page, f"31-early-tw4-{device}-overview-tw4")

        # The ranking of TW IV ranks the one OPD that reported, nobody else.
        page.goto("/peringkat/?tahun=2026&triwulan=4")
        expect(page.locator("table.ranking tbody tr")).to_have_count(1)
        expect(page.locator("table.ranking tbody tr")).to_contain_text(opd.nama)
        assert horizontal_overflow(page) == 0
        shoot(page, f"32-early-tw4-{device}-ranking-tw4")


# --- Every page, every role, desk and phone ---------------------------------------------------

# A number a person reads printed the English way: 1,234,567 (thousands by comma), 67.46% or
# 48000000.00 (decimals by point). Codes (1.02.0.00.0.00.01.0000) and Indonesian figures
# (1.234.567 and 73,73%) do not match.
ENGLISH_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+(?![\d,%])|\b\d+\.\d{1,2}\s?%|\b\d{4,}\.\d{2}\b")


def test_the_head_of_region_sees_by_tw_ii_who_is_red_why_and_the_forecast(page, demo):
    """The early warning of the demo's 2026 TW II: three red OPDs, each with its kendala and
    what it must still spend; the forecast's past errors; an OPD's S-curve going on, dotted,
    to December."""
    sign_in(page, "kepala")
    page.get_by_role("link", name="Peringatan dini").click()
    page.goto("/peringatan/?tahun=2026&triwulan=2")
    expect(heading(page)).to_contain_text("Peringatan dini")
    alert = page.locator(".alert-panel li")
    expect(alert).to_have_count(3)
    expect(alert.first).to_contain_text("kendala:")
    expect(alert.first).to_contain_text("per triwulan")
    expect(page.locator("table.backtest tbody tr")).to_have_count(5)
    shoot(page, "50-peringatan-2026-tw2")
    alert.first.locator("a").click()
    wait_for_charts(page, "fig-scurve")
    traces = page.evaluate(
        "JSON.parse(document.getElementById('fig-scurve').textContent).data.length"
    )
    assert traces == 4  # plan, realisasi, forecast, physical progress
    expect(page.locator("#peringatan table.kinerja-jenis tbody tr").first).to_be_visible()
    shoot(page, "51-opd-forecast")


# --- Realisasi fisik beside the money ----------------------------------------------------------

PUPR = "1.03.0.00.0.00.01.0000"  # the demo's work ahead of the bills (fixtures/demo/fisik.csv)
DISDUKCAPIL = "2.12.0.00.0.00.01.0000"  # paid ahead of the work
DESK_1366 = {"viewport": {"width": 1366, "height": 900}}


@pytest.mark.parametrize(("device", "options"), [("desk", DESK_1366), ("phone", PHONE_OPTIONS)])
def test_the_physical_progress_shows_beside_the_money_and_is_flagged(
    open_page, demo, device, options
):
    page = open_page(**options)
    sign_in(page, "kepala")
    page.goto(f"/opd/{PUPR}/?tahun=2026&triwulan=3")
    card = page.locator("#fisik-card")
    expect(card).to_contain_text("Progres fisik s.d. TW III")
    expect(card).to_contain_text("Tagihan tertunda")
    expect(card.locator(".big")).to_have_text(re.compile(r"^\d{1,3},\d{2}%$"))
    wait_for_charts(page, "fig-scurve")
    names = page.evaluate(
        "JSON.parse(document.getElementById('fig-scurve').textContent).data.map(t => t.name)"
    )
    assert "Progres fisik (%)" in names
    expect(page.locator("#peringatan")).to_contain_text("serapan dikurangi progres fisik")
    assert horizontal_overflow(page) == 0
    shoot(page, f"60-fisik-opd-{device}")
    page.goto("/?tahun=2026&triwulan=3")
    row = page.locator("#opd tbody tr", has_text="Dinas Kependudukan")
    expect(row).to_contain_text("Pembayaran mendahului progres")
    assert horizontal_overflow(page) == 0
    shoot(page, f"61-fisik-overview-{device}")
    page.goto("/peringkat/?tahun=2026&triwulan=3")
    expect(page.locator("table.ranking thead")).to_contain_text("Progres fisik")
    expect(page.locator("table.ranking tbody tr", has_text="Dinas Pekerjaan Umum")).to_contain_text(
        "Tagihan tertunda"
    )
    assert horizontal_overflow(page) == 0
    shoot(page, f"62-fisik-ranking-{device}")


@pytest.mark.parametrize(("device", "options"), [("desk", DESK_1366), ("phone", PHONE_OPTIONS)])
def test_the_treasurer_enters_physical_progress_on_desk_and_phone(open_page, demo, device, options):
    opd = treasurer_opd()
    page = open_page(**options)
    sign_in(page, "bendahara1", then=entry_url(opd))
    rows = page.locator("#fisik tbody tr")
    expect(rows.first).to_be_visible()
    box = page.locator("#fisik input.persen").first
    box.fill("99,5")  # never below TW III's: the figure is cumulative
    shoot(page, f"63-fisik-entry-{device}")
    assert horizontal_overflow(page) == 0
    if device == "phone":
        for field in page.locator("#fisik input").all()[:6]:
            field.scroll_into_view_if_needed()
            bounds = field.bounding_box()
            assert bounds["x"] >= 0
            assert bounds["x"] + bounds["width"] <= PHONE["width"]
            assert bounds["height"] >= 44
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.locator("ul.messages li.success")).to_be_visible()
    expect(page.locator("#fisik input.persen").first).to_have_value("99,50")


def test_the_english_number_pattern_tells_the_formats_apart():
    for english in ("1,234,567", "capaian 67.46%", "48000000.00 padahal", "12.5 %"):
        assert ENGLISH_NUMBER.search(english), english
    for indonesian in (
        "Rp 1.234.567",
        "73,73%",
        "89,996%",
        "1.02.0.00.0.00.01.0000",
        "5.1.02.01.01.0026",
    ):
        assert not ENGLISH_NUMBER.search(indonesian), indonesian


def role_pages(role: str) -> list[str]:
    """The pages a role reaches from the menu and the pages behind them."""
    opd = treasurer_opd()
    own = f"/opd/{opd.kode}/"
    early = ["/peringatan/?tahun=2026&triwulan=2", "/tren/", "/kendala/?tahun=2026&triwulan=2"]
    if role == "bendahara1":
        return [own, own + "?tahun=2026&triwulan=4", entry_url(opd), "/peringkat/", "/laporan/",
                *early]  # fmt: skip
    pages = ["/", "/?tahun=2026&triwulan=4", "/peringkat/", "/peringkat/?urut=kekurangan",
             "/peringkat/?ukuran=nilai_kinerja", "/laporan/", own,
             own + "?rinci=kegiatan&akun=6", *early]  # fmt: skip
    if role == "bpkad":
        pages += ["/riwayat/", "/impor/", entry_url(opd, triwulan=3), "/admin/",
                  "/admin/budget/dpaline/", "/api/v1/docs/"]  # fmt: skip
    return pages


@pytest.mark.parametrize("role", ["bpkad", "kepala", "bendahara1"])
def test_every_page_fits_a_desk_and_a_phone_and_prints_numbers_the_indonesian_way(
    open_page, demo, role
):
    for device, options in (("desk", {}), ("phone", PHONE_OPTIONS)):
        page = open_page(**options)
        sign_in(page, role)
        page.wait_for_load_state()
        for path in role_pages(role):
            response = page.goto(path)
            assert response is not None, path
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            shoot(page, f"40-{role}-{device}-{name}")
            width = page.evaluate("window.innerWidth")
            scroll = page.evaluate(
                "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            )
            assert scroll <= width, f"{path} is {scroll} px wide on a {width} px {device}"
            if not path.startswith("/api/"):  # Swagger UI's own chrome is not ours to word
                text = page.locator("body").inner_text()
                assert ENGLISH_NUMBER.findall(text) == [], path


# --- Content-Security-Policy -------------------------------------------------------------------

# Every violation of the page's policy, reported by the browser as a DOM event, kept in the page.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_no_page_breaks_its_content_security_policy(page, demo):
    """The charts (plotly.js and our inline script), the ranking's auto-submitting picker, the
    entry page's totals, the import page and Swagger UI run under the policy: no violation and
    no console error (the `page` fixture fails on any)."""
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, "bpkad")
    expect(heading(page)).to_contain_text("Penyerapan anggaran")
    opd = treasurer_opd()
    visits = [
        ("/", ["fig-scurve", "fig-dist"]),
        (f"/opd/{opd.kode}/", ["fig-scurve", "fig-bars"]),
        ("/peringkat/", ["fig-rank"]),
        ("/peringatan/", []),
        ("/tren/", ["fig-tren"]),
        ("/kendala/?tahun=2026&triwulan=2", ["fig-pareto"]),
        (entry_url(opd), []),
        ("/impor/", []),
        ("/api/v1/docs/", []),
    ]
    for url, figures in visits:
        response = page.goto(url)
        assert response is not None
        script_src = re.search(r"script-src ([^;]*)", response.headers["content-security-policy"])
        assert script_src
        assert "'unsafe-inline'" not in script_src.group(1)
        if figures:
            wait_for_charts(page, *figures)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == [], url
    # The scripts did run: the import form hides the DPA-only fields for a realisasi file,
    # Swagger UI drew the API, and the ranking's picker submits itself.
    page.goto("/impor/")
    page.locator("[name=jenis]").select_option("realisasi")
    expect(page.locator(".dpa-only").first).to_be_hidden()
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Serapan API")
    page.goto("/peringkat/")
    page.locator("select[name=ukuran]").select_option("serapan")
    page.wait_for_url(re.compile(r"ukuran=serapan"))
    assert page.evaluate("window.__violations") == []
    shoot(page, "csp-ranking-serapan")
