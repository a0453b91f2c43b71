"""/api/v1/: the read-only JSON API, its OpenAPI schema and its Swagger UI (served locally).

The site's LoginRequiredMiddleware would send a request with a token but no session to the
login page; the API answers for itself instead (401 or 403 in JSON), so its views are exempt.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboard.api import views

app_name = "api"


def _api(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


urlpatterns = [
    path("", _api(views.ApiRoot), name="root"),
    path("regions/", _api(views.RegionList), name="regions"),
    path("opds/", _api(views.OpdList), name="opds"),
    path("dpa-lines/", _api(views.DpaLineList), name="dpa-lines"),
    path("dpa-versions/", _api(views.DpaVersionList), name="dpa-versions"),
    path("realisasi/", _api(views.RealisasiList), name="realisasi"),
    path("absorption/", _api(views.AbsorptionView), name="absorption"),
    path("ranking/", _api(views.RankingView), name="ranking"),
    path("kinerja/", _api(views.KinerjaView), name="kinerja"),
    path("dak/", _api(views.DakView), name="dak"),
    path("schema/", _api(SpectacularAPIView), name="schema"),
    # The split view serves Swagger UI's start-up script from its own URL (docs/?script=):
    # the Content-Security-Policy runs no inline script without the response's nonce.
    path("docs/", _api(SpectacularSwaggerSplitView, url_name="api:schema"), name="docs"),
]
