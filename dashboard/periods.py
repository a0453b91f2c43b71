"""The period a page shows, read from its query string, and who has reported it: the web side
of `budget.coverage` (which holds the default rule), shared by every page."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from budget.coverage import Coverage, RegionPeriods, region_periods
from budget.models import Region
from budget.quarters import tw_label
from budget.selectors import Period, period_resolve
from dashboard.forms import PeriodForm


@dataclass(frozen=True)
class PagePeriod:
    """The period a page shows, the picker showing it, and who has reported that quarter."""

    period: Period
    form: PeriodForm
    periods: RegionPeriods
    coverage: Coverage
    is_default: bool  # nothing (valid) was asked: the default rule chose the period

    @property
    def years(self) -> list[int]:
        return self.periods.years


def page_period(request: HttpRequest, region: Region) -> PagePeriod | None:
    """The period asked for (a bad year or quarter falls back on the default, the other part
    kept, and the page says so), or None when the region has no DPA yet. Two queries."""
    periods = region_periods(region=region)
    default = periods.default
    form = PeriodForm(request.GET or None, years=periods.years)
    if default is None:
        return None
    chosen = {}
    if form.is_bound:
        form.is_valid()
        chosen = form.cleaned_data  # the fields that are valid, even if another one is not
    tahun, triwulan = chosen.get("tahun") or None, chosen.get("triwulan") or None
    period = period_resolve(latest=default, tahun=tahun, triwulan=triwulan)
    if period is None:  # cannot happen: a region with a DPA has a default period
        raise ValueError("a region with a DPA has a period")
    if form.is_bound and form.errors:
        _say_period_refused(request, form, period)
    # The picker shows the period the page shows, whatever was asked (a missing or bad part
    # falls back on the default, and the picker says which).
    form = PeriodForm(
        initial={"tahun": period.tahun, "triwulan": period.triwulan}, years=periods.years
    )
    return PagePeriod(
        period=period,
        form=form,
        periods=periods,
        coverage=periods.coverage(period),
        is_default=tahun is None and triwulan is None,
    )


def period_from_request(
    request: HttpRequest, region: Region
) -> tuple[Period | None, PeriodForm, list[int]]:
    """`page_period` as (period, picker, years with a DPA); (None, an empty picker, []) when
    the region has no DPA yet."""
    found = page_period(request, region)
    if found is None:
        return None, PeriodForm(years=[]), []
    return found.period, found.form, found.years


def _say_period_refused(request: HttpRequest, form: PeriodForm, period: Period) -> None:
    """A year or quarter in the address that the region does not have is said on the page,
    with the period shown instead: nobody reads another period's figures unaware."""
    bad = [name for name in ("tahun", "triwulan") if name in form.errors]
    asked = ", ".join(f"{name}={str(form.data.get(name, ''))[:12]}" for name in bad)
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
