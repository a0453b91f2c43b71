"""The dashboard in a real browser: Debian's Chromium driven through Playwright, against
pytest-django's live server with the demo region (Kabupaten Sukamaju) loaded.

The live server answers from its own thread and database connection, so the demo must be
committed: these are transactional tests, and the database is flushed after each of them
(`serialized_rollback` brings back what the migrations wrote, the default criteria bands).
`seed_demo` runs once for the module; each test gets its rows back by COPY.

Every page visited is saved, full page, under screenshots/ at the project root.
"""

import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from budget.demo import DEMO_PASSWORD, REGION_KODE, REGION_NAMA
from budget.models import Opd, Region
from budget.selectors import absorption, opd_ranking
from dashboard.templatetags.serapan import miliar, persen
from tests.browser import (
    DESKTOP,
    PHONE,
    TableSnapshot,
    horizontal_overflow,
    launch_chromium,
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
    """One Chromium for the whole module.

    Playwright's sync API keeps an asyncio loop in the test thread, which trips Django's
    async-unsafe guard on every query the tests (and their database set-up) run; there is no
    real concurrency here, the loop only waits on the browser.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = launch_chromium(playwright)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


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


def _open_page(browser, base_url: str, **context_options):
    context = browser.new_context(base_url=base_url, locale="id-ID", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return context, page, errors


@pytest.fixture
def page(browser, demo):
    """A desktop-sized page in a fresh context (no cookies); fails on any script error."""
    context, page, errors = _open_page(browser, demo, viewport=DESKTOP)
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def phone(browser, demo):
    """A phone-sized page (390×844, touch, honours the viewport meta tag)."""
    context, page, errors = _open_page(
        browser, demo, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page
    context.close()
    assert errors == []


def sign_in(page, username: str = "kepala", password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
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
    expect(page.locator('[data-figure="fig-scurve"] .scatterlayer .trace')).to_have_count(2)
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

    page.get_by_label("Urut menurut").select_option("serapan")
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
    expect(table_rows.first.locator("td").nth(1)).to_have_text(ranked[0].row.nama)
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
    # The wide OPD table scrolls inside its own container, not the page.
    container = phone.locator("#opd .scroll").bounding_box()
    assert container["x"] + container["width"] <= width
    assert phone.locator("#opd .scroll").evaluate("el => el.scrollWidth > el.clientWidth")
    for card in belanja_cards(phone).all():
        box = card.bounding_box()
        assert box["x"] + box["width"] <= width
    shoot(phone, "11-overview-phone")

    # The ranking's bar chart keeps its names readable: it scrolls inside its panel.
    phone.get_by_role("link", name="Peringkat OPD").click()
    wait_for_charts(phone, "fig-rank")
    assert horizontal_overflow(phone) == 0
    panel = phone.locator('.panel:has([data-figure="fig-rank"])')
    assert panel.evaluate("el => el.scrollWidth > el.clientWidth")
    shoot(phone, "12-ranking-phone")


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
