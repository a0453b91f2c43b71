from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import models as db
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget import models
from budget.importing.columns import LINE_FIELDS
from budget.money import non_ascii_digit, non_ascii_digit_message
from budget.roles import Actor, actor_for, can_administer
from budget.workflow import (
    WorkflowError,
    dpa_line_save,
    realisasi_correct,
    report_version,
)

# The admin speaks for Serapan, not for "Django administration".
admin.site.site_header = gettext_lazy("Serapan administration")
admin.site.site_title = gettext_lazy("Serapan administration")
admin.site.index_title = gettext_lazy("Data of the region")


class AsciiDigitsMixin:
    """Django's number fields read `１２３` and `١٢٣` as 123 (Decimal() and int() take any
    Unicode digit); the admin, like the imports and the entry page, takes 0-9 only."""

    def to_python(self, value):
        if isinstance(value, str) and (char := non_ascii_digit(value)) is not None:
            raise forms.ValidationError(non_ascii_digit_message(value.strip(), char), "invalid")
        return super().to_python(value)  # type: ignore[misc]


class AsciiDecimalField(AsciiDigitsMixin, forms.DecimalField):
    pass


class AsciiIntegerField(AsciiDigitsMixin, forms.IntegerField):
    pass


# Every number the budget's admin pages take (amounts, years, quarters, band limits).
ASCII_NUMBER_FIELDS: "Mapping[type[db.Field[Any, Any]], Mapping[str, Any]]" = {
    db.DecimalField: {"form_class": AsciiDecimalField},
    db.IntegerField: {"form_class": AsciiIntegerField},
}


class VersionField(forms.IntegerField):
    """The version of the quarter's report when the form was opened. Never a change of its
    own: a form whose figure stays as it was is not a write."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


class ActorForm(forms.ModelForm):
    """A form that writes through the workflow's services, as the person saving it (`actor`,
    set by the admin for each request)."""

    actor: Actor | None = None

    def acting(self) -> Actor:
        if self.actor is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} writes through the workflow and needs its actor: "
                "set it as the admin's get_form does"
            )
        return self.actor


def _with_actor(form: type[forms.ModelForm], actor: Actor) -> None:
    if not issubclass(form, ActorForm):
        raise ImproperlyConfigured(f"{form.__name__} is not an ActorForm: it has no actor")
    form.actor = actor


class RealisasiForm(ActorForm):
    """The admin writes a realisasi through the same service as the entry page
    (workflow.realisasi_correct): no edit in a submitted or verified quarter, no belanja above
    the pagu, and the quarter's report version moves on, so that an entry page opened before
    the correction cannot save over it; a form opened before someone else saved the quarter
    is refused in turn. `actor` is set by the admin for each request."""

    version = VersionField()
    # The DPA line's own page saves the line, with a pagu changed on the same form, before
    # its realisasi: the figures are checked against that pagu.
    pending_pagu = False

    class Meta:
        model = models.Realisasi
        fields = ["line", "triwulan", "jumlah"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = report_version(
                line=self.instance.line, triwulan=self.instance.triwulan
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        line = data.get("line")
        if line is None and self.instance.line_id:  # inline under its DPA line
            line = self.instance.line
        triwulan, jumlah = data.get("triwulan"), data.get("jumlah")
        if self.instance.pk and (
            self.instance.line_id != getattr(line, "pk", None) or self.instance.triwulan != triwulan
        ):
            # Moving a figure to another line or quarter would change two quarters at once.
            raise forms.ValidationError(
                _("The DPA line and quarter of a realisasi cannot be changed.")
            )
        if line is not None and line.pk is None:
            raise forms.ValidationError(_("Save the DPA line first, then enter its realisasi."))
        if line is not None and triwulan is not None and jumlah is not None:
            try:
                realisasi_correct(
                    actor=self.acting(),
                    line_id=line.pk,
                    triwulan=triwulan,
                    jumlah=jumlah,
                    version=data.get("version"),
                    pagu=line.pagu if self.pending_pagu else None,
                    dry_run=True,
                )
            except WorkflowError as exc:
                raise forms.ValidationError(str(exc)) from None
        if line is not None:
            self.instance.region_id = line.region_id
        return data

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        return self.write()

    def write(self) -> models.Realisasi:
        """Store the figure through the workflow instead of Model.save()."""
        obj = self.instance
        return realisasi_correct(
            actor=self.acting(),
            line_id=obj.line_id,
            triwulan=obj.triwulan,
            jumlah=obj.jumlah,
            version=self.cleaned_data.get("version"),
        )


class RealisasiInlineForm(RealisasiForm):
    pending_pagu = True


# A DPA line is identified by its year, OPD, sub kegiatan and account.
LINE_KEY = ["tahun", "opd", "sub_kegiatan", "account"]


class DpaLineForm(ActorForm):
    """A DPA line by hand obeys import_dpa's rules (workflow.dpa_line_save): a pagu may not
    fall below what is already realised on the line. `actor` is set by the admin."""

    class Meta:
        model = models.DpaLine
        # The line's key, then the fields an import writes (one table: importing.columns).
        fields = ["region", *LINE_KEY, "jenis", *LINE_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        opd, account, pagu = data.get("opd"), data.get("account"), data.get("pagu")
        tahun = data.get("tahun")
        if opd is None or account is None or pagu is None or tahun is None:
            return data
        candidate = models.DpaLine(
            pk=self.instance.pk, opd=opd, account=account, pagu=pagu, tahun=tahun
        )
        try:
            dpa_line_save(actor=self.acting(), line=candidate, dry_run=True)
        except WorkflowError as exc:
            self.add_error(getattr(exc, "field", "pagu"), str(exc))
        return data


class BpkadOnlyMixin:
    """The budget's admin pages follow the roles of budget.roles, not Django's per-model
    permissions: a BPKAD verifier (group BPKAD, staff) administers every budget model without
    being a superuser; the head of region and treasurers, even if made staff, do not.
    Numbers are typed with the digits 0-9 only (`ASCII_NUMBER_FIELDS`)."""

    formfield_overrides: "ClassVar[Mapping[type[db.Field[Any, Any]], Mapping[str, Any]]]" = (
        ASCII_NUMBER_FIELDS
    )

    def _actor(self, request) -> Actor:
        actor = getattr(request, "_serapan_actor", None)
        if actor is None:  # asked many times per admin page: one query per request
            actor = request._serapan_actor = actor_for(request.user)
        return actor

    def _may_administer(self, request) -> bool:
        actor = self._actor(request)
        return request.user.is_active and request.user.is_staff and can_administer(actor)

    def has_module_permission(self, request):
        return self._may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self._may_administer(request)

    def has_add_permission(self, request, *args, **kwargs):
        return self._may_administer(request)

    def has_change_permission(self, request, obj=None):
        return self._may_administer(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_administer(request)


class ActorFormMixin(BpkadOnlyMixin, admin.ModelAdmin):
    """Hands the form the person saving it, for the workflow's services."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        _with_actor(form, self._actor(request))
        return form


