"""DPA murni against the DPA in force (budget.versions), on the OPD page and in the region's
report: the versions with their number and date, and what each DPPA or pergeseran changed,
line by line, with its class."""

from typing import Any

import django_tables2 as tables
from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from budget.models import DpaLineVersion, DpaVersion, DpaVersionJenis, PerubahanKelas, Region
from budget.money import format_number
from budget.versions import changed_lines, versions_of
from dashboard.tables import MoneyColumn, PercentColumn, SafeTableExport, label_cells
from dashboard.templatetags.serapan import badge

CHANGES_PER_PAGE = 25
EXPORT_FORMATS = ("csv", "xlsx")
# The palette's rank of each class (1 green … 5 red): more money is good news for the OPD,
# a removed line the worst; unchanged lines are neutral.
KELAS_RANK = {
    PerubahanKelas.TAMBAH.value: 1,
    PerubahanKelas.BARU.value: 2,
    PerubahanKelas.TETAP.value: 3,
    PerubahanKelas.RASIONALISASI.value: 4,
    PerubahanKelas.DIHAPUS.value: 5,
}


_NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


def signed(value) -> str:
    """An amount with its sign: +1.000, -1.000, 0."""
    return ("+" if value > 0 else "") + format_number(value)


def kelas_badge(kelas: str) -> str:
    return badge(str(PerubahanKelas(kelas).label), KELAS_RANK[kelas])


def version_label(version: DpaVersion) -> str:
    return str(DpaVersionJenis(version.jenis).label)


