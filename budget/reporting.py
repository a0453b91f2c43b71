"""Rendering absorption rows for the command line: JSON and CSV of the contract, a text table."""

import csv
import io
import json
from typing import Any

from budget.kinerja import COLUMNS as KINERJA_COLUMNS
from budget.kinerja import CONTRACT_KEYS as KINERJA_CONTRACT_KEYS
from budget.kinerja import Column, KinerjaReport
from budget.measures import AMOUNT_BY_KEY, MEASURES
from budget.money import format_number, format_percent, format_rupiah
from budget.selectors import CONTRACT_FIELDS, AbsorptionRow
from budget.spreadsheet import spreadsheet_safe

CSV_FIELDS = ["kode", "nama", "jenis", *CONTRACT_FIELDS]


def report_dict(
    *, tahun: int, triwulan: int, level: str, rows: list[AbsorptionRow]
) -> dict[str, Any]:
    return {
        "tahun": tahun,
        "triwulan": triwulan,
        "level": level,
        "rows": [row.as_contract_dict() for row in rows],
    }


def render_json(*, tahun: int, triwulan: int, level: str, rows: list[AbsorptionRow]) -> str:
    return json.dumps(
        report_dict(tahun=tahun, triwulan=triwulan, level=level, rows=rows),
        ensure_ascii=False,
        indent=2,
    )


def render_csv(rows: list[AbsorptionRow]) -> str:
    """Machine-readable: amounts and percentages with a decimal point, empty when undefined;
    text that a spreadsheet would take for a formula gets a leading `'` (numbers never do)."""
    lines = [_csv_line(CSV_FIELDS)]
    for row in rows:
        # Percentages as the exact two-place Decimal text, not the JSON float.
        values = (getattr(row, name) for name in CSV_FIELDS)
        lines.append(_csv_line(["" if v is None else str(spreadsheet_safe(v)) for v in values]))
    return "".join(lines)


def _csv_line(values: list[str]) -> str:
    """One record ending in `\n`. Written with `\r\n` and trimmed: the csv module quotes a
    field holding a character of its line terminator only, and a name with a carriage return
    left unquoted would split its row in two."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().removesuffix("\r\n") + "\n"


TABLE_AMOUNTS = ("pagu", "kas_kumulatif", "realisasi_kumulatif", "sisa")
TABLE_MEASURES = tuple(m for m in MEASURES if m.in_tables)


def render_table(rows: list[AbsorptionRow], *, name_width: int = 40) -> str:
    """For people: Indonesian number formats, amounts in whole rupiah."""
    headers = ["Kode", "Nama", "Jenis"]
    headers += [str(AMOUNT_BY_KEY[key].label) for key in TABLE_AMOUNTS]
    for m in TABLE_MEASURES:
        headers.append(str(m.column))
        if m.category:
            headers.append(str(m.category_column))
    body = []
    for r in rows:
        nama = r.nama if len(r.nama) <= name_width else r.nama[: name_width - 1] + "…"
        cells = [r.kode, nama, r.jenis]
        cells += [format_number(getattr(r, key)) for key in TABLE_AMOUNTS]
        for m in TABLE_MEASURES:
            value = r.measure(m.key)
            cells.append(format_percent(value.persen if value else None))
            if m.category:
                cells.append((value.label if value else None) or "—")
        body.append(cells)
    numeric = {i for i, h in enumerate(headers) if i >= 3 and not h.startswith("Kategori")}
    return text_table(headers, body, numeric)


def text_table(headers: list[str], body: list[list[str]], numeric: set[int]) -> str:
    """Columns padded to their widest cell, the `numeric` ones right-aligned, a rule under
    the header."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *body, strict=True)]
    lines = []
    for i, cells in enumerate([headers, *body]):
        lines.append(
            "  ".join(
                str(c).rjust(w) if j in numeric else str(c).ljust(w)
                for j, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


# --- early warning (kinerja_report) ---------------------------------------------------------


def render_kinerja_json(report: KinerjaReport) -> str:
    return json.dumps(report.as_contract_dict(), ensure_ascii=False, indent=2)


def render_kinerja_csv(report: KinerjaReport) -> str:
    """The contract's keys and the rest of each row, machine-readable as `render_csv`; the
    kendala joined by `;`."""
    rows = [row.as_contract_dict() for row in report.rows]
    fields = list(rows[0]) if rows else list(KINERJA_CONTRACT_KEYS)
    lines = [_csv_line(fields)]
    for row in rows:
        cells = []
        for name in fields:
            value = row[name]
            if isinstance(value, list):
                value = ";".join(value)
            cells.append("" if value is None else str(spreadsheet_safe(value)))
        lines.append(_csv_line(cells))
    return "".join(lines)


def kinerja_cell(row: Any, column: Column) -> str:
    """A figure of an early-warning row in Indonesian formats, a dash when undefined."""
    value = getattr(row, column.key)
    if column.kind == "text":
        return str(value)
    if column.kind == "band":
        return value.label if value is not None else "—"
    if column.kind == "money":
        return format_rupiah(value)
    if column.kind == "persen":
        return format_percent(value)
    if column.kind == "nilai":
        return "—" if value is None else format_number(value, decimals=2)
    return str(value)


def render_kinerja_table(report: KinerjaReport, *, name_width: int = 32) -> str:
    headers = [str(c.label) for c in KINERJA_COLUMNS]
    body = []
    for row in report.rows:
        cells = [kinerja_cell(row, c) for c in KINERJA_COLUMNS]
        nama = cells[1]
        cells[1] = nama if len(nama) <= name_width else nama[: name_width - 1] + "…"
        body.append(cells)
    numeric = {i for i, c in enumerate(KINERJA_COLUMNS) if c.kind not in ("text", "band")}
    return text_table(headers, body, numeric)
