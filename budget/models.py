"""The budget's data: region, work units, the Permendagri 90 hierarchy, DPA lines, realisasi.

Every table carries the region key so that one deployment can hold many regions and the data
can later be distributed by region (Citus co-locates tables on a shared distribution column).
Invariants that must never break are database constraints, not only form validation.
"""

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from budget.codes import Jenis
from budget.money import MONEY, MoneyOptions


def validate_nip(value: str) -> None:
    """A civil servant's NIP: 18 digits (birth date, appointment month, sex, number), written
    with or without the customary spaces."""
    digits = value.replace(" ", "")
    if value and not (digits.isascii() and digits.isdigit() and len(digits) == 18):
        raise ValidationError(
            _("A NIP has 18 digits (spaces allowed), e.g. 19700101 199003 1 001.")
        )


class Region(models.Model):
    """A pemda: province, kabupaten or kota."""

    kode = models.CharField(_("code"), max_length=20, unique=True)
    nama = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who signs the region's reports (the LRA), as BPKAD sets it in the admin.
    ttd_nama = models.CharField(_("signatory's name"), max_length=200, blank=True)
    ttd_nip = models.CharField(
        _("signatory's NIP"),
        max_length=21,
        blank=True,
        validators=[validate_nip],
        help_text=_("18 digits; spaces allowed (19700101 199003 1 001)."),
    )
    ttd_jabatan = models.CharField(
        _("signatory's position"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Kepala Badan Pengelolaan Keuangan dan Aset Daerah"),
    )
    ttd_tempat = models.CharField(
        _("place of signing"), max_length=100, blank=True, help_text=_("E.g. Sukamaju")
    )
    # Early warning (budget.kinerja): when quarterly reports are due, and the weights of the
    # composite nilai kinerja (after Kemenkeu's IKPA), as BPKAD sets them in the admin.
    batas_laporan_hari = models.PositiveSmallIntegerField(
        _("report deadline (days after the quarter)"),
        default=10,
        validators=[MaxValueValidator(90)],
        help_text=_("A quarterly report is on time when submitted within this many days."),
    )
    bobot_deviasi_kas = models.PositiveSmallIntegerField(
        _("weight: cash plan deviation"), default=15
    )
    bobot_penyerapan = models.PositiveSmallIntegerField(
        _("weight: absorption against target"), default=20
    )
    bobot_ketepatan = models.PositiveSmallIntegerField(_("weight: timely reports"), default=10)
    bobot_revisi = models.PositiveSmallIntegerField(_("weight: DPA revisions"), default=10)
    bobot_fisik = models.PositiveSmallIntegerField(_("weight: physical progress"), default=25)

    class Meta:
        verbose_name = _("pemda")
        verbose_name_plural = _("pemda")
        ordering = ["kode"]

    def __str__(self) -> str:
        return self.nama


class RegionScoped(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("pemda"))

    class Meta:
        abstract = True


class Opd(RegionScoped):
    """A work unit (OPD/SKPD) that executes part of the budget through its DPA."""

    kode = models.CharField(_("code"), max_length=40)
    nama = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("OPD")
        verbose_name_plural = _("OPD")
        ordering = ["region", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode"], name="opd_unique_kode"),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


class Program(RegionScoped):
    kode = models.CharField(_("code"), max_length=20)
    nama = models.CharField(_("name"), max_length=500)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("program")
        ordering = ["region", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode"], name="program_unique_kode"),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


class Kegiatan(RegionScoped):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="kegiatan")
    kode = models.CharField(_("code"), max_length=30)
    nama = models.CharField(_("name"), max_length=500)

    class Meta:
        verbose_name = _("kegiatan")
        verbose_name_plural = _("kegiatan")
        ordering = ["region", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode"], name="kegiatan_unique_kode"),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


class SubKegiatan(RegionScoped):
    kegiatan = models.ForeignKey(Kegiatan, on_delete=models.PROTECT, related_name="sub_kegiatan")
    kode = models.CharField(_("code"), max_length=40)
    nama = models.CharField(_("name"), max_length=500)

    class Meta:
        verbose_name = _("sub kegiatan")
        verbose_name_plural = _("sub kegiatan")
        ordering = ["region", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode"], name="sub_kegiatan_unique_kode"),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.nama}"


JENIS_CHOICES = [
    (Jenis.PENDAPATAN.value, _("pendapatan")),
    (Jenis.BELANJA.value, _("belanja")),
    (Jenis.PEMBIAYAAN.value, _("pembiayaan")),
]


class Account(RegionScoped):
    """A kode rekening; its level (1 akun … 6 sub rincian objek) and jenis follow from the code."""

    kode = models.CharField(_("account code"), max_length=30)
    uraian = models.CharField(_("description"), max_length=500)
    level = models.PositiveSmallIntegerField(_("level"))
    jenis = models.CharField(_("jenis"), max_length=12, choices=JENIS_CHOICES)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("account")
        ordering = ["region", "kode"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode"], name="account_unique_kode"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=6), name="account_level_1_to_6"
            ),
            models.CheckConstraint(
                condition=Q(jenis__in=[j.value for j in Jenis]), name="account_jenis_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kode} {self.uraian}"


# Every change to the numbers people enter is kept by PostgreSQL triggers (django-pghistory):
# bulk imports, admin edits and raw SQL alike, with who and where from in the event's context.
# Statement-level triggers (one per INSERT/UPDATE statement, reading its transition table)
# write the same events as row-level ones at a fraction of the cost: a 90.000-row import
# spent 33 s in per-row triggers against 4 s (docs/PERFORMANCE.md).


def history_events() -> tuple:
    """Fresh trackers for each model (a tracker binds to the model it tracks)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class SumberDana(models.TextChoices):
    """The fund source of a DPA line, as SIPD names them; a line may have none."""

    PAD = "PAD", "PAD"
    DAU = "DAU", "DAU"
    DAK_FISIK = "DAK Fisik", "DAK Fisik"
    DAK_NON_FISIK = "DAK Non Fisik", "DAK Non Fisik"
    DBH = "DBH", "DBH"
    BANKEU_PROVINSI = "Bantuan Keuangan Provinsi", "Bantuan Keuangan Provinsi"
    PINJAMAN = "Pinjaman", "Pinjaman"
    LAINNYA = "Lainnya", _("Other")


@pghistory.track(*history_events(), level=pgtrigger.Statement)
class DpaLine(RegionScoped):
    """One DPA budget line: OPD × sub kegiatan × account, with its pagu and quarterly cash plan.

    `pagu` is the amount in force (after any DPPA or pergeseran); `pagu_murni` is the amount of
    the first (murni) DPA, kept for comparison. The cash plan (anggaran kas) is per quarter, not
    cumulative, and always adds up to the pagu in force.
    """

    tahun = models.PositiveSmallIntegerField(_("year"))
    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, related_name="dpa_lines")
    sub_kegiatan = models.ForeignKey(
        SubKegiatan, on_delete=models.PROTECT, null=True, blank=True, related_name="dpa_lines"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="dpa_lines")
    # Copied from the account so that the constraint below and every roll-up can use it
    # without a join; the account's jenis never changes (it is the first code segment).
    jenis = models.CharField(_("jenis"), max_length=12, choices=JENIS_CHOICES)
    pagu = models.DecimalField(_("pagu"), **MONEY)
    pagu_murni = models.DecimalField(_("pagu murni"), **MONEY)
    kas_tw1 = models.DecimalField(_("cash plan TW I"), **MONEY, default=Decimal("0"))
    kas_tw2 = models.DecimalField(_("cash plan TW II"), **MONEY, default=Decimal("0"))
    kas_tw3 = models.DecimalField(_("cash plan TW III"), **MONEY, default=Decimal("0"))
    kas_tw4 = models.DecimalField(_("cash plan TW IV"), **MONEY, default=Decimal("0"))
    # Empty when the DPA file does not say (the column is optional).
    sumber_dana = models.CharField(
        _("fund source"), max_length=30, choices=SumberDana.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("DPA line")
        verbose_name_plural = _("DPA line")
        ordering = ["region", "tahun", "opd", "sub_kegiatan", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "tahun", "opd", "sub_kegiatan", "account"],
                name="dpa_line_unique_key",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(tahun__gte=2000, tahun__lte=2100), name="dpa_tahun"),
            models.CheckConstraint(
                condition=Q(
                    pagu__gte=0,
                    pagu_murni__gte=0,
                    kas_tw1__gte=0,
                    kas_tw2__gte=0,
                    kas_tw3__gte=0,
                    kas_tw4__gte=0,
                ),
                name="dpa_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(pagu=F("kas_tw1") + F("kas_tw2") + F("kas_tw3") + F("kas_tw4")),
                name="dpa_cash_plan_adds_up_to_pagu",
            ),
            # Spending is always budgeted under a sub kegiatan; revenue and financing never are.
            models.CheckConstraint(
                condition=(
                    Q(jenis=Jenis.BELANJA.value, sub_kegiatan__isnull=False)
                    | (~Q(jenis=Jenis.BELANJA.value) & Q(sub_kegiatan__isnull=True))
                ),
                name="dpa_sub_kegiatan_iff_belanja",
            ),
            models.CheckConstraint(
                condition=Q(jenis__in=[j.value for j in Jenis]), name="dpa_jenis_valid"
            ),
            models.CheckConstraint(
                condition=Q(sumber_dana__in=["", *SumberDana.values]), name="dpa_sumber_dana_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "tahun", "opd"], name="dpa_region_tahun_opd"),
            models.Index(fields=["region", "tahun", "jenis"], name="dpa_region_tahun_jenis"),
        ]

    def __str__(self) -> str:
        return f"{self.tahun} {self.opd.kode} {self.account.kode}"


@pghistory.track(*history_events(), level=pgtrigger.Statement)
class Realisasi(RegionScoped):
    """The amount realised on a DPA line within one quarter (not cumulative)."""

    line = models.ForeignKey(DpaLine, on_delete=models.PROTECT, related_name="realisasi")
    triwulan = models.PositiveSmallIntegerField(_("quarter"))
    jumlah = models.DecimalField(_("realisasi"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("realisasi")
        verbose_name_plural = _("realisasi")
        ordering = ["line", "triwulan"]
        constraints = [
            models.UniqueConstraint(fields=["line", "triwulan"], name="realisasi_one_per_quarter"),
            models.CheckConstraint(
                condition=Q(triwulan__gte=1, triwulan__lte=4), name="realisasi_triwulan_1_to_4"
            ),
            models.CheckConstraint(condition=Q(jumlah__gte=0), name="realisasi_not_negative"),
        ]
        indexes = [
            models.Index(fields=["region", "line", "triwulan"], name="realisasi_region_line_tw"),
        ]

    def __str__(self) -> str:
        return f"{self.line} TW{self.triwulan}"


class DpaVersionJenis(models.TextChoices):
    """Which DPA document a version is (Permendagri 77/2020): the original DPA, the DPPA after
    the APBD-Perubahan, or a pergeseran (a shift between accounts within the year)."""

    MURNI = "murni", _("DPA murni")
    PERUBAHAN = "perubahan", _("DPPA (perubahan)")
    PERGESERAN = "pergeseran", _("Pergeseran")


class DpaVersion(RegionScoped):
    """One DPA document of a year as imported: its kind, legal basis (nomor) and the date it
    takes effect. Versions are kept, never overwritten; a year's versions follow each other in
    order of `tanggal` (then of import), so the DPA in force on a day is the last version dated
    on or before it (budget.versions)."""

    Jenis = DpaVersionJenis

    tahun = models.PositiveSmallIntegerField(_("year"))
    jenis = models.CharField(_("kind"), max_length=12, choices=DpaVersionJenis.choices)
    nomor = models.CharField(_("DPA/DPPA number"), max_length=120, blank=True)
    tanggal = models.DateField(_("in force from"))
    keterangan = models.TextField(_("note"), blank=True)
    berkas = models.CharField(_("file"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("DPA version")
        verbose_name_plural = _("DPA versions")
        ordering = ["region", "tahun", "tanggal", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tahun__gte=2000, tahun__lte=2100), name="dpa_version_tahun"
            ),
            models.CheckConstraint(
                condition=Q(jenis__in=DpaVersionJenis.values), name="dpa_version_jenis_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "tahun", "tanggal"], name="dpa_version_in_force"),
        ]

    def __str__(self) -> str:
        nomor = f" {self.nomor}" if self.nomor else ""
        return f"{self.get_jenis_display()} {self.tahun}{nomor} ({self.tanggal:%d-%m-%Y})"


class PerubahanKelas(models.TextChoices):
    """How a version changed a line against the version in force before it."""

    BARU = "baru", _("new")
    TAMBAH = "tambah", _("increased")
    RASIONALISASI = "rasionalisasi", _("rationalised")
    DIHAPUS = "dihapus", _("removed")
    TETAP = "tetap", _("unchanged")


class DpaLineVersion(RegionScoped):
    """A DPA line as one version set it: its pagu and cash plan, the pagu in force before
    (None for a line new in it) and the class of the change. Every line of a version's file
    has one, changed or not."""

    Kelas = PerubahanKelas

    version = models.ForeignKey(
        DpaVersion, on_delete=models.PROTECT, related_name="lines", verbose_name=_("DPA version")
    )
    line = models.ForeignKey(
        DpaLine, on_delete=models.PROTECT, related_name="versions", verbose_name=_("DPA line")
    )
    pagu = models.DecimalField(_("pagu"), **MONEY)
    kas_tw1 = models.DecimalField(_("cash plan TW I"), **MONEY)
    kas_tw2 = models.DecimalField(_("cash plan TW II"), **MONEY)
    kas_tw3 = models.DecimalField(_("cash plan TW III"), **MONEY)
    kas_tw4 = models.DecimalField(_("cash plan TW IV"), **MONEY)
    pagu_sebelum = models.DecimalField(_("pagu before"), **MONEY, null=True, blank=True)
    kelas = models.CharField(_("change"), max_length=14, choices=PerubahanKelas.choices)

    class Meta:
        verbose_name = _("DPA line version")
        verbose_name_plural = _("DPA line versions")
        ordering = ["version", "line"]
        constraints = [
            # With the region key: unique under distribution by region too (docs/SCALE.md).
            models.UniqueConstraint(
                fields=["region", "version", "line"], name="dpa_line_version_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    pagu__gte=0, kas_tw1__gte=0, kas_tw2__gte=0, kas_tw3__gte=0, kas_tw4__gte=0
                )
                & (Q(pagu_sebelum__isnull=True) | Q(pagu_sebelum__gte=0)),
                name="dpa_line_version_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(pagu=F("kas_tw1") + F("kas_tw2") + F("kas_tw3") + F("kas_tw4")),
                name="dpa_line_version_cash_plan",
            ),
            models.CheckConstraint(
                condition=Q(kelas__in=PerubahanKelas.values), name="dpa_line_version_kelas"
            ),
            # A line new in a version has no pagu before it, and only such a line.
            models.CheckConstraint(
                condition=Q(kelas=PerubahanKelas.BARU, pagu_sebelum__isnull=True)
                | (~Q(kelas=PerubahanKelas.BARU) & Q(pagu_sebelum__isnull=False)),
                name="dpa_line_version_baru_has_no_before",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "line", "version"], name="dpa_line_version_line"),
            models.Index(fields=["region", "version", "kelas"], name="dpa_line_version_kelas_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.line_id} {self.kelas}"

    @property
    def selisih(self) -> Decimal:
        """The change of the pagu (a new line's whole pagu)."""
        return self.pagu - (self.pagu_sebelum or Decimal("0"))


class DpaVersionRollup(RegionScoped):
    """The whole DPA of a year in force under one version (its own lines and those earlier
    versions left), summed per OPD, jenis and three-segment account like `Rollup`: what the
    deviation of a quarter reads for the cash plan in force when the quarter began. Written
    once, when the version is recorded, from the roll-ups of that moment."""

    version = models.ForeignKey(DpaVersion, on_delete=models.CASCADE, related_name="rollups")
    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, related_name="+")
    jenis = models.CharField(_("jenis"), max_length=12, choices=JENIS_CHOICES)
    akun3 = models.CharField(_("account (3 segments)"), max_length=30)
    n_lines = models.PositiveIntegerField(default=0)
    pagu = models.DecimalField(_("pagu"), **MONEY)
    kas_tw1 = models.DecimalField(_("cash plan TW I"), **MONEY)
    kas_tw2 = models.DecimalField(_("cash plan TW II"), **MONEY)
    kas_tw3 = models.DecimalField(_("cash plan TW III"), **MONEY)
    kas_tw4 = models.DecimalField(_("cash plan TW IV"), **MONEY)

    class Meta:
        verbose_name = _("DPA version total")
        verbose_name_plural = _("DPA version totals")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "version", "opd", "jenis", "akun3"],
                name="dpa_version_rollup_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.opd_id} {self.jenis} {self.akun3}"


# A percentage of physical work: 0 to 100 with two decimals (45,50%).
PERSEN: MoneyOptions = {"max_digits": 5, "decimal_places": 2}


@pghistory.track(*history_events(), level=pgtrigger.Statement)
class RealisasiFisik(RegionScoped):
    """Realisasi fisik: the cumulative percent of a sub kegiatan's physical work done by the
    end of a quarter (0 to 100), as the OPD reports it with its quarterly realisasi.

    Cumulative, so a figure below the one of an earlier quarter needs its reason (`alasan`:
    work found defective, a survey corrected); that rule spans rows and lives in budget.fisik.
    Written through budget.workflow only, under the same locks as the realisasi."""

    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, related_name="fisik")
    sub_kegiatan = models.ForeignKey(SubKegiatan, on_delete=models.PROTECT, related_name="fisik")
    tahun = models.PositiveSmallIntegerField(_("year"))
    triwulan = models.PositiveSmallIntegerField(_("quarter"))
    persen = models.DecimalField(_("physical progress (%)"), **PERSEN)
    alasan = models.TextField(_("reason for the decrease"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("realisasi fisik")
        verbose_name_plural = _("realisasi fisik")
        ordering = ["region", "tahun", "opd", "sub_kegiatan", "triwulan"]
        constraints = [
            # With the region key: unique under distribution by region too (docs/SCALE.md).
            models.UniqueConstraint(
                fields=["region", "opd", "sub_kegiatan", "tahun", "triwulan"],
                name="fisik_one_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(triwulan__gte=1, triwulan__lte=4), name="fisik_triwulan_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(persen__gte=0, persen__lte=100), name="fisik_persen_0_to_100"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "tahun", "opd"], name="fisik_region_tahun_opd"),
        ]

    def __str__(self) -> str:
        return f"{self.tahun} TW{self.triwulan} {self.sub_kegiatan_id}: {self.persen}%"


class Rollup(RegionScoped):
    """The sums of a region's DPA lines and realisasi per year, OPD, jenis, account to three
    segments (`akun3`, the chart's jenis: 5.1.02, 5.2.03, 4.1.01, ...; its first two segments
    are the kelompok) and fund source: what every region-wide page reads instead of the
    lines. Kept exact in the same transaction as every write by PostgreSQL statement-level
    triggers on budget_dpaline, budget_realisasi and budget_account (migrations 0007, 0010),
    so no write path can skip them; `rebuild_rollups`
    recomputes them from the detail and `rebuild_rollups --check` compares. Never written by
    the application."""

    tahun = models.PositiveSmallIntegerField(_("year"))
    opd = models.ForeignKey(Opd, on_delete=models.DO_NOTHING, related_name="+")
    jenis = models.CharField(_("jenis"), max_length=12)
    akun3 = models.CharField(max_length=30)
    sumber_dana = models.CharField(_("fund source"), max_length=30)
    n_lines = models.IntegerField()
    pagu = models.DecimalField(**MONEY)
    pagu_murni = models.DecimalField(**MONEY)
    kas_tw1 = models.DecimalField(**MONEY)
    kas_tw2 = models.DecimalField(**MONEY)
    kas_tw3 = models.DecimalField(**MONEY)
    kas_tw4 = models.DecimalField(**MONEY)
    real_tw1 = models.DecimalField(**MONEY)
    real_tw2 = models.DecimalField(**MONEY)
    real_tw3 = models.DecimalField(**MONEY)
    real_tw4 = models.DecimalField(**MONEY)
    # How many realisasi rows each quarter holds (a zero is a figure too): the latest quarter
    # with realisasi is read from here, not from the realisasi table.
    nreal_tw1 = models.IntegerField()
    nreal_tw2 = models.IntegerField()
    nreal_tw3 = models.IntegerField()
    nreal_tw4 = models.IntegerField()

    class Meta:
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "tahun", "opd", "jenis", "akun3", "sumber_dana"],
                name="rollup_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tahun} {self.opd_id} {self.jenis} {self.akun3} {self.sumber_dana}"


class SubKegiatanRollup(RegionScoped):
    """The sums of a region's DPA lines and realisasi per year, OPD, sub kegiatan and jenis:
    what the program, kegiatan and sub kegiatan tables read instead of the lines (a program's
    or kegiatan's sums are the sums of its sub kegiatan's; the codes and names are joined at
    read time, so a renamed or re-parented sub kegiatan needs nothing here). Only lines
    budgeted under a sub kegiatan (belanja) are held. Kept exact like `Rollup`, by
    statement-level triggers on budget_dpaline and budget_realisasi (migration 0013), and
    rebuilt or checked by `rebuild_rollups`. Never written by the application."""

    tahun = models.PositiveSmallIntegerField(_("year"))
    opd = models.ForeignKey(Opd, on_delete=models.DO_NOTHING, related_name="+")
    sub_kegiatan = models.ForeignKey(SubKegiatan, on_delete=models.DO_NOTHING, related_name="+")
    jenis = models.CharField(_("jenis"), max_length=12)
    n_lines = models.IntegerField()
    pagu = models.DecimalField(**MONEY)
    pagu_murni = models.DecimalField(**MONEY)
    kas_tw1 = models.DecimalField(**MONEY)
    kas_tw2 = models.DecimalField(**MONEY)
    kas_tw3 = models.DecimalField(**MONEY)
    kas_tw4 = models.DecimalField(**MONEY)
    real_tw1 = models.DecimalField(**MONEY)
    real_tw2 = models.DecimalField(**MONEY)
    real_tw3 = models.DecimalField(**MONEY)
    real_tw4 = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("sub kegiatan roll-up")
        verbose_name_plural = _("sub kegiatan roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "tahun", "opd", "sub_kegiatan", "jenis"],
                name="rollup_sk_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tahun} {self.opd_id} {self.sub_kegiatan_id} {self.jenis}"


class DpaChangeSet(models.Model):
    """One change set of a region's DPA lines per OPD and year, read off the lines' history
    (budget_dpalineevent): the events of one pghistory context (one import, one admin save),
    or, for events written without a context, of one transaction (their `at`, the
    transaction's time). Holds the first event, the time of the earliest and how many
    distinct lines the change set touched: what the revisions score counts (the first change
    set of a year is the DPA murni) without reading every event. Kept exact by
    statement-level triggers on the event table (migration 0016), rebuilt or checked by
    `rebuild_rollups`. Never written by the application. Like the events, it outlives the
    OPD and the lines it names (no constraint on either key)."""

    region = models.ForeignKey(
        Region, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    tahun = models.PositiveSmallIntegerField(_("year"))
    opd = models.ForeignKey(Opd, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    context_id = models.UUIDField(null=True)  # the events' pgh_context_id
    at = models.DateTimeField(null=True)  # without a context: the transaction's time
    first_event = models.BigIntegerField()  # the least pgh_id
    first_at = models.DateTimeField()  # the earliest pgh_created_at
    lines = models.IntegerField()  # distinct lines (pgh_obj_id) touched

    class Meta:
        verbose_name = _("DPA change set")
        verbose_name_plural = _("DPA change sets")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "tahun", "opd", "context_id", "at"],
                name="dpa_change_set_unique_key",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tahun} {self.opd_id} {self.context_id or self.at}"


class CriteriaBand(models.Model):
    """One band of the Kepmendagri 690.900-327/1996 table, stored as data.

    Rows with no region are the defaults; a region with bands of its own for a kind uses
    those instead.
    """

    class Kind(models.TextChoices):
        EFEKTIVITAS = "efektivitas", _("effectiveness")
        EFISIENSI = "efisiensi", _("efficiency")
        KINERJA = "kinerja", _("performance score")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(_("criterion kind"), max_length=12, choices=Kind.choices)
    label = models.CharField(_("category"), max_length=60)
    lower = models.DecimalField(
        _("lower bound"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    lower_inclusive = models.BooleanField(_("lower bound included"), default=True)
    upper = models.DecimalField(
        _("upper bound"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    upper_inclusive = models.BooleanField(_("upper bound included"), default=False)
    # 1 is the best outcome; the dashboard colours by it.
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["region", "kind", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "label"],
                name="criteria_unique_label",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["region", "kind", "rank"],
                name="criteria_unique_rank",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lte=F("upper")),
                name="criteria_lower_below_upper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.label}"


class JenisBelanja(models.TextChoices):
    """The kinds of spending the early-warning scores weigh (DESIGN §5), after IKPA's."""

    PEGAWAI = "pegawai", _("Personnel")
    BARANG_JASA = "barang_jasa", _("Goods and services")
    MODAL = "modal", _("Capital")
    BANSOS = "bansos", _("Social assistance")


def validate_prefix(value: str) -> None:
    """A kode rekening prefix of belanja, one to three segments: 5.2, 5.1.02."""
    parts = value.split(".")
    if not (
        1 <= len(parts) <= 3 and parts[0] == "5" and all(p.isascii() and p.isdigit() for p in parts)
    ):
        raise ValidationError(
            _("A belanja account prefix of one to three segments, e.g. 5.1.02 or 5.2.")
        )


class TargetPenyerapan(models.Model):
    """A jenis belanja of the early-warning scores: the kode rekening prefix that maps lines to
    it and its cumulative absorption targets (percent of pagu by the end of each quarter).

    Rows with no region are the defaults (DESIGN §5); a region with rows of its own uses
    those instead. A line falls under the longest prefix that matches it; belanja under no
    prefix is left out of the scores."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("pemda")
    )
    jenis_belanja = models.CharField(
        _("jenis belanja"), max_length=12, choices=JenisBelanja.choices
    )
    prefix = models.CharField(
        _("account prefix"),
        max_length=12,
        validators=[validate_prefix],
        help_text=_("Lines whose kode rekening starts with it, e.g. 5.1.02 or 5.2."),
    )
    target_tw1 = models.DecimalField(_("target TW I (%)"), max_digits=5, decimal_places=2)
    target_tw2 = models.DecimalField(_("target TW II (%)"), max_digits=5, decimal_places=2)
    target_tw3 = models.DecimalField(_("target TW III (%)"), max_digits=5, decimal_places=2)
    target_tw4 = models.DecimalField(_("target TW IV (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("absorption target")
        verbose_name_plural = _("absorption targets")
        ordering = ["region", "prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "jenis_belanja"],
                name="target_one_per_jenis",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["region", "prefix"], name="target_unique_prefix", nulls_distinct=False
            ),
            # Cumulative: never falling, above zero (a score divides by it), at most 100.
            models.CheckConstraint(
                condition=Q(
                    target_tw1__gt=0,
                    target_tw2__gte=F("target_tw1"),
                    target_tw3__gte=F("target_tw2"),
                    target_tw4__gte=F("target_tw3"),
                    target_tw4__lte=100,
                ),
                name="target_cumulative_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_jenis_belanja_display()} ({self.prefix})"

    def clean(self) -> None:
        t = [self.target_tw1, self.target_tw2, self.target_tw3, self.target_tw4]
        if None not in t and not (0 < t[0] <= t[1] <= t[2] <= t[3] <= 100):
            raise ValidationError(
                _("Targets are cumulative: above 0, never falling from TW I to TW IV, at most 100.")
            )


class OpdMapping(models.Model):
    """An OPD code that changed between years (a unit renamed, merged or split off): the
    lines under `kode_lama` in earlier years are the unit that now has `kode_baru`. The
    trends and the forecast's history read them as one; the lines themselves keep their
    codes."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, verbose_name=_("pemda"))
    kode_lama = models.CharField(_("old OPD code"), max_length=40)
    kode_baru = models.CharField(_("new OPD code"), max_length=40)
    catatan = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("OPD code mapping")
        verbose_name_plural = _("OPD code mappings")
        ordering = ["region", "kode_lama"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kode_lama"], name="opd_mapping_once"),
            models.CheckConstraint(
                condition=~Q(kode_lama=F("kode_baru")), name="opd_mapping_changes_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kode_lama} → {self.kode_baru}"


class Profile(models.Model):
    """What a user may see and do beyond Django's groups: the region and, for a treasurer,
    the one OPD whose realisasi they enter."""

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="serapan_profile"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profile")

    def __str__(self) -> str:
        return f"{self.user} ({self.opd or self.region or '-'})"


KENDALA_CHOICES = [
    ("apbd_terlambat", _("Late adoption of the APBD")),
    ("pengadaan", _("Delayed procurement of goods/services or tender")),
    ("pelaksanaan", _("Slow execution of works")),
    ("juknis", _("Late technical guidelines for transfer funds (DAK)")),
    ("pengendalian", _("Weak internal control")),
    ("sdm", _("Staff competence")),
    ("rasionalisasi", _("Budget rationalisation or pergeseran")),
    ("lainnya", _("Other")),
]


class ReportStatus(models.TextChoices):
    """Where a quarterly report stands; declared outside the model so that its constraints
    can name the values."""

    DRAFT = "draf", _("Draft")
    SUBMITTED = "diajukan", _("Submitted")
    VERIFIED = "diverifikasi", _("Verified")


class SentBack(models.TextChoices):
    """How a report last went back to draft."""

    RETURNED = "return", _("returned")
    REOPENED = "reopen", _("reopened")


@pghistory.track(*history_events(), level=pgtrigger.Statement)
class QuarterReport(RegionScoped):
    """An OPD's realisasi report for one quarter and where it stands in the workflow.

    draft -> submitted -> verified; a submitted report may be returned to draft with a reason,
    and a verified one reopened to draft by BPKAD with a reason. Realisasi may be changed only
    while the report is a draft (or before it exists). `version` grows with every write, so
    that two people saving the same page cannot overwrite each other silently.
    """

    Status = ReportStatus
    SentBack = SentBack

    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, related_name="reports")
    tahun = models.PositiveSmallIntegerField(_("year"))
    triwulan = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    kendala = ArrayField(
        models.CharField(max_length=20, choices=KENDALA_CHOICES),
        default=list,
        blank=True,
        verbose_name=_("kendala"),
    )
    kendala_catatan = models.TextField(_("kendala description"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # When the report was first submitted: what its timeliness is judged by (a report returned
    # for correction and submitted again keeps its first date).
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    # The reason given the last time the report was returned or reopened, by whom and when.
    alasan = models.TextField(_("reason for return/reopening"), blank=True)
    sent_back_step = models.CharField(
        _("last sent back"), max_length=8, choices=SentBack.choices, blank=True
    )
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_back_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly report")
        ordering = ["region", "tahun", "triwulan", "opd"]
        constraints = [
            models.UniqueConstraint(
                fields=["opd", "tahun", "triwulan"], name="report_one_per_opd_quarter"
            ),
            models.CheckConstraint(
                condition=Q(triwulan__gte=1, triwulan__lte=4), name="report_triwulan_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values),
                name="report_status_valid",
            ),
            # A verified report names who verified it.
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.VERIFIED) | Q(verified_by__isnull=False),
                name="report_verified_has_verifier",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "tahun", "triwulan"], name="report_region_period"),
        ]

    def __str__(self) -> str:
        return f"{self.opd.kode} {self.tahun} TW{self.triwulan} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED

    @property
    def is_verified(self) -> bool:
        return self.status == ReportStatus.VERIFIED

    def get_kendala_labels(self) -> list[str]:
        labels = dict(KENDALA_CHOICES)
        return [str(labels[k]) for k in self.kendala if k in labels]


class UpayaStatus(models.TextChoices):
    PLANNED = "rencana", _("Planned")
    UNDERWAY = "berjalan", _("Underway")
    DONE = "selesai", _("Done")


@pghistory.track(*history_events(), level=pgtrigger.Statement)
class Upaya(RegionScoped):
    """A remedial action (upaya) against an obstacle (kendala) an OPD named for a quarter:
    what will be done, who answers for it, by when, and where it stands, followed up by
    BPKAD."""

    Status = UpayaStatus

    opd = models.ForeignKey(Opd, on_delete=models.PROTECT, related_name="upaya")
    tahun = models.PositiveSmallIntegerField(_("year"))
    triwulan = models.PositiveSmallIntegerField(_("quarter"))
    kendala = models.CharField(_("kendala"), max_length=20, choices=KENDALA_CHOICES)
    tindakan = models.TextField(_("action"))
    penanggung_jawab = models.CharField(_("person in charge"), max_length=200)
    batas_waktu = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=UpayaStatus.choices, default=UpayaStatus.PLANNED
    )
    catatan = models.TextField(_("follow-up note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("remedial action")
        verbose_name_plural = _("remedial actions")
        ordering = ["region", "tahun", "triwulan", "opd", "batas_waktu"]
        constraints = [
            models.CheckConstraint(
                condition=Q(triwulan__gte=1, triwulan__lte=4), name="upaya_triwulan_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(status__in=UpayaStatus.values), name="upaya_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["region", "tahun", "triwulan"], name="upaya_period")]

    def __str__(self) -> str:
        return f"{self.opd.kode} {self.tahun} TW{self.triwulan}: {self.get_kendala_display()}"

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.status != UpayaStatus.DONE and self.batas_waktu < timezone.localdate()
