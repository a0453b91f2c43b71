from django.contrib import admin

from budget import models


class RegionScopedAdmin(admin.ModelAdmin):
    list_filter = ["region"]
    list_per_page = 50


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
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


class RealisasiInline(admin.TabularInline):
    model = models.Realisasi
    extra = 0
    fields = ["triwulan", "jumlah", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(models.DpaLine)
class DpaLineAdmin(RegionScopedAdmin):
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
        obj.jenis = obj.account.jenis
        super().save_model(request, obj, form, change)


@admin.register(models.Realisasi)
class RealisasiAdmin(RegionScopedAdmin):
    list_display = ["line", "triwulan", "jumlah", "updated_at"]
    list_filter = ["region", "triwulan", "line__tahun"]
    search_fields = ["line__opd__kode", "line__account__kode"]
    list_select_related = ["line__opd", "line__account"]
    raw_id_fields = ["line"]


@admin.register(models.CriteriaBand)
class CriteriaBandAdmin(admin.ModelAdmin):
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
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "opd"]
    list_select_related = ["user", "region", "opd"]
    raw_id_fields = ["opd"]
