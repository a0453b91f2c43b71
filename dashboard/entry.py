"""The treasurer's quarterly entry page and BPKAD's verification of it.

GET shows every DPA line of the OPD with its pagu, the quarter's cash plan, what was realised
before, and a box for the amount realised within the quarter (Indonesian amounts accepted).
POST carries one action: save (draft), submit, verify, return, reopen, or upload a file. All
rules (who, lock, version, pagu) are in budget.workflow; this module only translates the HTTP.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from budget.codes import Jenis
from budget.importing import ImportRefused, read_table
from budget.importing.realisasi import import_realisasi
from budget.models import KENDALA_CHOICES, Opd
from budget.money import AmountError, format_number, parse_amount
from budget.roles import NotAllowed, actor_for, can_enter_realisasi, can_verify, can_view_opd
from budget.workflow import (
    Conflict,
    EntryRefused,
    WorkflowError,
    entry_lines,
    realisasi_save,
    report_get,
    report_reopen,
    report_return,
    report_submit,
    report_verify,
)
from dashboard.views import current_region

MAX_UPLOAD = 10 * 1024 * 1024


class KendalaForm(forms.Form):
    kendala = forms.MultipleChoiceField(
        label="Kendala",
        choices=KENDALA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kendala_catatan = forms.CharField(
        label="Uraian kendala",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UploadForm(forms.Form):
    berkas = forms.FileField(label="Berkas realisasi (CSV atau XLSX)")

    def clean_berkas(self):
        f = self.cleaned_data["berkas"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("Berkas lebih dari 10 MB.")
        return f


def realisasi_entry(request: HttpRequest, kode: str, tahun: int, triwulan: int) -> HttpResponse:
    actor = actor_for(request.user)
    region = current_region(request, actor)
    opd = get_object_or_404(Opd, region=region, kode=kode)
    if not can_view_opd(actor, opd):
        return render(request, "403.html", status=403)
    if triwulan not in (1, 2, 3, 4):
        return render(request, "404.html", status=404)
    lines = entry_lines(opd=opd, tahun=tahun, triwulan=triwulan)
    if not lines:
        return render(request, "404.html", status=404)
    report = report_get(opd=opd, tahun=tahun, triwulan=triwulan)
    may_enter = can_enter_realisasi(actor, opd)
    editable = may_enter and (report is None or report.is_editable)
    here = reverse("realisasi_entry", args=[kode, tahun, triwulan])

    values: dict[int, str] = {}
    line_errors: dict[int, str] = {}
    kendala_form = KendalaForm(
        initial={
            "kendala": report.kendala if report else [],
            "kendala_catatan": report.kendala_catatan if report else "",
        }
    )
    upload_form = UploadForm()
    upload_errors: list[str] = []
    status = 200

    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        common = {"actor": actor, "opd": opd, "tahun": tahun, "triwulan": triwulan}
        try:
            if action in ("save", "submit"):
                kendala_form = KendalaForm(request.POST)
                amounts, values, line_errors = _read_amounts(request, lines)
                if line_errors or not kendala_form.is_valid():
                    raise EntryRefused(line_errors)
                # "Save and submit" is one step: a refused submit keeps nothing of the save
                # either, so the page shown again still matches the stored version.
                with transaction.atomic():
                    # The service refuses a locked quarter, another OPD, a stale version.
                    result = realisasi_save(
                        **common,
                        amounts=amounts,
                        version=version,
                        kendala=kendala_form.cleaned_data["kendala"],
                        kendala_catatan=kendala_form.cleaned_data["kendala_catatan"],
                    )
                    if action == "submit":
                        report_submit(**common, version=result.version)
                if action == "submit":
                    messages.success(request, "Laporan diajukan untuk diverifikasi BPKAD.")
                else:
                    messages.success(request, "Draf tersimpan.")
                return redirect(here)
            if action == "verify":
                report_verify(**common, version=version)
                messages.success(request, "Laporan diverifikasi dan dikunci.")
                return redirect(here)
            if action == "return":
                report_return(**common, version=version, reason=request.POST.get("alasan", ""))
                messages.success(request, "Laporan dikembalikan ke bendahara.")
                return redirect(here)
            if action == "reopen":
                report_reopen(**common, version=version, reason=request.POST.get("alasan", ""))
                messages.success(request, "Triwulan dibuka kembali.")
                return redirect(here)
            if action == "upload":
                upload_form = UploadForm(request.POST, request.FILES)
                if not upload_form.is_valid():
                    raise WorkflowError("; ".join(upload_form.errors.get("berkas", [])))
                if not may_enter:
                    raise NotAllowed("Anda hanya dapat mengunggah realisasi OPD Anda sendiri.")
                if (report.version if report else 0) != version:
                    raise Conflict(
                        "Laporan ini telah disimpan orang lain setelah halaman dibuka; "
                        "muat ulang halaman."
                    )
                berkas = upload_form.cleaned_data["berkas"]
                result = import_realisasi(
                    table=read_table(berkas, name=berkas.name),
                    region_kode=region.kode,
                    only_opd=opd.kode,
                    only_tahun=tahun,
                    only_triwulan=triwulan,
                    actor=actor,
                )
                messages.success(
                    request,
                    f"Berkas diimpor: {result.counts.created} dibuat, "
                    f"{result.counts.updated} diubah, {result.counts.unchanged} tetap.",
                )
                return redirect(here)
            messages.error(request, "Tindakan tidak dikenal.")
        except NotAllowed as exc:
            return render(request, "403.html", {"reason": str(exc)}, status=403)
        except Conflict as exc:
            status = 409
            messages.error(request, str(exc))
        except EntryRefused as exc:
            status = 400
            line_errors = {**line_errors, **exc.errors}
            messages.error(
                request,
                f"{len(line_errors)} baris ditolak; tidak ada yang disimpan."
                if line_errors
                else "Periksa isian kendala.",
            )
        except ImportRefused as exc:
            status = 400
            upload_errors = [str(e) for e in exc.errors[:50]]
            messages.error(request, f"Berkas ditolak: {len(exc.errors)} kesalahan.")
        except WorkflowError as exc:
            status = 400
            messages.error(request, str(exc))

    rows = []
    totals: dict[str, dict[str, Decimal]] = {}
    for item in lines:
        line = item.line
        shown = values.get(line.pk)
        if shown is None:
            shown = "" if item.sekarang is None else format_number(item.sekarang, decimals=2)
            shown = shown[:-3] if shown.endswith(",00") else shown
        rows.append({"item": item, "value": shown, "error": line_errors.get(line.pk)})
        t = totals.setdefault(
            line.jenis,
            {
                "pagu": Decimal(0),
                "kas": Decimal(0),
                "sebelumnya": Decimal(0),
                "sekarang": Decimal(0),
            },
        )
        t["pagu"] += line.pagu
        t["kas"] += item.kas_triwulan
        t["sebelumnya"] += item.sebelumnya
        t["sekarang"] += item.sekarang or 0
    return render(
        request,
        "dashboard/entry.html",
        {
            "region": region,
            "opd": opd,
            "tahun": tahun,
            "triwulan": triwulan,
            "rows": rows,
            "totals": [
                (j, totals[j])
                for j in (Jenis.PENDAPATAN, Jenis.BELANJA, Jenis.PEMBIAYAAN)
                if j in totals
            ],
            "report": report,
            "version": report.version if report else 0,
            "editable": editable,
            "may_enter": may_enter,
            "may_verify": can_verify(actor),
            "kendala_form": kendala_form,
            "upload_form": upload_form,
            "upload_errors": upload_errors,
            "period_qs": f"?tahun={tahun}&triwulan={triwulan}",
            "line_errors": line_errors,
        },
        status=status,
    )


def _read_amounts(request, lines):
    """The boxes of the form: amounts by line id, the text typed, and a reason per bad box."""
    amounts: dict[int, Decimal | None] = {}
    values: dict[int, str] = {}
    errors: dict[int, str] = {}
    for item in lines:
        key = f"line-{item.line.pk}"
        if key not in request.POST:
            continue
        raw = request.POST[key].strip()
        values[item.line.pk] = raw
        if raw == "":
            amounts[item.line.pk] = None
            continue
        try:
            amounts[item.line.pk] = parse_amount(raw)
        except AmountError as exc:
            errors[item.line.pk] = str(exc)
    return amounts, values, errors