class VersionTable(tables.Table):
    """The year's DPA versions in order, with the belanja pagu each leaves in force."""

    jenis = tables.Column(_("Document"), attrs={"td": {"class": "nama"}})
    nomor = tables.Column(_("Number"), default="—")
    tanggal = tables.DateColumn("d-m-Y", verbose_name=_("In force from"))
    pagu_belanja = MoneyColumn(_("Belanja pagu (Rp)"))
    n_berubah = tables.Column(_("Lines new or changed"), attrs=_NUM)
    keterangan = tables.Column(_("Note"), default="—")

    class Meta:
        attrs = {"class": "data versions stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_cells(self, skip=("jenis",))

    def render_jenis(self, record: DpaVersion) -> str:
        return version_label(record)

    def value_jenis(self, record: DpaVersion) -> str:
        return version_label(record)


class ChangedLineTable(tables.Table):
    """The lines DPPA and pergeseran changed: before, after and the class of the change."""

    rekening = tables.Column(
        _("Account"), accessor="line__account__kode", attrs={"td": {"class": "nama"}}
    )
    sub_kegiatan = tables.Column(
        _("Sub kegiatan"), accessor="line__sub_kegiatan__kode", default="—"
    )
    versi = tables.Column(_("Document"), accessor="version", empty_values=())
    kelas = tables.Column(_("Change"), empty_values=())
    pagu_sebelum = MoneyColumn(_("Pagu before (Rp)"))
    pagu = MoneyColumn(_("Pagu after (Rp)"))
    selisih = tables.Column(_("Difference (Rp)"), attrs=_NUM)

    class Meta:
        attrs = {"class": "data changes stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_cells(self, skip=("rekening",))

    def render_rekening(self, record: DpaLineVersion) -> str:
        account = record.line.account
        return format_html('{}<br><span class="small">{}</span>', account.kode, account.uraian)

    def value_rekening(self, record: DpaLineVersion) -> str:
        return record.line.account.kode

    def render_versi(self, record: DpaLineVersion) -> str:
        v = record.version
        return format_html(
            '{}<br><span class="small">{} {}</span>',
            version_label(v),
            v.nomor,
            f"{v.tanggal:%d-%m-%Y}",
        )

    def value_versi(self, record: DpaLineVersion) -> str:
        v = record.version
        return f"{version_label(v)} {v.nomor} {v.tanggal:%d-%m-%Y}".replace("  ", " ")

    def render_kelas(self, record: DpaLineVersion) -> str:
        return kelas_badge(record.kelas)

    def value_kelas(self, record: DpaLineVersion) -> str:
        return str(PerubahanKelas(record.kelas).label)

    def render_selisih(self, value) -> str:
        return signed(value)

    def value_selisih(self, value):
        return value


class ChangeFilter(forms.Form):
    """Which changes the OPD page lists: a class (empty: every one but *tetap*) and a version."""

    ubah_kelas = forms.ChoiceField(
        label=_("Change"),
        required=False,
        choices=[("", _("Every change")), *PerubahanKelas.choices],
    )
    ubah_versi = forms.TypedChoiceField(label=_("Document"), required=False, coerce=int)

    def __init__(self, *args, versions: list[DpaVersion], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["ubah_versi"]
        if not isinstance(field, forms.TypedChoiceField):
            raise TypeError("ubah_versi is a TypedChoiceField")
        field.choices = [
            ("", _("Every DPPA and pergeseran")),
            *(
                (v.pk, f"{version_label(v)} {v.nomor} ({v.tanggal:%d-%m-%Y})".replace("  ", " "))
                for v in versions
                if v.jenis != DpaVersionJenis.MURNI.value
            ),
        ]


def _export(request: HttpRequest, table: tables.Table, name: str) -> HttpResponse | None:
    fmt = request.GET.get("_export")
    if fmt in EXPORT_FORMATS and request.GET.get("_tabel") == name:
        return SafeTableExport(fmt, table).response(f"{name}.{fmt}")
    return None


def opd_section(
    request: HttpRequest, *, region: Region, opd: Any, tahun: int
) -> dict[str, Any] | HttpResponse:
    """The OPD page's *DPA murni vs berlaku*: the versions and the changed lines (filtered,
    paginated; exported when asked). One query for the versions; the changed lines only when
    a DPPA or pergeseran exists (their count and their page)."""
    versions = versions_of(region=region, tahun=tahun, opd=opd)
    revised = [v for v in versions if v.jenis != DpaVersionJenis.MURNI.value]
    version_table = VersionTable(versions, prefix="versi-")
    context: dict[str, Any] = {"dpa_versions": versions, "version_table": version_table}
    if not revised:
        return context
    form = ChangeFilter(request.GET or None, versions=versions)
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = changed_lines(
        region=region,
        tahun=tahun,
        opd=opd,
        kelas=chosen.get("ubah_kelas") or "",
        version=next((v for v in revised if v.pk == chosen.get("ubah_versi")), None),
    )
    table = ChangedLineTable(rows, prefix="ubah-")
    RequestConfig(request, paginate={"per_page": CHANGES_PER_PAGE}).configure(table)
    if response := _export(request, table, "perubahan"):
        return response
    return {**context, "change_table": table, "change_form": form}


class OpdChangeTable(tables.Table):
    """Per OPD, belanja: the murni pagu against the pagu in force and absorption against each
    (the region's report of DPA changes)."""

    kode = tables.Column(_("Code"), attrs={"td": {"class": "kode"}})
    nama = tables.Column(_("OPD"), attrs={"td": {"class": "nama"}})
    pagu_murni = MoneyColumn(_("Original pagu (Rp)"))
    pagu = MoneyColumn(_("Pagu in force (Rp)"))
    perubahan_pagu = tables.Column(_("Change (Rp)"), attrs=_NUM)
    realisasi_kumulatif = MoneyColumn(_("Spent to date (Rp)"))
    serapan_murni = PercentColumn(_("Absorption of original pagu (%)"))
    serapan = PercentColumn(_("Absorption of pagu in force (%)"))

    class Meta:
        attrs = {"class": "data opd-changes stack-phone"}
        orderable = False
        template_name = "django_tables2/table.html"

    def __init__(self, *args, link=None, **kwargs):
        self.link = link
        super().__init__(*args, **kwargs)
        label_cells(self, skip=("nama",))

    def render_nama(self, value: str, record) -> str:
        url = self.link(record) if self.link else None
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_nama(self, value: str) -> str:
        return value

    def render_perubahan_pagu(self, value) -> str:
        return signed(value)

    def value_perubahan_pagu(self, value):
        return value
