"""HTML to PDF through WeasyPrint (no JavaScript: charts are drawn in SVG by the templates).

WeasyPrint is imported when a PDF is asked for, not when the site starts: a server without
Pango still serves every page, and only the PDF downloads fail.
"""

from collections.abc import Callable, Sequence

from django.conf import settings

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