class NoDeleteMixin:
    """Figures people entered are never deleted through the admin (the audit trail keeps
    every change; a wrong figure is corrected, not removed)."""

    def has_delete_permission(self, request, obj=None):
        return False


class RegionScopedAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    list_filter = ["region"]
    list_per_page = 50


@admin.register(models.Region)
class RegionAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    list_display = ["kode", "nama", "ttd_nama", "created_at"]
    search_fields = ["kode", "nama"]
    fieldsets = [
        (None, {"fields": ["kode", "nama"]}),
        (
            gettext_lazy("Signatory of the reports"),
            {
                "fields": ["ttd_nama", "ttd_nip", "ttd_jabatan", "ttd_tempat"],
                "description": gettext_lazy(
                    "Printed under the LRA of the region, with the date of printing."
                ),
            },
        ),
        (
            gettext_lazy("Early warning and nilai kinerja"),
            {
                "fields": [
                    "batas_laporan_hari",
                    "bobot_deviasi_kas",
                    "bobot_penyerapan",
                    "bobot_ketepatan",
                    "bobot_revisi",
                    "bobot_fisik",
                ],
                "description": gettext_lazy(
                    "The weights of the composite nilai kinerja (after Kemenkeu's IKPA: 15, 20, "
                    "10, 10 and 25); a component not yet measured is left out and the others "
                    "renormalised."
                ),
            },
        ),
    ]


@admin.register(models.Opd)
class OpdAdmin(RegionScopedAdmin):
    list_display = ["kode", "nama", "region"]
    search_fields = ["kode", "nama"]
    list_select_related = ["region"]


@admin.register(models.Program)
class ProgramAdmin(RegionScopedAdmin):
    list_display = ["kode", "nama", "region"]
    search_fields = ["kode", "nama"]
    list_select_related = ["region"]


@admin.register(models.Kegiatan)
class KegiatanAdmin(RegionScopedAdmin):
    list_display = ["kode", "nama", "program"]
    search_fields = ["kode", "nama"]
    list_select_related = ["program"]
    raw_id_fields = ["program"]


@admin.register(models.SubKegiatan)
class SubKegiatanAdmin(RegionScopedAdmin):
    list_display = ["kode", "nama", "kegiatan"]
    search_fields = ["kode", "nama"]
    list_select_related = ["kegiatan"]
    raw_id_fields = ["kegiatan"]


@admin.register(models.Account)
class AccountAdmin(RegionScopedAdmin):
    list_display = ["kode", "uraian", "level", "jenis", "region"]
    list_filter = ["region", "jenis", "level"]
    search_fields = ["kode", "uraian"]
    list_select_related = ["region"]


