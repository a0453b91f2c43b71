"""Web import (/impor/): upload, preview, confirm. The same importers as the commands run
underneath: the preview is a dry run (nothing written), the confirmation runs them for real on
the same file. Refusals carry the importers' own messages (row, column, reason).

An uploaded file waits in IMPORT_UPLOAD_DIR between preview and confirmation, under a random
name known only to the session that uploaded it, for at most an hour.

A file of SERAPAN_IMPORT_TASK_ROWS rows or more is checked and written by the background
worker instead (dashboard/tasks.py): it waits in its job's row in the database, the page
follows the job's progress (/tugas/<id>/), and the confirmation is the job's next step, which
only its uploader can take, once.
"""

import hashlib
import json
import re
import secrets
import time
import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pghistory
from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from budget.codes import Jenis
from budget.importing import ImportRefused, read_table
from budget.importing.columns import DPA, FISIK, REALISASI, columns, names
from budget.importing.dpa import import_dpa
from budget.importing.fisik import import_fisik
from budget.importing.reading import XLSX_MAGIC, Table
from budget.importing.realisasi import import_realisasi
from budget.models import DpaLine, Realisasi, Region, SumberDana
from budget.roles import Actor, actor_for, can_import_dpa, can_import_realisasi
from budget.selectors import region_for
from budget.versions import VersionInfo
from budget.workflow import next_to_report
from dashboard.tasks import import_job
from jobs.models import Job
from jobs.services import job_start

MAX_UPLOAD = 20 * 1024 * 1024
KEEP_SECONDS = 60 * 60
PREVIEW_ROWS = 200
KINDS = {
    "dpa": _("DPA (pagu and cash plan)"),
    "realisasi": _("Quarterly realisasi"),
    "fisik": _("Realisasi fisik (physical progress)"),
}


