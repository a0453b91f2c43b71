"""The category palette, keyed by band rank (1 the best outcome … 5 the worst): one table for
the charts, the PDF bars and, through `css_variables`, every stylesheet (`--k1` … `--k5`,
`--k0` for no category)."""

from django.utils.safestring import SafeString, mark_safe

RANK_COLOURS: dict[int, str] = {
    1: "#166534",
    2: "#16a34a",
    3: "#ca8a04",
    4: "#ea580c",
    5: "#dc2626",
}
NO_RANK_COLOUR = "#9ca3af"


def rank_colour(rank: int | None) -> str:
    return RANK_COLOURS.get(rank, NO_RANK_COLOUR) if rank is not None else NO_RANK_COLOUR


def css_variables() -> SafeString:
    """`:root { --k1: #166534; … --k0: #9ca3af; }` for a page's or a PDF's <style>."""
    pairs = [f"--k{rank}: {colour};" for rank, colour in RANK_COLOURS.items()]
    pairs.append(f"--k0: {NO_RANK_COLOUR};")
    return mark_safe(":root { " + " ".join(pairs) + " }")  # noqa: S308 (constants only)
