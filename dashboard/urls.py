from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import audit, dana, entry, health, imports, jobs, views, warning
from dashboard.reports import perubahan, sap
from dashboard.reports import views as reports

urlpatterns = [
    path("", views.home, name="home"),
    path("opd/<str:kode>/", views.opd_detail, name="opd_detail"),
    path("peringkat/", views.ranking, name="ranking"),
    path("peringatan/", warning.peringatan, name="peringatan"),
    path("tren/", warning.tren, name="tren"),
    path("kendala/", warning.kendala, name="kendala"),
    path("sumber-dana/", dana.sumber_dana, name="sumber_dana"),
    path("sumber-dana/dak/", dana.dak, name="dak"),
    path("riwayat/", audit.audit_page, name="audit"),
    path("peringkat/cetak.pdf", reports.ranking_pdf, name="ranking_pdf"),
    path("laporan/", reports.laporan, name="laporan"),
    path("laporan/lra.xlsx", reports.lra_xlsx, name="lra_xlsx"),
    path("laporan/lra.pdf", reports.lra_pdf, name="lra_pdf"),
    path("laporan/lra-sap.pdf", sap.lra_sap_pdf, name="lra_sap_pdf"),
    path("laporan/lra-sap.xlsx", sap.lra_sap_xlsx, name="lra_sap_xlsx"),
    path("laporan/perubahan-dpa/", perubahan.perubahan_dpa, name="perubahan_dpa"),
    path(
        "opd/<str:kode>/realisasi/<int:tahun>/<int:triwulan>/",
        entry.realisasi_entry,
        name="realisasi_entry",
    ),
    path("impor/", imports.import_page, name="import"),
    path("impor/templat/<str:name>.xlsx", imports.import_template, name="import_template"),
    path("tugas/<uuid:pk>/", jobs.job_page, name="job"),
    path("tugas/<uuid:pk>/status.json", jobs.job_status_json, name="job_status"),
    path("tugas/<uuid:pk>/berkas", jobs.job_download, name="job_download"),
    path("tugas/<uuid:pk>/aksi", jobs.job_action, name="job_action"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", health.favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include("dashboard.api.urls")),
    # English on request: POST language=en to /i18n/setlang/ (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
]
