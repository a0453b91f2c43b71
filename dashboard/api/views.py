"""Read-only JSON API. Thin views: validate the query string, check who asks
(`dashboard.api.permissions`, on `budget.roles`), call the same selectors as the pages and the
commands, serialize.

`absorption/` answers exactly what `absorption_report --format json` prints for the same
options (both build their body with `budget.reporting.report_dict`); it is not paginated.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from budget.criteria import bands_for
from budget.dana import dak_dict, dak_report
from budget.kinerja import kinerja
from budget.models import DpaLine, DpaVersion, Opd, Realisasi, Region
from budget.reporting import report_dict
from budget.selectors import (
    SelectorError,
    absorption,
    opd_ranking,
    period_resolve,
    periods_available,
)
from budget.workflow import report_statuses
from dashboard.api import filters, permissions, serializers

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Bad parameters: field -> messages.")),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Not signed in and no valid token.")),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Not allowed for this role.")),
}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000


class ApiView(APIView):
    # Token first, so that an anonymous request gets 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, permissions.HasRole]


class ApiListView(ApiView, ListAPIView):
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]


@extend_schema(
    summary=_("Links to every endpoint"),
    description=_(
        "Absolute links to every endpoint, the OpenAPI schema and its Swagger UI. "
        "Open to anyone: it holds no figures."
    ),
    responses={200: serializers.ApiRootSerializer},
)
class ApiRoot(ApiView):
    permission_classes = [AllowAny]  # links only, no figures

    def get(self, request: Request, format=None) -> Response:
        names = {
            "regions": "api:regions",
            "opds": "api:opds",
            "dpa_lines": "api:dpa-lines",
            "dpa_versions": "api:dpa-versions",
            "realisasi": "api:realisasi",
            "absorption": "api:absorption",
            "ranking": "api:ranking",
            "kinerja": "api:kinerja",
            "dak": "api:dak",
            "schema": "api:schema",
            "docs": "api:docs",
        }
        return Response({key: reverse(name, request=request) for key, name in names.items()})


@extend_schema(
    summary=_("Regions (pemda)"),
    description=_(
        "The regions this user may read (their own, or every one for a superuser), "
        "with the years that have a DPA."
    ),
    responses={200: serializers.RegionSerializer(many=True), **ERRORS},
)
class RegionList(ApiListView):
    serializer_class = serializers.RegionSerializer

    def get_queryset(self):
        years = (
            DpaLine.objects.filter(region=OuterRef("pk"))
            .order_by("tahun")
            .values("tahun")
            .distinct()
        )
        regions = Region.objects.annotate(tahun=ArraySubquery(years)).order_by("kode")
        return permissions.scope_regions(self.request, regions, field="pk")


@extend_schema(
    summary=_("OPDs (work units)"),
    description=_("A treasurer sees their own OPD only."),
    responses={200: serializers.OpdSerializer(many=True), **ERRORS},
)
class OpdList(ApiListView):
    serializer_class = serializers.OpdSerializer
    filterset_class = filters.OpdFilter

    def get_queryset(self):
        opds = Opd.objects.select_related("region").order_by("region__kode", "kode")
        opds = permissions.scope_regions(self.request, opds)
        return permissions.scope_opd(self.request, opds, field="pk")


@extend_schema(
    summary=_("DPA budget lines: pagu and quarterly cash plan"),
    description=_(
        "One line per OPD, sub kegiatan and account, with the pagu in force, the murni "
        "pagu and the cash plan within each quarter. A treasurer sees their own OPD's lines; "
        "`opd=` naming another OPD is refused (403)."
    ),
    responses={200: serializers.DpaLineSerializer(many=True), **ERRORS},
)
class DpaLineList(ApiListView):
    serializer_class = serializers.DpaLineSerializer
    filterset_class = filters.DpaLineFilter

    def get_queryset(self):
        lines = DpaLine.objects.select_related(
            "region", "opd", "account", "sub_kegiatan__kegiatan__program"
        ).order_by(
            "region__kode",
            "tahun",
            "opd__kode",
            F("sub_kegiatan__kode").asc(nulls_first=True),
            "account__kode",
            "pk",
        )
        lines = permissions.scope_regions(self.request, lines)
        return permissions.scope_opd(self.request, lines, field="opd_id")


@extend_schema(
    summary=_("DPA versions: the DPA murni, each DPPA and pergeseran"),
    description=_(
        "Each DPA document imported, in order of the date it takes effect: its kind, number "
        "(legal basis), date and note. The DPA in force on a day is the last dated on or "
        "before it."
    ),
    responses={200: serializers.DpaVersionSerializer(many=True), **ERRORS},
)
class DpaVersionList(ApiListView):
    serializer_class = serializers.DpaVersionSerializer
    filterset_class = filters.DpaVersionFilter

    def get_queryset(self):
        versions = DpaVersion.objects.select_related("region").order_by(
            "region__kode", "tahun", "tanggal", "pk"
        )
        return permissions.scope_regions(self.request, versions)


@extend_schema(
    summary=_("Realisasi: the amount realised on a DPA line within a quarter"),
    description=_(
        "Within the quarter, not cumulative (cumulative figures: `absorption/`). "
        "A treasurer sees their own OPD's realisasi; `opd=` naming another OPD is refused (403)."
    ),
    responses={200: serializers.RealisasiSerializer(many=True), **ERRORS},
)
class RealisasiList(ApiListView):
    serializer_class = serializers.RealisasiSerializer
    filterset_class = filters.RealisasiFilter

    def get_queryset(self):
        rows = Realisasi.objects.select_related(
            "region", "line__opd", "line__account", "line__sub_kegiatan"
        ).order_by(
            "region__kode",
            "line__tahun",
            "line__opd__kode",
            F("line__sub_kegiatan__kode").asc(nulls_first=True),
            "line__account__kode",
            "triwulan",
            "pk",
        )
        rows = permissions.scope_regions(self.request, rows)
        return permissions.scope_opd(self.request, rows, field="line__opd_id")


ABSORPTION_EXAMPLE = {
    "tahun": 2019,
    "triwulan": 4,
    "level": "program",
    "rows": [
        {
            "kode": "3.27.01",
            "nama": "Program Pelayanan Administrasi Perkantoran",
            "jenis": "belanja",
            "pagu": "470412200.00",
            "kas_kumulatif": "470412200.00",
            "realisasi_kumulatif": "422787645.00",
            "sisa": "47624555.00",
            "serapan_persen": 89.88,
            "kategori_serapan": "Cukup Efektif",
            "capaian_kas_persen": 89.88,
            "kategori_capaian": "Cukup Efektif",
            "kategori_efisiensi": "Cukup Efisien",
        }
    ],
}


def _opd_asked(request: Request, region: Region, kode: str | None) -> Opd | None:
    """The OPD of `opd=` (None for the whole region), once the asker may read it."""
    opd = None
    if kode:
        opd = Opd.objects.filter(region=region, kode=kode).first()
        if opd is None:
            raise ValidationError({"opd": [f"no OPD with code {kode!r}"]})
    permissions.require_absorption_access(request, opd)
    return opd


class AbsorptionView(ApiView):
    @extend_schema(
        summary=_("Absorption at any level (the JSON of absorption_report --format json)"),
        description=_(
            "The same body as `python manage.py absorption_report --tahun Y --triwulan Q "
            "--level L [--depth N] [--opd KODE] [--sumber-dana S] [--region KODE] --format json`: "
            "one row per group and jenis. Not paginated. `level=sumber_dana` groups by fund "
            "source; `sumber_dana=` keeps the lines of one (`-`: those without). A treasurer "
            "asks for their own OPD (`opd=`); the whole region is for BPKAD and the head of "
            "region."
        ),
        parameters=[serializers.AbsorptionQuerySerializer],
        responses={200: serializers.AbsorptionReportSerializer, **ERRORS},
        examples=[OpenApiExample("Programs of an OPD", value=ABSORPTION_EXAMPLE)],
    )
    def get(self, request: Request, format=None) -> Response:
        query = serializers.AbsorptionQuerySerializer(data=serializers.query_data(request))
        query.is_valid(raise_exception=True)
        q = query.validated_data
        region = permissions.region_named(request, q.get("region"))
        opd = _opd_asked(request, region, q.get("opd"))
        try:
            rows = absorption(
                region=region,
                tahun=q["tahun"],
                triwulan=q["triwulan"],
                level=q["level"],
                depth=q.get("depth"),
                opd=opd,
                sumber_dana=serializers.sumber_dana_value(q.get("sumber_dana")),
            )
        except SelectorError as exc:
            raise ValidationError({"detail": [str(exc)]}) from None
        return Response(
            report_dict(tahun=q["tahun"], triwulan=q["triwulan"], level=q["level"], rows=rows)
        )


class KinerjaView(ApiView):
    @extend_schema(
        summary=_("Early warning per OPD (the JSON of kinerja_report --format json)"),
        description=_(
            "The same body as `python manage.py kinerja_report --tahun Y --triwulan Q "
            "[--opd KODE] [--region KODE] --format json`: per OPD the cash plan deviation and "
            "its score, absorption against the quarterly targets, the year-end forecast and "
            "its warning, and the composite nilai kinerja. Not paginated. A treasurer asks "
            "for their own OPD (`opd=`)."
        ),
        parameters=[serializers.KinerjaQuerySerializer],
        responses={200: serializers.KinerjaReportSerializer, **ERRORS},
    )
    def get(self, request: Request, format=None) -> Response:
        query = serializers.KinerjaQuerySerializer(data=serializers.query_data(request))
        query.is_valid(raise_exception=True)
        q = query.validated_data
        region = permissions.region_named(request, q.get("region"))
        opd = _opd_asked(request, region, q.get("opd"))
        report = kinerja(region=region, tahun=q["tahun"], triwulan=q["triwulan"], opd=opd)
        return Response(report.as_contract_dict())


class DakView(ApiView):
    @extend_schema(
        summary=_("DAK per OPD beside the late-juknis kendala, as on /sumber-dana/dak/"),
        description=_(
            "Every OPD with DAK lines: its DAK Fisik, DAK Non Fisik, both together and its "
            "other belanja (each an absorption row, null when it has no line of it), whether "
            "its quarterly report named late juknis in the quarter (`juknis`) and the one "
            "before (`juknis_sebelumnya`), and the remedial actions against it; then the DAK "
            "of the OPDs that named juknis against those that did not (`kelompok`), and the "
            "OPDs that named juknis without any DAK line. For BPKAD and the head of region."
        ),
        parameters=[serializers.DakQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request: Request, format=None) -> Response:
        query = serializers.DakQuerySerializer(data=serializers.query_data(request))
        query.is_valid(raise_exception=True)
        q = query.validated_data
        region = permissions.region_named(request, q.get("region"))
        permissions.require_absorption_access(request, None)
        report = dak_report(region=region, tahun=q["tahun"], triwulan=q["triwulan"])
        return Response(dak_dict(report))


class RankingView(ApiView):
    permission_classes = [IsAuthenticated, permissions.CanViewRanking]

    @extend_schema(
        summary=_("Ranking of OPDs by belanja capaian (or serapan), as on /peringkat/"),
        description=_(
            "Every OPD whose measure is defined, best first, with its place in the previous "
            "quarter and the status of its quarterly report; the others under "
            "`tidak_diperingkat`. Readable by every role (treasurers too). Not paginated."
        ),
        parameters=[serializers.RankingQuerySerializer],
        responses={200: serializers.RankingSerializer, **ERRORS},
    )
    def get(self, request: Request, format=None) -> Response:
        query = serializers.RankingQuerySerializer(data=serializers.query_data(request))
        query.is_valid(raise_exception=True)
        q = query.validated_data
        region = permissions.region_named(request, q.get("region"))
        tahun, triwulan = q.get("tahun"), q.get("triwulan")
        if tahun is None or triwulan is None:
            # The pages' rule: the latest quarter with realisasi, or a past year's whole year.
            _years, latest = periods_available(region=region)
            period = period_resolve(latest=latest, tahun=tahun, triwulan=triwulan)
            if period is None:
                raise ValidationError({"tahun": ["the region has no DPA yet: name a year"]})
            tahun, triwulan = period.tahun, period.triwulan
        ranked, unranked = opd_ranking(
            region=region,
            tahun=tahun,
            triwulan=triwulan,
            measure=q["ukuran"],
            bands=bands_for(region_id=region.pk),
        )
        statuses = report_statuses(region=region, tahun=tahun, triwulan=triwulan)
        body = serializers.RankingSerializer(
            {
                "tahun": tahun,
                "triwulan": triwulan,
                "ukuran": q["ukuran"],
                "rows": ranked,
                "tidak_diperingkat": serializers.RankingSerializer.unranked(unranked),
            },
            context={"ukuran": q["ukuran"], "statuses": statuses},
        )
        return Response(body.data)
