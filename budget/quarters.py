"""The four quarters (triwulan) of a fiscal year and their labels, written once."""

QUARTERS = (1, 2, 3, 4)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def check_triwulan(triwulan: int) -> int:
    if triwulan not in QUARTERS:
        raise ValueError(f"triwulan must be 1, 2, 3 or 4, got {triwulan!r}")
    return triwulan


def tw_label(triwulan: int, *, nbsp: bool = False) -> str:
    """`TW III`; with `nbsp`, a no-break space so that TW and its numeral never part."""
    return ("TW\u00a0" if nbsp else "TW ") + ROMAN[triwulan]


QUARTER_LABELS = tuple(tw_label(q) for q in QUARTERS)
