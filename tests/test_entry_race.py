"""The entry page never pairs figures with a version newer than they are.

Found by the load scenario (loadtest/): the page read the figures, then the report's version, in
two statements. A save committed between the two gave a page showing the figures from before
that save under the version after it; saving that page wrote the old figures back over the
other person's, silently (or, where their box had been blank, was refused with "jumlah
kosong"). The page now reads the version first: a save landing between the reads makes the
page stale, and saving it is refused with 409 like any other stale page.
"""

from decimal import Decimal

import pytest
from django.test import Client

from budget.models import QuarterReport, Realisasi
from budget.roles import actor_for
from budget.workflow import realisasi_save
from dashboard import entry
from tests.factories import DpaLineFactory

pytestmark = pytest.mark.django_db

YEAR, TW = 2026, 4
D = Decimal


@pytest.fixture
def line(treasurer_opd):
    return DpaLineFactory.create(
        region=treasurer_opd.region, opd=treasurer_opd, tahun=YEAR, pagu=D("10000000.00")
    )


def test_a_save_committed_while_the_page_is_read_makes_the_page_stale(
    treasurer, treasurer_opd, line, monkeypatch
):
    actor = actor_for(treasurer)
    quarter = {"opd": treasurer_opd, "tahun": YEAR, "triwulan": TW}
    first = realisasi_save(actor=actor, **quarter, amounts={line.pk: D("100")}, version=0)

    # A colleague saves while this page is between its two reads, whichever comes first.
    reads = {"entry_lines": entry.entry_lines, "report_get": entry.report_get}
    colleague: list[int] = []

    def between_reads(name):
        def read(**kwargs):
            result = reads[name](**kwargs)
            if not colleague:
                saved = realisasi_save(
                    actor=actor, **quarter, amounts={line.pk: D("200")}, version=first.version
                )
                colleague.append(saved.version)
            return result

        return read

    for name in reads:
        monkeypatch.setattr(entry, name, between_reads(name))
    client = Client()
    client.force_login(treasurer)
    url = f"/opd/{treasurer_opd.kode}/realisasi/{YEAR}/{TW}/"
    page = client.get(url)
    assert page.status_code == 200
    assert colleague, "the colleague's save did not happen between the reads"
    monkeypatch.undo()

    # Save the page as it was shown, box for box.
    shown_version = page.context["version"]
    (row,) = page.context["rows"]
    response = client.post(
        url, {"action": "save", "version": shown_version, f"line-{line.pk}": row["value"]}
    )

    assert response.status_code == 409
    assert Realisasi.objects.get(line=line, triwulan=TW).jumlah == D("200.00")
    report = QuarterReport.objects.get(opd=treasurer_opd, tahun=YEAR, triwulan=TW)
    assert report.version == colleague[0]
