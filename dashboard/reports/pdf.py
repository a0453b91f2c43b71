"""HTML to PDF through WeasyPrint (no JavaScript: charts are drawn in SVG by the templates).

WeasyPrint is imported when a PDF is asked for, not when the site starts: a server without
Pango still serves every page, and only the PDF downloads fail.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from dashboard.reports.lra import LraReport, RegionBook

# Tried in order until the page fits on one sheet; the last one is kept whatever its length.
DENSITIES = ("normal", "compact", "dense", "tiny", "micro")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def one_page_pdf(render: Callable[[str], str], densities: Sequence[str] = DENSITIES) -> bytes:
    """`render(density)` gives the HTML at a density; the first that lays out on one page is
    printed (a region with many OPDs or long obstacle lists gets a smaller type)."""
    from weasyprint import HTML

    document = None
    for density in densities:
        document = HTML(string=render(density), base_url=str(settings.BASE_DIR)).render()
        if len(document.pages) == 1:
            break
    if document is None:
        raise ValueError("one_page_pdf needs at least one density")
    return document.write_pdf()


def lra_html(report: LraReport) -> str:
    """The LRA report's HTML: the same for an OPD printed alone and for its part of the
    region's PDF, so that both print the same pages."""
    return render_to_string("reports/lra.html", {"report": report})


def lra_pdf(report: LraReport) -> bytes:
    return html_to_pdf(lra_html(report))


def region_pdf(book: RegionBook, *, done: Callable[[int, int], None] | None = None) -> bytes:
    """The region's recapitulation, then each OPD's report, as one PDF.

    Each part is laid out as a document of its own and their pages are put one after the
    other: an OPD's pages are exactly those of `?opd=<kode>` (its own page count in the
    footer, its own heading in the outline), and one OPD is laid out at a time instead of a
    table of every line of the region. `done(k, n)` is told after each of the n OPDs."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()  # fonts found and loaded once for every part

    def render(report: LraReport) -> Any:
        return HTML(string=lra_html(report), base_url=str(settings.BASE_DIR)).render(
            font_config=fonts
        )

    documents = [render(book.recap)]
    total = len(book.opds)
    if done is not None:
        done(0, total)
    for k, report in enumerate(book.opd_reports(), start=1):
        documents.append(render(report))
        if done is not None:
            done(k, total)
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