class UploadForm(forms.Form):
    jenis = forms.ChoiceField(label=_("File type"), choices=list(KINDS.items()))
    berkas = forms.FileField(label=_("File (UTF-8 CSV or XLSX)"))
    # Which DPA document the file is (budget.versions); it decides the murni pagu too.
    versi = forms.ChoiceField(
        label=_("DPA document"),
        required=False,
        choices=[
            ("", _("Not said (DPA murni for a new year, else pergeseran)")),
            ("murni", _("DPA murni (original; a correction changes the original pagu too)")),
            ("perubahan", _("DPPA after the APBD-Perubahan (new lines: original pagu 0)")),
            ("pergeseran", _("Pergeseran (shift between accounts; new lines: original pagu 0)")),
        ],
    )
    nomor = forms.CharField(label=_("Document number"), required=False, max_length=120)
    tanggal = forms.DateField(
        label=_("In force from"),
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Default: 1 January for a DPA murni, today for the others."),
    )
    keterangan = forms.CharField(label=_("Note"), required=False, max_length=500)
    nama_pemda = forms.CharField(
        label=_("Name of the local government (first import only)"), required=False, max_length=200
    )
    # Shown for a DPA file only (static/js/import.js).
    dpa_only = ("versi", "nomor", "tanggal", "keterangan", "nama_pemda")

    def clean_berkas(self):
        f = self.cleaned_data["berkas"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(gettext("The file is larger than 20 MB."))
        return f


def _upload_dir() -> Path:
    folder = Path(getattr(settings, "IMPORT_UPLOAD_DIR", settings.BASE_DIR / ".data" / "uploads"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _purge_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.glob("*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _store(request: HttpRequest, data: bytes, meta: dict) -> str:
    folder = _upload_dir()
    _purge_old(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(meta))
    request.session.setdefault("imports", [])
    request.session["imports"] = [*request.session["imports"][-9:], token]
    return token


def _load(request: HttpRequest, token: str) -> tuple[bytes, dict]:
    if token not in request.session.get("imports", []):
        raise Http404
    folder = _upload_dir()
    try:
        data = (folder / f"{token}.bin").read_bytes()
        meta = json.loads((folder / f"{token}.json").read_text())
    except (OSError, ValueError):
        raise Http404 from None
    if meta.get("user") != request.user.pk or hashlib.sha256(data).hexdigest() != meta.get(
        "sha256"
    ):
        raise Http404
    return data, meta


def estimated_rows(data: bytes) -> int:
    """The rows of a file, counted cheaply to choose between checking it now and in the
    worker: a CSV's lines, an XLSX's sheet dimension (or its size when it has none)."""
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(0, lines - 1)


def _xlsx_rows(data: bytes) -> int:
    try:
        with zipfile.ZipFile(BytesIO(data)) as book:
            sheets = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
            if not sheets:
                return 0
            with book.open(sheets[0]) as sheet:
                head = sheet.read(4096)
            size = book.getinfo(sheets[0]).file_size
    except (zipfile.BadZipFile, KeyError, OSError):
        return 0  # read_table refuses it, with its reason, right away
    found = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    # Without a dimension: about 100 bytes of sheet XML per cell row of our 16 columns.
    return int(found.group(1)) - 1 if found else size // 1600


def _discard(token: str) -> None:
    folder = _upload_dir()
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _run(actor: Actor, region: Region | None, data: bytes, meta: dict, *, dry_run: bool):
    return run_import(
        actor, region, read_table(BytesIO(data), name=meta["name"]), meta, dry_run=dry_run
    )


def run_import(actor: Actor, region: Region | None, table: Table, meta: dict, *, dry_run: bool):
    """The importer the file's kind names, with the options chosen on the upload form."""
    if meta["jenis"] == "dpa":
        return import_dpa(
            table=table,
            region_kode=region.kode if region else None,
            region_nama=meta.get("nama_pemda") or None,
            # A file uploaded before versions were recorded names its `tahap` only.
            tahap=None if meta.get("versi") else (meta.get("tahap") or None),
            versi=VersionInfo(
                jenis=meta.get("versi") or meta.get("tahap") or None,
                nomor=meta.get("nomor") or "",
                tanggal=date.fromisoformat(meta["tanggal"]) if meta.get("tanggal") else None,
                keterangan=meta.get("keterangan") or "",
                berkas=meta.get("name") or "",
            ),
            dry_run=dry_run,
        )
    if meta["jenis"] == "fisik":
        return import_fisik(
            table=table, region_kode=region.kode if region else None, dry_run=dry_run, actor=actor
        )
    return import_realisasi(
        table=table, region_kode=region.kode if region else None, dry_run=dry_run, actor=actor
    )


def import_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not (can_import_dpa(actor) or can_import_realisasi(actor)):
        return render(request, "403.html", status=403)
    region = region_for(actor)
    context = {"region": region, "kinds": KINDS, "may_dpa": can_import_dpa(actor)}
    form = _upload_form(actor, initial={"jenis": "dpa" if can_import_dpa(actor) else "realisasi"})

    if request.method != "POST":
        cancelled = request.GET.get("dibatalkan") == "1"
        return render(
            request,
            "dashboard/import.html",
            {**context, "upload_form": form, "cancelled": cancelled},
        )

    action = request.POST.get("action")
    if action == "preview":
        return _preview(request, actor, region, context)
    if action == "confirm":
        return _confirm(request, actor, region, context, form)
    if action == "cancel":
        token = request.POST.get("token", "")
        if token in request.session.get("imports", []):
            _discard(token)
        return render(
            request, "dashboard/import.html", {**context, "upload_form": form, "cancelled": True}
        )
    return render(request, "dashboard/import.html", {**context, "upload_form": form}, status=400)


def _upload_form(actor: Actor, *args: Any, **kwargs: Any) -> UploadForm:
    """The upload form, offering only the kinds of file this actor may import."""
    form = UploadForm(*args, **kwargs)
    if not can_import_dpa(actor):
        jenis = form.fields["jenis"]
        if not isinstance(jenis, forms.ChoiceField):
            raise TypeError("UploadForm.jenis must be a ChoiceField")
        jenis.choices = [(k, KINDS[k]) for k in ("realisasi", "fisik")]
    return form


def _preview(
    request: HttpRequest, actor: Actor, region: Region | None, context: dict[str, Any]
) -> HttpResponse:
    """Dry-run the uploaded file; keep it for the confirmation when the importer accepts it."""
    form = _upload_form(actor, request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "dashboard/import.html", {**context, "upload_form": form}, status=400
        )
    berkas = form.cleaned_data["berkas"]
    data = berkas.read()
    meta = {
        "user": request.user.pk,
        "jenis": form.cleaned_data["jenis"],
        "name": berkas.name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "versi": form.cleaned_data.get("versi") or "",
        "nomor": form.cleaned_data.get("nomor") or "",
        "tanggal": tanggal.isoformat() if (tanggal := form.cleaned_data.get("tanggal")) else "",
        "keterangan": form.cleaned_data.get("keterangan") or "",
        "nama_pemda": form.cleaned_data.get("nama_pemda") or "",
        "uploaded": timezone.now().isoformat(),
    }
    rows = estimated_rows(data)
    if rows >= settings.SERAPAN_IMPORT_TASK_ROWS:
        # A large file is checked, and later written, by the worker: the page shows progress.
        job = job_start(
            task=import_job,
            kind=Job.Kind.IMPORT,
            user=request.user,
            params={**meta, "step": "check"},
            upload=data,
            total=rows,
        )
        return redirect("job", pk=job.pk)
    try:
        result = _run(actor, region, data, meta, dry_run=True)
    except ImportRefused as refused:
        return render(
            request,
            "dashboard/import_preview.html",
            # The upload form again, to send the corrected file at once ("form" would be read
            # as the header's period picker by base.html).
            {**context, "meta": meta, "errors": refused.errors, "upload_form": _upload_form(actor)},
            status=400,
        )
    token = _store(request, data, meta)
    return render(
        request,
        "dashboard/import_preview.html",
        {
            **context,
            "meta": meta,
            "result": result,
            "token": token,
            "created": result.created[:PREVIEW_ROWS],
            "changes": result.changes[:PREVIEW_ROWS],
        },
    )


def _confirm(
    request: HttpRequest,
    actor: Actor,
    region: Region | None,
    context: dict[str, Any],
    form: UploadForm,
) -> HttpResponse:
    """Import the previewed file for real."""
    token = request.POST.get("token", "")
    data, meta = _load(request, token)
    if meta["jenis"] == "dpa" and not can_import_dpa(actor):
        return render(request, "403.html", status=403)
    try:
        with pghistory.context(file=meta["name"]):
            result = _run(actor, region, data, meta, dry_run=False)
    except ImportRefused as refused:
        # The data changed since the preview (someone else imported): nothing was written.
        return render(
            request,
            "dashboard/import_preview.html",
            {
                **context,
                "meta": meta,
                "errors": refused.errors,
                "upload_form": form,
                "stale": True,
            },
            status=400,
        )
    _discard(token)
    return render(
        request,
        "dashboard/import_done.html",
        {**context, "meta": meta, "result": result, "changes": result.changes[:PREVIEW_ROWS]},
    )


# The example line of the templates: a belanja line of one Dinas Kesehatan.
EXAMPLE = {
    "tahun": 2026,
    "triwulan": 1,
    "kode_opd": "1.02.0.00.0.00.01.0000",
    "nama_opd": "Dinas Kesehatan",
    "kode_program": "1.02.01",
    "nama_program": "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA",
    "kode_kegiatan": "1.02.01.2.01",
    "nama_kegiatan": "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah",
    "kode_sub_kegiatan": "1.02.01.2.01.0001",
    "nama_sub_kegiatan": "Penyusunan Dokumen Perencanaan Perangkat Daerah",
    "kode_rekening": "5.1.02.01.01.0024",
    "uraian": "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor",
    "sumber_dana": SumberDana.PAD.value,
    "realisasi": 4750000,
}
# name: (columns, the example's amounts)
TEMPLATES: dict[str, tuple[list, dict[str, Any]]] = {
    "dpa": (
        columns(DPA, plan="triwulan", optional=True),
        {
            "pagu": 40000000,
            "kas_tw1": 5000000,
            "kas_tw2": 10000000,
            "kas_tw3": 10000000,
            "kas_tw4": 15000000,
        },
    ),
    "dpa-bulanan": (
        columns(DPA, plan="bulan", optional=True),
        {"pagu": 12000000, **{f"kas_bulan_{m}": 1000000 for m in range(1, 13)}},
    ),
    "realisasi": (columns(REALISASI), {}),
    "fisik": (columns(FISIK), {"fisik_persen": Decimal("45.5")}),
}


def _own_realisasi_example(actor: Actor) -> dict[str, Any]:
    """The realisasi template's example as one of the person's own lines (a treasurer's OPD,
    else the region's first), in the quarter that OPD reports next, with the amount already
    stored for it (0 when none): uploaded unchanged, the file is accepted and changes
    nothing that was entered. Empty when the region has no DPA yet (the generic example)."""
    region = region_for(actor)
    if region is None:
        return {}
    lines = DpaLine.objects.filter(region=region, jenis=Jenis.BELANJA.value)
    if actor.is_treasurer:
        lines = lines.filter(opd__kode=actor.opd_kode)
    line = (
        lines.select_related("opd", "sub_kegiatan", "account")
        .order_by("-tahun", "opd__kode", "sub_kegiatan__kode", "account__kode")
        .first()
    )
    if line is None:
        return {}
    triwulan = next_to_report(opd=line.opd, tahun=line.tahun) or 4
    stored = (
        Realisasi.objects.filter(line=line, triwulan=triwulan)
        .values_list("jumlah", flat=True)
        .first()
    )
    return {
        "tahun": line.tahun,
        "triwulan": triwulan,
        "kode_opd": line.opd.kode,
        "kode_sub_kegiatan": line.sub_kegiatan.kode if line.sub_kegiatan else "",
        "kode_rekening": line.account.kode,
        "realisasi": stored if stored is not None else 0,
    }


def import_template(request: HttpRequest, name: str) -> FileResponse:
    """An XLSX with the header and one example row; code cells are text so that a
    spreadsheet never turns 1.02.01 into a number."""
    if name not in TEMPLATES:
        raise Http404
    cols, amounts = TEMPLATES[name]
    example = {**EXAMPLE, **amounts}
    if name == "realisasi":
        example |= _own_realisasi_example(actor_for(request.user))
    book = openpyxl.Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError("a new workbook opens on a worksheet")
    sheet.title = "impor"
    sheet.append(names(cols))
    sheet.append([example[c.name] for c in cols])
    for index, column in enumerate(cols, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="E2E8F0")
        if column.kind.xlsx_format:
            sheet.cell(row=2, column=index).number_format = column.kind.xlsx_format
        if column.choices:
            _offer_choices(sheet, letter, column.choices)
        width = max([len(column.name), *(len(v) for v in column.choices)]) + 4
        sheet.column_dimensions[letter].width = max(12, min(40, width))
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"templat-{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _offer_choices(sheet: Worksheet, letter: str, choices: list[str]) -> None:
    """A drop-down of the accepted values; other text only warns here (the import matches
    the values whatever their case, and refuses the rest with its row)."""
    rule = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        error=", ".join(choices),
    )
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}10000")
