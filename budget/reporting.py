"""Rendering absorption rows for the command line: JSON and CSV of the contract, a text table."""

import csv
import io
import json

from budget.money import format_number, format_percent
from budget.selectors import AbsorptionRow

CONTRACT_FIELDS = [
    "kode",
    "nama",
    "jenis",
    "pagu",
    "kas_kumulatif",
    "realisasi_kumulatif",
    "sisa",
    "serapan_persen",
    "kategori_serapan",
    "capaian_kas_persen",
    "kategori_capaian",
    "kategori_efisiensi",
]


def report_dict(*, tahun: int, triwulan: int, level: str, rows: list[AbsorptionRow]) -> dict:
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
    """Machine-readable: amounts and percentages with a decimal point, empty when undefined."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CONTRACT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        d = row.as_contract_dict()
        d["serapan_persen"] = "" if row.serapan_persen is None else str(row.serapan_persen)
        d["capaian_kas_persen"] = (
            "" if row.capaian_kas_persen is None else str(row.capaian_kas_persen)
        )
        writer.writerow({k: ("" if v is None else v) for k, v in d.items()})
    return out.getvalue()


def render_table(rows: list[AbsorptionRow], *, name_width: int = 40) -> str:
    """For people: Indonesian number formats, amounts in whole rupiah."""
    headers = [
        "Kode",
        "Nama",
        "Jenis",
        "Pagu",
        "Kas kum.",
        "Realisasi kum.",
        "Sisa",
        "Serapan",
        "Kategori serapan",
        "Capaian kas",
        "Kategori capaian",
    ]
    body = []
    for r in rows:
        nama = r.nama if len(r.nama) <= name_width else r.nama[: name_width - 1] + "…"
        body.append(
            [
                r.kode,
                nama,
                r.jenis,
                format_number(r.pagu),
                format_number(r.kas_kumulatif),
                format_number(r.realisasi_kumulatif),
                format_number(r.sisa),
                format_percent(r.serapan_persen),
                r.kategori_serapan or "—",
                format_percent(r.capaian_kas_persen),
                r.kategori_capaian or "—",
            ]
        )
    numeric = {3, 4, 5, 6, 7, 9}
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
