"""Realisasi fisik (physical progress): the rules, the weighting and the gap flags.

A sub kegiatan's figure is the cumulative percent of its physical work done by the end of a
quarter (0 to 100), reported by the OPD with its quarterly realisasi and stored in
`RealisasiFisik`; the writes go through budget.workflow (`fisik_write`), under the locks of
the realisasi. This module holds what does not write: parsing a percent, the rules every
figure obeys, the OPD's weighted progress, the flag when money and work part, and the score
the nilai kinerja counts.

- **Weights.** An OPD's physical progress is the mean of its sub kegiatan's, each weighed by
  its belanja pagu in force (the sum of the pagu of its DPA lines, after any DPPA), over every
  sub kegiatan with belanja in the DPA of the year: one not reported counts 0 (work not
  reported is not counted as done, as realisasi not reported is not counted as spent), so the
  physical and the financial figures stand on the same pagu. A quarter without a figure of
  its own takes the sub kegiatan's latest earlier one (the figure is cumulative). Undefined
  (None) until the OPD reports a first figure, or when its belanja pagu is zero.
- **The gap.** Financial progress is the serapan of belanja (realisasi kumulatif ÷ pagu × 100)
  on the same pagu; when it runs more than GAP_LIMIT points ahead of the physical progress the
  flag is *pembayaran mendahului progres* (paid before the work is done), more than GAP_LIMIT
  behind it *tagihan tertunda* (work done, not yet billed). Exactly 20 points is not flagged.
- **The score** (nilai kinerja, weight `Region.bobot_fisik`): the physical progress against the
  progress the cash plan implies (anggaran kas kumulatif ÷ pagu × 100), capped at 100; a plan
  that expects nothing yet is met by any progress (100).

Exact `Decimal` throughout (50 significant digits for the divisions); rounded for display only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import NamedTuple

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.codes import Jenis
from budget.money import format_percent, non_ascii_digit, non_ascii_digit_message
from budget.quarters import QUARTERS, check_triwulan, tw_label

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PERSEN_PLACES = Decimal("0.01")
# Money and work may part by this many points before the page flags it (DESIGN §5).
GAP_LIMIT = Decimal(20)

# The flags, as the JSON spells them, and their labels.
AHEAD = "pembayaran_mendahului_progres"
BEHIND = "tagihan_tertunda"
GAP_LABELS = {
    AHEAD: gettext_lazy("Payment ahead of progress"),
    BEHIND: gettext_lazy("Billing behind progress"),
}


# --- one figure ---------------------------------------------------------------------------------


class PercentError(ValueError):
    """A physical progress that cannot be read; the message says why (in the UI language)."""


_PERCENT = re.compile(r"^\d{1,3}([.,]\d{1,2})?$", re.ASCII)


def parse_percent(raw: object) -> Decimal:
    """A percent from 0 to 100 with at most two decimals: `45`, `45.5`, `45,50`, `45,5%`
    (a spreadsheet's number cell arrives as its text, `45.0` too)."""
    text = str(raw).strip().removesuffix("%").strip()
    if (char := non_ascii_digit(text)) is not None:
        raise PercentError(non_ascii_digit_message(str(raw), char))
    if text.endswith(".0") and _PERCENT.fullmatch(text[:-2]):
        text = text[:-2]
    if not text:
        raise PercentError(_("empty"))
    if text.startswith("-"):
        raise PercentError(_("%(raw)r is negative; physical progress is 0 to 100") % {"raw": raw})
    if not _PERCENT.fullmatch(text):
        raise PercentError(
            _("%(raw)r is not a percentage from 0 to 100 with at most two decimals (e.g. 45,5)")
            % {"raw": raw}
        )
    value = Decimal(text.replace(",", "."))
    if value > HUNDRED:
        raise PercentError(
            _("%(raw)r is above 100; physical progress is at most 100%%") % {"raw": raw}
        )
    return value.quantize(PERSEN_PLACES)


FisikKey = tuple[int, int, int, int]  # (opd id, sub kegiatan id, tahun, triwulan)


class FisikFigure(NamedTuple):
    """A sub kegiatan's cumulative physical progress at the end of a quarter, as someone asks
    for it to be stored. `persen` None is a box left blank (refused where one is stored);
    `alasan` the reason for a decrease (kept whatever the figure)."""

    opd_id: int
    sub_kegiatan_id: int
    tahun: int
    triwulan: int
    persen: Decimal | None
    alasan: str = ""

    @property
    def key(self) -> FisikKey:
        return (self.opd_id, self.sub_kegiatan_id, self.tahun, self.triwulan)


class Stored(NamedTuple):
    persen: Decimal
    alasan: str


def fisik_refusals(
    *, stored: Mapping[FisikKey, Stored], figures: Iterable[FisikFigure]
) -> dict[FisikKey, str]:
    """The rules every figure obeys, wherever it comes from: a blank where a figure is stored
    is refused (a figure is never removed by leaving a box empty), a figure is 0 to 100, and,
    the figure being cumulative, one below the sub kegiatan's previous reported quarter needs
    a reason: the figure that falls gives it, and a figure written above a later one that
    gives none is refused too (the later one would then fall without a reason)."""
    errors: dict[FisikKey, str] = {}
    after: dict[FisikKey, Stored] = dict(stored)
    written: set[FisikKey] = set()
    for f in figures:
        if f.persen is None:
            if f.key in stored:
                errors[f.key] = _("the physical progress is empty; enter the percent done")
            continue
        if not ZERO <= f.persen <= HUNDRED:
            errors[f.key] = _("physical progress is 0 to 100")
            continue
        after[f.key] = Stored(f.persen, (f.alasan or "").strip())
        written.add(f.key)
    by_sub: dict[tuple[int, int, int], list[int]] = {}
    for opd_id, sub_id, tahun, tw in after:
        by_sub.setdefault((opd_id, sub_id, tahun), []).append(tw)
    touched = {(k[0], k[1], k[2]) for k in written}
    for sub in sorted(touched):
        quarters = sorted(by_sub[sub])
        for earlier, later in zip(quarters, quarters[1:], strict=False):
            e, lt = after[(*sub, earlier)], after[(*sub, later)]
            if lt.persen >= e.persen or lt.alasan:
                continue
            if (*sub, later) in written:
                errors.setdefault(
                    (*sub, later),
                    _(
                        "%(now)s is below the %(before)s of %(tw)s: physical progress is "
                        "cumulative; give the reason for the decrease"
                    )
                    % {
                        "now": format_percent(lt.persen),
                        "before": format_percent(e.persen),
                        "tw": tw_label(earlier),
                    },
                )
            else:
                errors.setdefault(
                    (*sub, earlier),
                    _(
                        "%(now)s is above the %(after)s already reported for %(tw)s, which "
                        "gives no reason for a decrease"
                    )
                    % {
                        "now": format_percent(e.persen),
                        "after": format_percent(lt.persen),
                        "tw": tw_label(later),
                    },
                )
    return errors


# --- the measures, pure -------------------------------------------------------------------------


def gap_flag(serapan: Decimal | None, fisik: Decimal | None) -> str | None:
    """AHEAD when money runs more than GAP_LIMIT points ahead of the work, BEHIND when it runs
    more than GAP_LIMIT behind, None within the limit or when either is undefined."""
    if serapan is None or fisik is None:
        return None
    gap = serapan - fisik
    if gap > GAP_LIMIT:
        return AHEAD
    if gap < -GAP_LIMIT:
        return BEHIND
    return None


def rencana_fisik(kas_kumulatif: Decimal, pagu: Decimal) -> Decimal | None:
    """The physical progress the cash plan implies: anggaran kas kumulatif ÷ pagu × 100."""
    if not pagu:
        return None
    with localcontext(prec=50):
        return kas_kumulatif * 100 / pagu


def nilai_fisik(fisik: Decimal | None, rencana: Decimal | None) -> Decimal | None:
    """min(100, fisik ÷ rencana × 100); 100 when the plan expects nothing yet."""
    if fisik is None or rencana is None:
        return None
    if rencana == 0:
        return HUNDRED
    with localcontext(prec=50):
        return min(HUNDRED, fisik * 100 / rencana)


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FisikProgress:
    """An OPD's physical progress in a year: its belanja pagu (the weights), how many sub
    kegiatan carry it, and per quarter (through the one asked) the pagu-weighted progress and
    how many sub kegiatan had reported by then."""

    kode: str  # the OPD's
    pagu: Decimal
    n_sub: int
    persen: tuple[Decimal | None, ...]  # quarters 1..4, None after the quarter asked
    reported: tuple[int, ...]

    def at(self, triwulan: int) -> Decimal | None:
        return self.persen[check_triwulan(triwulan) - 1]

    def reported_at(self, triwulan: int) -> int:
        return self.reported[check_triwulan(triwulan) - 1]

    def path(self) -> list[tuple[int, Decimal]]:
        """(quarter, percent) of every quarter with a figure: the S-curve's physical line."""
        return [(q, p) for q, p in zip(QUARTERS, self.persen, strict=True) if p is not None]


_PROGRESS_SQL = """
WITH pagu AS (
    SELECT opd_id, sub_kegiatan_id, pagu
    FROM budget_subkegiatanrollup
    WHERE region_id = %(region)s AND tahun = %(tahun)s AND jenis = %(belanja)s
        AND n_lines > 0 {only}
), fisik AS (
    SELECT opd_id, sub_kegiatan_id, triwulan, persen
    FROM budget_realisasifisik
    WHERE region_id = %(region)s AND tahun = %(tahun)s AND triwulan <= %(triwulan)s {only}
)
SELECT p.opd_id, opd.kode, q.q, SUM(p.pagu), SUM(p.pagu * COALESCE(latest.persen, 0)),
       COUNT(*), COUNT(latest.persen)
FROM pagu p
JOIN (SELECT DISTINCT opd_id FROM fisik) reporting ON reporting.opd_id = p.opd_id
JOIN budget_opd opd ON opd.id = p.opd_id
CROSS JOIN generate_series(1, %(triwulan)s) AS q(q)
LEFT JOIN LATERAL (
    SELECT f.persen FROM fisik f
    WHERE f.opd_id = p.opd_id AND f.sub_kegiatan_id = p.sub_kegiatan_id AND f.triwulan <= q.q
    ORDER BY f.triwulan DESC LIMIT 1
) latest ON TRUE
GROUP BY p.opd_id, opd.kode, q.q
"""


def fisik_by_opd(
    *, region_id: int, tahun: int, triwulan: int = 4, opd_id: int | None = None
) -> dict[int, FisikProgress]:
    """The physical progress of every OPD of the region that has reported any through
    `triwulan` (or of one), weighed as the module says. One query, summed by PostgreSQL:
    the sub kegiatan's belanja pagu read from their roll-up (`SubKegiatanRollup`, the sum
    of their lines' pagu, kept exact in every write's transaction), not from the lines; the
    division is exact Decimal here."""
    check_triwulan(triwulan)
    params: dict[str, int | str | None] = {
        "region": region_id,
        "tahun": tahun,
        "triwulan": triwulan,
        "belanja": Jenis.BELANJA.value,
        "opd": opd_id,
    }
    sql = _PROGRESS_SQL.format(only="AND opd_id = %(opd)s" if opd_id is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    sums: dict[int, dict[int, tuple[Decimal, Decimal, int, int]]] = {}
    kodes: dict[int, str] = {}
    for opd, kode, q, pagu, weighted, n_sub, n_reported in rows:
        sums.setdefault(opd, {})[q] = (pagu, weighted, n_sub, n_reported)
        kodes[opd] = kode
    out: dict[int, FisikProgress] = {}
    with localcontext(prec=50):
        for opd, by_q in sums.items():
            pagu, _w, n_sub, _n = next(iter(by_q.values()))
            persen: list[Decimal | None] = []
            reported: list[int] = []
            for q in QUARTERS:
                _p, weighted, _s, n_reported = by_q.get(q, (pagu, ZERO, n_sub, 0))
                reported.append(n_reported)
                persen.append(weighted / pagu if pagu and n_reported else None)
            out[opd] = FisikProgress(
                kode=kodes[opd],
                pagu=pagu,
                n_sub=n_sub,
                persen=tuple(persen),
                reported=tuple(reported),
            )
    return out


@dataclass(frozen=True)
class FisikEntryRow:
    """A sub kegiatan on the entry page: its belanja pagu and serapan through the quarter, its
    figure before the quarter (the latest earlier one), in it (None: not yet), its reason, and
    the first later figure (only after a reopen)."""

    sub_kegiatan_id: int
    kode: str
    nama: str
    pagu: Decimal
    realisasi_kumulatif: Decimal
    sebelumnya: Decimal | None
    sekarang: Decimal | None
    alasan: str
    sesudahnya: Decimal | None

    @property
    def serapan(self) -> Decimal | None:
        if not self.pagu:
            return None
        with localcontext(prec=50):
            return self.realisasi_kumulatif * 100 / self.pagu

    @property
    def flag(self) -> str | None:
        return gap_flag(self.serapan, self.sekarang)

    @property
    def flag_label(self) -> str:
        return str(GAP_LABELS[self.flag]) if self.flag else ""


def fisik_entry_rows(*, opd_id: int, tahun: int, triwulan: int, lines: Iterable) -> list:
    """One row per sub kegiatan of the OPD's belanja, from the entry page's lines
    (`budget.workflow.EntryLine`, already read: their pagu and realisasi) and the OPD's stored
    figures of the year (one query). In order of sub kegiatan code."""
    from budget.models import RealisasiFisik

    check_triwulan(triwulan)
    stored: dict[int, dict[int, Stored]] = {}
    for sub_id, tw, persen, alasan in RealisasiFisik.objects.filter(
        opd_id=opd_id, tahun=tahun
    ).values_list("sub_kegiatan_id", "triwulan", "persen", "alasan"):
        stored.setdefault(sub_id, {})[tw] = Stored(persen, alasan)
    subs: dict[int, dict] = {}
    for item in lines:
        line = item.line
        if line.jenis != Jenis.BELANJA.value or line.sub_kegiatan is None:
            continue
        s = subs.setdefault(
            line.sub_kegiatan_id, {"sub": line.sub_kegiatan, "pagu": ZERO, "real": ZERO}
        )
        s["pagu"] += line.pagu
        s["real"] += item.sebelumnya + (item.sekarang or ZERO)
    rows = []
    for sub_id, s in sorted(subs.items(), key=lambda kv: kv[1]["sub"].kode):
        figures = stored.get(sub_id, {})
        before = [figures[q].persen for q in range(1, triwulan) if q in figures]
        later = [figures[q].persen for q in range(triwulan + 1, 5) if q in figures]
        now = figures.get(triwulan)
        rows.append(
            FisikEntryRow(
                sub_kegiatan_id=sub_id,
                kode=s["sub"].kode,
                nama=s["sub"].nama,
                pagu=s["pagu"],
                realisasi_kumulatif=s["real"],
                sebelumnya=before[-1] if before else None,
                sekarang=now.persen if now else None,
                alasan=now.alasan if now else "",
                sesudahnya=later[0] if later else None,
            )
        )
    return rows