class RealisasiInline(NoDeleteMixin, BpkadOnlyMixin, admin.TabularInline):
    model = models.Realisasi
    form = RealisasiInlineForm
    extra = 0
    fields = ["triwulan", "jumlah", "version", "updated_at"]
    readonly_fields = ["updated_at"]

    def get_formset(
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        formset = super().get_formset(request, obj, **kwargs)
        _with_actor(formset.form, self._actor(request))
        return formset


@admin.register(models.DpaLine)
class DpaLineAdmin(NoDeleteMixin, ActorFormMixin, RegionScopedAdmin):
    form = DpaLineForm
    list_display = [*LINE_KEY, "jenis", "pagu_murni", *LINE_FIELDS]
    list_filter = ["region", "tahun", "jenis", "sumber_dana"]
    search_fields = ["opd__kode", "opd__nama", "sub_kegiatan__kode", "account__kode"]
    list_select_related = ["opd", "sub_kegiatan", "account"]
    raw_id_fields = ["opd", "sub_kegiatan", "account"]
    readonly_fields = ["pagu_murni", "created_at", "updated_at"]
    inlines = [RealisasiInline]

    def save_model(self, request, obj, form, change):
        dpa_line_save(actor=self._actor(request), line=obj)


@admin.register(models.Realisasi)
class RealisasiAdmin(NoDeleteMixin, ActorFormMixin, RegionScopedAdmin):
    form = RealisasiForm
    list_display = ["line", "triwulan", "jumlah", "updated_at"]
    list_filter = ["region", "triwulan", "line__tahun"]
    search_fields = ["line__opd__kode", "line__account__kode"]
    list_select_related = ["line__opd", "line__account"]
    raw_id_fields = ["line"]

    def save_model(self, request, obj, form, change):
        obj.pk = form.write().pk


@admin.register(models.CriteriaBand)
class CriteriaBandAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "kind",
        "rank",
        "label",
        "lower",
        "lower_inclusive",
        "upper",
        "upper_inclusive",
        "region",
    ]
    list_filter = ["kind", "region"]


@admin.register(models.TargetPenyerapan)
class TargetPenyerapanAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    """The jenis belanja the early warning scores, their account prefix and cumulative
    targets; rows without a region are the defaults (DESIGN §5)."""

    list_display = [
        "jenis_belanja",
        "prefix",
        "target_tw1",
        "target_tw2",
        "target_tw3",
        "target_tw4",
        "region",
    ]
    list_filter = ["region"]


@admin.register(models.OpdMapping)
class OpdMappingAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    """OPD codes that changed between years: the trends and the forecast read them as one."""

    list_display = ["kode_lama", "kode_baru", "catatan", "region"]
    list_filter = ["region"]
    search_fields = ["kode_lama", "kode_baru"]


@admin.register(models.Upaya)
class UpayaAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    """Remedial actions against the kendala an OPD named, followed up by BPKAD; the region is
    the OPD's."""

    list_display = [
        "opd",
        "tahun",
        "triwulan",
        "kendala",
        "penanggung_jawab",
        "batas_waktu",
        "status",
    ]
    list_filter = ["status", "tahun", "triwulan", "kendala"]
    list_select_related = ["opd"]
    search_fields = ["opd__kode", "opd__nama", "tindakan", "penanggung_jawab"]
    raw_id_fields = ["opd"]
    exclude = ["region"]

    def save_model(self, request, obj, form, change):
        obj.region_id = obj.opd.region_id
        super().save_model(request, obj, form, change)


@admin.register(models.Profile)
class ProfileAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "region", "opd"]
    list_select_related = ["user", "region", "opd"]
    raw_id_fields = ["opd"]


@admin.register(models.QuarterReport)
class QuarterReportAdmin(BpkadOnlyMixin, admin.ModelAdmin):
    """Read-only: a report moves only through the workflow (submit, verify, return, reopen)
    on the entry page, where who may do what is checked."""

    list_display = [
        "opd",
        "tahun",
        "triwulan",
        "status",
        "submitted_by",
        "verified_by",
        "updated_at",
    ]
    list_filter = ["region", "tahun", "triwulan", "status"]
    search_fields = ["opd__kode", "opd__nama"]
    list_select_related = ["opd", "submitted_by", "verified_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    """Written by the DPA import only (budget.versions): a version is a document's record and
    is never changed afterwards, in the admin either."""

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.DpaVersion)
class DpaVersionAdmin(ReadOnlyMixin, RegionScopedAdmin):
    list_display = ["tahun", "jenis", "nomor", "tanggal", "berkas", "created_at", "region"]
    list_filter = ["region", "tahun", "jenis"]
    search_fields = ["nomor", "keterangan", "berkas"]
    list_select_related = ["region"]
    date_hierarchy = "tanggal"


@admin.register(models.DpaLineVersion)
class DpaLineVersionAdmin(ReadOnlyMixin, RegionScopedAdmin):
    list_display = ["version", "line", "kelas", "pagu_sebelum", "pagu"]
    list_filter = ["region", "version__tahun", "version__jenis", "kelas"]
    search_fields = ["line__opd__kode", "line__account__kode", "version__nomor"]
    list_select_related = ["version", "line__opd", "line__account"]
    raw_id_fields = ["version", "line"]
