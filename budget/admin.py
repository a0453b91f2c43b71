from django import forms
from django.contrib import admin

from budget import models
from budget.roles import actor_for, can_administer
from budget.workflow import WorkflowError, check_single_realisasi


class RealisasiForm(forms.ModelForm):
    """The admin obeys the same rules as the entry page: no edit in a submitted or verified
    quarter, no belanja above the pagu."""

    class Meta:
        model = models.Realisasi
        fields = ["line", "triwulan", "jumlah"]

    def clean(self):
        data = super().clean()
        line = data.get("line")
        if line is None and self.instance.line_id:  # inline under its DPA line
            line = self.instance.line
        triwulan, jumlah = data.get("triwulan"), data.get("jumlah")
        if self.instance.pk and (
            self.instance.line_id != getattr(line, "pk", None) or self.instance.triwulan != triwulan
        ):
            # Moving a figure to another line or quarter would change two quarters at once.
            raise forms.ValidationError("Baris DPA dan triwulan realisasi tidak dapat diubah.")
        if line is not None and triwulan is not None and jumlah is not None:
            try:
                check_single_realisasi(
                    line=line, triwulan=triwulan, jumlah=jumlah, exclude_pk=self.instance.pk
                )
            except WorkflowError as exc:
                raise forms.ValidationError(str(exc)) from None
        if line is not None:
            self.instance.region_id = line.region_id
        return data


class BpkadOnlyMixin:
    """The budget's admin pages follow the roles of budget.roles, not Django's per-model
    permissions: a BPKAD verifier (group BPKAD, staff) administers every budget model without
    being a superuser; the head of region and treasurers, even if made staff, do not."""

    def _may_administer(self, request) -> bool:
        actor = getattr(request, "_serapan_actor", None)
        if actor is None:  # asked many times per admin page: one query per request
            actor = request._serapan_actor = actor_for(request.user)
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
    list_display = ["kode", "nama", "created_at"]
    search_fields = ["kode", "nama"]


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
    form = RealisasiForm
    extra = 0
    fields = ["triwulan", "jumlah", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(models.DpaLine)
class DpaLineAdmin(NoDeleteMixin, RegionScopedAdmin):
    list_display = [
        "tahun",
        "opd",
        "sub_kegiatan",
        "account",
        "jenis",
        "pagu",
        "pagu_murni",
        "kas_tw1",
        "kas_tw2",
        "kas_tw3",
        "kas_tw4",
    ]
    list_filter = ["region", "tahun", "jenis"]
    search_fields = ["opd__kode", "opd__nama", "sub_kegiatan__kode", "account__kode"]
    list_select_related = ["opd", "sub_kegiatan", "account"]
    raw_id_fields = ["opd", "sub_kegiatan", "account"]
    readonly_fields = ["pagu_murni", "created_at", "updated_at"]
    inlines = [RealisasiInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pagu_murni = obj.pagu
            obj.region = obj.opd.region
        obj.jenis = obj.account.jenis
        super().save_model(request, obj, form, change)


@admin.register(models.Realisasi)
class RealisasiAdmin(NoDeleteMixin, RegionScopedAdmin):
    form = RealisasiForm
    list_display = ["line", "triwulan", "jumlah", "updated_at"]
    list_filter = ["region", "triwulan", "line__tahun"]
    search_fields = ["line__opd__kode", "line__account__kode"]
    list_select_related = ["line__opd", "line__account"]
    raw_id_fields = ["line"]


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
