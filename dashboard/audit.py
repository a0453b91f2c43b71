"""The audit trail's own page (/riwayat/): every change in the region, newest first, filtered
by OPD, person, year, quarter and kind of data, a page at a time. BPKAD only."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from budget.history import KINDS, HistoryEntry, history
from budget.models import Opd
from budget.quarters import QUARTERS, tw_label
from budget.roles import actor_for, can_see_history
from budget.selectors import region_for
from dashboard.periods import empty_page

PER_PAGE = 50
KIND_LABELS = {
    "dpa": _("DPA lines"),
    "realisasi": _("Realisasi"),
    "laporan": _("Quarterly reports"),
}


def _opd_label(opd: Opd) -> str:
    return f"{opd.kode} {opd.nama}"


class AuditForm(forms.Form):
    opd = forms.ModelChoiceField(
        label=_("OPD"),
        queryset=Opd.objects.none(),
        required=False,
        to_field_name="kode",
        empty_label=_("All OPDs"),
    )
    pengguna = forms.CharField(label=_("User"), max_length=150, required=False)
    tahun = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    triwulan = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[("", "—"), *((q, tw_label(q)) for q in QUARTERS)],
        required=False,
    )
    jenis = forms.ChoiceField(
        label=_("Data"), choices=[("", _("All")), *KIND_LABELS.items()], required=False
    )
    hal = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        opd = self.fields["opd"]
        if isinstance(opd, forms.ModelChoiceField):
            opd.queryset = Opd.objects.filter(region=region).order_by("kode")
            opd.label_from_instance = _opd_label  # type: ignore[method-assign,assignment]


@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not can_see_history(actor):
        raise PermissionDenied
    region = region_for(actor)
    if region is None:
        return empty_page(request)
    form = AuditForm(request.GET or None, region=region)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    user_id = None
    unknown_user = False
    if chosen.get("pengguna"):
        user_id = (
            get_user_model()
            .objects.filter(username=chosen["pengguna"])
            .values_list("pk", flat=True)
            .first()
        )
        unknown_user = user_id is None
    page = chosen.get("hal") or 1
    entries: list[HistoryEntry] = []
    more = False
    if not unknown_user:
        entries, more = history(
            region_id=region.pk,
            opd=chosen.get("opd"),
            tahun=chosen.get("tahun"),
            triwulan=chosen.get("triwulan") or None,
            kinds=(chosen["jenis"],) if chosen.get("jenis") else KINDS,
            user_id=user_id,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
    query = request.GET.copy()
    query.pop("hal", None)
    return render(
        request,
        "dashboard/audit.html",
        {
            "audit_form": form,  # not "form": base.html draws a page's period picker from that
            "history": entries,
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if more else None,
            "query": query.urlencode(),
            "unknown_user": unknown_user,
            "region": region,
        },
    )
