#!/usr/bin/env python
"""After a locust run: was every accepted save kept? Compares the saves log the scenario
wrote (loadtest/locustfile.py) with the database.

    DATABASE_URL=postgres://... python loadtest/check_saves.py loadtest/results/saves.jsonl

The log has each POST of the entry page twice: the attempt (who, which quarter, the version
of the page it was made on, every box posted) before it was sent, and its answer (302 saved,
409 stale page, anything else refused) after. An attempt without an answer was in flight when
the run stopped: it may or may not have been saved.

Accepted writes to one quarter are serial: each is made on the version the previous one left
(the entry page refuses a stale version with 409), so two accepted writes made on the same
version would be a lost update, and the write made on the highest version is the last one.
For every quarter in the log:

- the database holds exactly the amounts of every box the last save posted (a blank box: no
  figure), and the report's version is the one that save left (+1);
- each save made on the version the save before it left posted that save's amounts in every
  box but the one it changed: no save wrote back a figure older than the one it replaced
  (what a page showing figures older than its version would do silently);
- BPKAD's workflow steps: the report is in the status of the last step (verified, draft,
  submitted) at the version it left (+1; a submit is a save and a submit, +2).

Exit status 0 when all agree, 1 when anything was lost, 2 on a bad log.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

Quarter = tuple[str, int, int]  # kode OPD, tahun, triwulan
STEP_LEAVES = {"verify": 1, "reopen": 1, "submit": 2}  # versions a step moves the report on


def read_log(path: Path) -> list[dict]:
    attempts: dict[str, dict] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            sys.exit(f"{path}:{n}: not JSON ({exc})")
        if entry["kind"] == "attempt":
            attempts[entry["id"]] = {**entry, "status": None}
        elif entry["kind"] == "answer":
            attempts[entry["id"]]["status"] = entry["status"]
    return list(attempts.values())


def by_quarter(attempts: list[dict], saves: bool) -> dict[Quarter, list[dict]]:
    out: dict[Quarter, list[dict]] = defaultdict(list)
    for a in attempts:
        if (a["action"] == "save") == saves:
            out[(a["opd"], a["tahun"], a["triwulan"])].append(a)
    return out


def lost_updates(quarter: Quarter, accepted: list[dict]) -> list[str]:
    made_on = Counter(a["version"] for a in accepted)
    return [
        f"{quarter}: {n} writes accepted on version {v} (a lost update)"
        for v, n in sorted(made_on.items())
        if n > 1
    ]


def last_write(attempts: list[dict], version: int, leaves: Callable[[dict], int]) -> dict | None:
    """The write that left the report at `version`: an accepted one, else one whose answer
    never came (in flight at the end of the run)."""
    for status in (302, None):
        found = [
            a for a in attempts if a["status"] == status and a["version"] + leaves(a) == version
        ]
        if found:
            return found[0]
    return None


def report_of(quarter: Quarter):
    from budget.models import QuarterReport

    kode, tahun, triwulan = quarter
    return QuarterReport.objects.filter(opd__kode=kode, tahun=tahun, triwulan=triwulan).first()


class SaveCheck:
    def __init__(self) -> None:
        from budget.money import parse_amount

        self.parse = parse_amount
        self.boxes = 0

    def amounts(self, attempt: dict) -> dict[str, Decimal | None]:
        return {k: self.parse(v) if v.strip() else None for k, v in attempt["boxes"].items()}

    def stale_pages(self, quarter: Quarter, accepted: list[dict]) -> list[str]:
        problems = []
        left_by = {a["version"] + 1: a for a in accepted}  # the version a save left -> save
        for save in accepted:
            before = left_by.get(save["version"])
            if before is None:
                continue  # made on a version no logged save left (the first, or after a gap)
            shown, previous = self.amounts(save), self.amounts(before)
            for box in sorted(set(shown) & set(previous) - {save["changed"]}):
                if shown[box] != previous[box]:
                    problems.append(
                        f"{quarter} {box}: the save made on version {save['version']} posted "
                        f"{shown[box]}, the save that left that version had stored "
                        f"{previous[box]} (a stale page overwrote it)"
                    )
        return problems

    def __call__(self, quarter: Quarter, attempts: list[dict]) -> list[str]:
        from budget.models import Realisasi

        accepted = [a for a in attempts if a["status"] == 302]
        problems = lost_updates(quarter, accepted) + self.stale_pages(quarter, accepted)
        if not accepted:
            return problems
        report = report_of(quarter)
        newest = max(a["version"] for a in accepted) + 1
        last = last_write(attempts, report.version, lambda a: 1) if report else None
        if report is None or last is None or report.version < newest:
            return [
                *problems,
                f"{quarter}: report version {report and report.version}; the accepted saves "
                f"left {newest} and no save logged left the version stored",
            ]
        expected = {int(k.removeprefix("line-")): v for k, v in self.amounts(last).items()}
        stored = dict(
            Realisasi.objects.filter(line_id__in=list(expected), triwulan=quarter[2]).values_list(
                "line_id", "jumlah"
            )
        )
        self.boxes += len(expected)
        for line_id, amount in sorted(expected.items()):
            if stored.get(line_id) != amount:
                problems.append(
                    f"{quarter} line {line_id}: the last save (on version {last['version']}) "
                    f"posted {amount}, the database holds {stored.get(line_id)}"
                )
        return problems


def check_steps(quarter: Quarter, attempts: list[dict]) -> list[str]:
    from budget.models import QuarterReport

    target = {
        "verify": QuarterReport.Status.VERIFIED,
        "reopen": QuarterReport.Status.DRAFT,
        "submit": QuarterReport.Status.SUBMITTED,
    }
    accepted = [a for a in attempts if a["status"] == 302]
    problems = lost_updates(quarter, accepted)
    if not accepted:
        return problems
    report = report_of(quarter)
    last = (
        last_write(attempts, report.version, lambda a: STEP_LEAVES[a["action"]]) if report else None
    )
    if report is None or last is None or report.status != target[last["action"]]:
        problems.append(
            f"{quarter}: report {report and (report.status, report.version)}, which no logged "
            f"step left (last accepted: {max(accepted, key=lambda a: a['version'])['action']})"
        )
    return problems


def summary(attempts: list[dict]) -> str:
    answers: Counter[Any] = Counter((a["action"] == "save", a["status"]) for a in attempts)
    saves = {s: n for (is_save, s), n in answers.items() if is_save}
    steps = {s: n for (is_save, s), n in answers.items() if not is_save}
    other = sum(n for s, n in saves.items() if s not in (302, 409, None))
    return (
        f"draft saves: {saves.get(302, 0)} accepted, {saves.get(409, 0)} refused as stale "
        f"(409), {other} refused otherwise, {saves.get(None, 0)} in flight at the end; "
        f"workflow steps: {steps.get(302, 0)} accepted, {steps.get(409, 0)} stale (409)"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    attempts = read_log(Path(argv[0]))
    import django

    django.setup()
    check = SaveCheck()
    problems: list[str] = []
    saves, steps = by_quarter(attempts, True), by_quarter(attempts, False)
    for quarter, tried in sorted(saves.items()):
        problems += check(quarter, tried)
    for quarter, tried in sorted(steps.items()):
        problems += check_steps(quarter, tried)
    print(summary(attempts))
    print(f"{len(saves)} quarters saved ({check.boxes} boxes compared), {len(steps)} stepped")
    for problem in problems:
        print(f"LOST: {problem}")
    if not any(a["status"] == 302 and a["action"] == "save" for a in attempts):
        print("no accepted save in the log: nothing was checked", file=sys.stderr)
        return 1
    if not problems:
        print("every accepted save and step is in the database")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
