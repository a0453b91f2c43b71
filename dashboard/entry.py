"""The treasurer's quarterly entry page and BPKAD's verification of it.

GET shows every DPA line of the OPD with its pagu, the quarter's cash plan, what was realised
before, and a box for the amount realised within the quarter (Indonesian amounts accepted).
POST carries one action: save (draft), submit, verify, return, reopen, or upload a file; each
has its handler below. All rules (who, lock, version, pagu) are in budget.workflow; this
module only translates the HTTP.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from budget.fisik import FisikEntryRow, PercentError, fisik_entry_rows, parse_percent
from budget.importing import ImportRefused, read_table
from budget.importing.realisasi import import_realisasi
from budget.models import KENDALA_CHOICES, Opd, QuarterReport, Region
from budget.money import AmountError, format_number, parse_amount
from budget.roles import (
    Actor,
    NotAllowed,
    actor_for,
    can_enter_realisasi,
    can_verify,
    can_view_opd,
)
from budget.workflow import (
    Conflict,
    EntryLine,
    EntryRefused,
    FisikRefused,
    WorkflowError,
    entry_lines,
    entry_totals,
    fisik_save,
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
        label=_("Obstacles"),
        choices=KENDALA_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kendala_catatan = forms.CharField(
        label=_("Description of the obstacles"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UploadForm(forms.Form):
    berkas = forms.FileField(label=_("Realisasi file (CSV or XLSX)"))

    def clean_berkas(self):
        f = self.cleaned_data["berkas"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(gettext("The file is larger than 10 MB."))
        return f


@dataclass
class EntryPage:
    """The page as it will be shown: what was read on opening it, and what a refused POST
    puts back (the text typed, the reasons per line, the file's errors)."""

    request: HttpRequest
    actor: Actor
    region: Region
    opd: Opd
    tahun: int
    triwulan: int
    lines: list[EntryLine]
    report: QuarterReport | None
    kendala_form: KendalaForm
    fisik: list[FisikEntryRow] = field(default_factory=list)
    upload_form: UploadForm = field(default_factory=UploadForm)
    values: dict[int, str] = field(default_factory=dict)
    line_errors: dict[int, str] = field(default_factory=dict)
    # The physical progress typed (percent, reason) and the reasons refused, by sub kegiatan.
    fisik_values: dict[int, tuple[str, str]] = field(default_factory=dict)
    fisik_errors: dict[int, str] = field(default_factory=dict)
    upload_errors: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def quarter(self) -> dict:
        """The arguments every workflow service takes."""
        return {
            "actor": self.actor,
            "opd": self.opd,
            "tahun": self.tahun,
            "triwulan": self.triwulan,
        }

    @property
    def may_enter(self) -> bool:
        return can_enter_realisasi(self.actor, self.opd)

    @property
    def here(self) -> str:
        return reverse("realisasi_entry", args=[self.opd.kode, self.tahun, self.triwulan])


def realisasi_entry(request: HttpRequest, kode: str, tahun: int, triwulan: int) -> HttpResponse:
    page = _open(request, kode, tahun, triwulan)
    if isinstance(page, HttpResponse):
        return page
    if request.method == "POST":
        response = _act(page)
        if response is not None:
            return response
    return _render(page)


def _open(request: HttpRequest, kode: str, tahun: int, triwulan: int) -> EntryPage | HttpResponse:
    actor = actor_for(request.user)
    region = current_region(request, actor)
    if region is None:  # no region yet: no OPD to open either
        raise Http404
    opd = get_object_or_404(Opd, region=region, kode=kode)
    if not can_view_opd(actor, opd):
        return render(request, "403.html", status=403)
    if triwulan not in (1, 2, 3, 4):
        return render(request, "404.html", status=404)
    # The version before the figures: a save that commits between the two reads then makes
    # this page stale (409 when saved) instead of showing older figures under its newer
    # version, which saving would write back over that save.
    report = report_get(opd=opd, tahun=tahun, triwulan=triwulan)
    lines = entry_lines(opd=opd, tahun=tahun, triwulan=triwulan)
    if not lines:
        return render(request, "404.html", status=404)
    kendala_form = KendalaForm(
        initial={
            "kendala": report.kendala if report else [],
            "kendala_catatan": report.kendala_catatan if report else "",
        }
    )
    return EntryPage(
        request=request,
        actor=actor,
        region=region,
        opd=opd,
        tahun=tahun,
        triwulan=triwulan,
        lines=lines,
        report=report,
        kendala_form=kendala_form,
        fisik=fisik_entry_rows(opd_id=opd.pk, tahun=tahun, triwulan=triwulan, lines=lines),
    )


# --- actions: each returns the redirect after a write; a refusal raises -------------------------


def _save(page: EntryPage, version: int) -> HttpResponse:
    _save_amounts(page, version, submit=False)
    messages.success(page.request, gettext("Draft saved."))
    return redirect(page.here)


def _submit(page: EntryPage, version: int) -> HttpResponse:
    _save_amounts(page, version, submit=True)
    messages.success(page.request, gettext("Report submitted for BPKAD verification."))
    return redirect(page.here)


def _save_amounts(page: EntryPage, version: int, *, submit: bool) -> None:
    page.kendala_form = form = KendalaForm(page.request.POST)
    amounts, page.values, page.line_errors = _read_amounts(page.request, page.lines)
    fisik, page.fisik_values, page.fisik_errors = _read_fisik(page.request, page.fisik)
    if page.line_errors or page.fisik_errors or not form.is_valid():
        raise EntryRefused(page.line_errors)
    # "Save and submit" is one step: a refused submit keeps nothing of the save either, so
    # the page shown again still matches the stored version.
    with transaction.atomic():
        result = realisasi_save(
            **page.quarter,
            amounts=amounts,
            version=version,
            kendala=form.cleaned_data["kendala"],
            kendala_catatan=form.cleaned_data["kendala_catatan"],
        )
        version = result.version
        if fisik:
            # The physical progress of the same quarter, under the same lock and version.
            version = fisik_save(**page.quarter, values=fisik, version=version).version
        if submit:
            report_submit(**page.quarter, version=version)


def _verify(page: EntryPage, version: int) -> HttpResponse:
    report_verify(**page.quarter, version=version)
    messages.success(page.request, gettext("Report verified and locked."))
    return redirect(page.here)


def _return(page: EntryPage, version: int) -> HttpResponse:
    report_return(**page.quarter, version=version, reason=page.request.POST.get("alasan", ""))
    messages.success(page.request, gettext("Report returned to the treasurer."))
    return redirect(page.here)


def _reopen(page: EntryPage, version: int) -> HttpResponse:
    report_reopen(**page.quarter, version=version, reason=page.request.POST.get("alasan", ""))
    messages.success(page.request, gettext("Quarter reopened."))
    return redirect(page.here)


def _upload(page: EntryPage, version: int) -> HttpResponse:
    page.upload_form = form = UploadForm(page.request.POST, page.request.FILES)
    if not form.is_valid():
        raise WorkflowError("; ".join(str(message) for message in form.errors.get("berkas", [])))
    if not page.may_enter:
        raise NotAllowed(gettext("You may upload the realisasi of your own OPD only."))
    berkas = form.cleaned_data["berkas"]
    # The importer checks the version under the same lock as the entry page's save.
    result = import_realisasi(
        table=read_table(berkas, name=berkas.name),
        region_kode=page.region.kode,
        only_opd=page.opd.kode,
        only_tahun=page.tahun,
        only_triwulan=page.triwulan,
        actor=page.actor,
        version=version,
    )
    messages.success(
        page.request,
        gettext("File imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "created": result.counts.created,
            "updated": result.counts.updated,
            "unchanged": result.counts.unchanged,
        },
    )
    return redirect(page.here)


ACTIONS: dict[str, Callable[[EntryPage, int], HttpResponse]] = {
    "save": _save,
    "submit": _submit,
    "verify": _verify,
    "return": _return,
    "reopen": _reopen,
    "upload": _upload,
}


def _act(page: EntryPage) -> HttpResponse | None:
    """Run the POST's action; None when the page is to be shown again (a refusal, with its
    reason in the messages and the status set)."""
    handler = ACTIONS.get(page.request.POST.get("action", ""))
    if handler is None:
        messages.error(page.request, gettext("Unknown action."))
        return None
    try:
        return handler(page, _posted_version(page.request))
    except NotAllowed as exc:
        return render(page.request, "403.html", {"reason": str(exc)}, status=403)
    except Conflict as exc:
        _refused(page, 409, str(exc))
    except FisikRefused as exc:
        page.fisik_errors = {key[1]: reason for key, reason in exc.errors.items()}
        _refused(page, 400, _lines_refused(len(page.fisik_errors)))
    except EntryRefused as exc:
        page.line_errors = {**page.line_errors, **exc.errors}
        n = len(page.line_errors) + len(page.fisik_errors)
        _refused(
            page,
            400,
            ngettext(
                "%(n)d line refused; nothing was saved.",
                "%(n)d lines refused; nothing was saved.",
                n,
            )
            % {"n": n}
            if n
            else gettext("Check the obstacle fields."),
        )
    except ImportRefused as exc:
        page.upload_errors = [str(e) for e in exc.errors[:50]]
        n = len(exc.errors)
        _refused(
            page,
            400,
            ngettext("File refused: %(n)d error.", "File refused: %(n)d errors.", n) % {"n": n},
        )
    except WorkflowError as exc:
        _refused(page, 400, str(exc))
    return None


def _refused(page: EntryPage, status: int, message: str) -> None:
    page.status = status
    messages.error(page.request, message)


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _render(page: EntryPage) -> HttpResponse:
    report = page.report
    return render(
        page.request,
        "dashboard/entry.html",
        {
            "region": page.region,
            "opd": page.opd,
            "tahun": page.tahun,
            "triwulan": page.triwulan,
            "rows": _rows(page),
            "totals": entry_totals(lines=page.lines),
            "report": report,
            "version": report.version if report else 0,
            "editable": page.may_enter and (report is None or report.is_editable),
            "may_enter": page.may_enter,
            "may_verify": can_verify(page.actor),
            "kendala_form": page.kendala_form,
            "upload_form": page.upload_form,
            "upload_errors": page.upload_errors,
            "period_qs": f"?tahun={page.tahun}&triwulan={page.triwulan}",
            "line_errors": page.line_errors,
            "fisik_rows": _fisik_rows(page),
        },
        status=page.status,
    )


def _rows(page: EntryPage) -> list[dict]:
    """One row per line: the box shows what was typed (after a refusal) or what is stored,
    in whole rupiah when there are no sen."""
    rows = []
    for item in page.lines:
        shown = page.values.get(item.line.pk)
        if shown is None:
            shown = "" if item.sekarang is None else format_number(item.sekarang, decimals=2)
            shown = shown.removesuffix(",00")
        rows.append({"item": item, "value": shown, "error": page.line_errors.get(item.line.pk)})
    return rows


def _lines_refused(n: int) -> str:
    return ngettext(
        "%(n)d line refused; nothing was saved.", "%(n)d lines refused; nothing was saved.", n
    ) % {"n": n}


def _fisik_rows(page: EntryPage) -> list[dict]:
    """One row per sub kegiatan: the boxes show what was typed (after a refusal) or what is
    stored, the percent the Indonesian way (45,5)."""
    rows = []
    for item in page.fisik:
        typed = page.fisik_values.get(item.sub_kegiatan_id)
        if typed is None:
            shown = "" if item.sekarang is None else format_number(item.sekarang, decimals=2)
            typed = (shown.removesuffix(",00"), item.alasan)
        rows.append(
            {
                "item": item,
                "value": typed[0],
                "alasan": typed[1],
                "error": page.fisik_errors.get(item.sub_kegiatan_id),
            }
        )
    return rows


def _read_fisik(request, rows: list[FisikEntryRow]):
    """The physical progress boxes: (percent or None, reason) by sub kegiatan id, the text
    typed, and a reason per bad box. Boxes the form did not carry are not read."""
    values: dict[int, tuple[Decimal | None, str]] = {}
    typed: dict[int, tuple[str, str]] = {}
    errors: dict[int, str] = {}
    for item in rows:
        key = f"fisik-{item.sub_kegiatan_id}"
        if key not in request.POST:
            continue
        raw = request.POST[key].strip()
        alasan = request.POST.get(f"alasan-{item.sub_kegiatan_id}", "").strip()[:2000]
        typed[item.sub_kegiatan_id] = (raw, alasan)
        if raw == "":
            values[item.sub_kegiatan_id] = (None, alasan)
            continue
        try:
            values[item.sub_kegiatan_id] = (parse_percent(raw), alasan)
        except PercentError as exc:
            errors[item.sub_kegiatan_id] = str(exc)
    return values, typed, errors


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
