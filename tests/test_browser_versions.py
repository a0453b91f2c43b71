"""DPA versions in a real browser (tests/test_browser.py's Chromium and demo region): BPKAD
reads, for an OPD of the demo's revised year, both absorptions and what the DPPA changed line
by line, and the region's report of DPA changes; on a desk (1366 px) and a phone (390 px),
without sideways scrolling, the tables read as cards on the phone. Screenshots are saved
under screenshots/ (50-...)."""

import pytest
from playwright.sync_api import expect

from budget.demo import REVISED_YEAR
from tests import test_browser as tb
from tests.browser import horizontal_overflow, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The module's Chromium and demo region, as tests/test_browser.py makes them.
browser = tb.browser
demo_rows = tb.demo_rows
demo = tb.demo
open_page = tb.open_page

DESK = {"viewport": {"width": 1366, "height": 900}}
PERIOD = f"?tahun={REVISED_YEAR}&triwulan=4"
OPD = "1.03.0.00.0.00.01.0000"  # Dinas Pekerjaan Umum: the DPPA changed seven of its lines


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_bpkad_sees_murni_against_in_force_and_the_changes_line_by_line(open_page, device):
    page = open_page(**(DESK if device == "desk" else tb.PHONE_OPTIONS))
    tb.sign_in(page, "bpkad")
    page.goto(f"/opd/{OPD}/{PERIOD}#versi-dpa")
    section = page.locator("#versi-dpa")
    expect(section).to_contain_text("DPA murni vs berlaku")
    expect(section).to_contain_text(f"DPPA/{REVISED_YEAR}/BPKAD-SKM/014")
    expect(section).to_contain_text("Serapan terhadap pagu murni")
    expect(section.locator("table.changes tbody tr")).to_have_count(7)
    section.locator('select[name="ubah_kelas"]').select_option("rasionalisasi")
    section.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#versi-dpa table.changes tbody tr")).to_have_count(3)
    shoot(page, f"50-versi-dpa-opd-{device}")
    assert horizontal_overflow(page) == 0
    if device == "phone":
        cell = page.locator("#versi-dpa table.changes td[data-label]").first
        assert cell.evaluate("el => getComputedStyle(el).display") != "table-cell"

    page.goto(f"/laporan/perubahan-dpa/{PERIOD}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("DPA murni vs berlaku")
    expect(page.locator("table.opd-changes tbody tr").first).to_be_visible()
    shoot(page, f"50-versi-dpa-laporan-{device}")
    assert horizontal_overflow(page) == 0
