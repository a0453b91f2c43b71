"""The period a page shows, read from its query string: the web side of
`budget.selectors.period_resolve` (which holds the default rule), shared by every page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from budget.models import Region
from budget.quarters import tw_label
from budget.selectors import Period, period_resolve, periods_available
from dashboard.forms import PeriodForm


def period_from_request(
    request: HttpRequest, region: Region
) -> tuple[Period | None, PeriodForm, list[int]]:
    """The period asked for (a bad year or quarter falls back on the default, the other part
    kept), the form to show it, the years with a DPA; None when the region has no DPA yet.
    Two queries."""
    years, latest = periods_available(region=region)
    form = PeriodForm(request.GET or None, years=years)
    if latest is None:
        return None, form, years
    chosen = {}
    if form.is_bound:
        form.is_valid()
        chosen = form.cleaned_data  # the fields that are valid, even if another one is not
    period = period_resolve(
        latest=latest, tahun=chosen.get("tahun") or None, triwulan=chosen.get("triwulan") or None
    )
    if period is None:  # cannot happen: a region with a DPA has a latest period
        raise ValueError("a region with a DPA has a period")
    if form.is_bound and form.errors:
        _say_period_refused(request, form, period)
    # The picker shows the period the page shows, whatever was asked (a missing or bad part
    # falls back on the default, and the picker says which).
    form = PeriodForm(initial={"tahun": period.tahun, "triwulan": period.triwulan}, years=years)
    return period, form, years


def _say_period_refused(request: HttpRequest, form: PeriodForm, period: Period) -> None:
    """A year or quarter in the address that the region does not have is said on the page,
    with the period shown instead: nobody reads another period's figures unaware."""
    asked = ", ".join(
        f"{name}={str(form.data.get(name, ''))[:12]}"
        for name in ("tahun", "triwulan")
        if name in form.errors
    )
    messages.warning(
        request,
        _("There is no period %(asked)s for this region; showing %(year)s %(tw)s instead.")
        % {"asked": asked, "year": period.tahun, "tw": tw_label(period.triwulan)},
    )


def period_qs(period: Period) -> str:
    return f"?tahun={period.tahun}&triwulan={period.triwulan}"


def empty_page(request: HttpRequest) -> HttpResponse:
    """What a page shows before the first DPA is imported."""
    return render(request, "dashboard/empty.html", status=200)
