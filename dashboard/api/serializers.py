"""Serializers of the JSON API: query strings in, validated with messages that say what is
wrong; rows out. Amounts are decimal strings; percentages are numbers rounded to 2 places,
null when undefined (a zero denominator), as in `absorption_report --format json`."""

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rest_framework import serializers
from rest_framework.request import Request

from budget.codes import MAX_ACCOUNT_DEPTH
from budget.measures import (
    AMOUNT_BY_KEY,
    DEFAULT_RANK_MEASURE,
    MEASURES,
    RANK_MEASURES,
    MeasureValue,
    measure_get,
)
from budget.models import JENIS_CHOICES, DpaLine, DpaVersion, Opd, Realisasi, Region, SumberDana
from budget.money import MONEY
from budget.selectors import CONTRACT_FIELDS, LEVELS, AbsorptionRow, RankedRow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TRIWULAN_MESSAGE = "triwulan must be 1, 2, 3 or 4"
DEPTH_MESSAGE = f"depth must be a whole number from 1 to {MAX_ACCOUNT_DEPTH}"
YEAR_MESSAGE = "tahun must be a year, e.g. 2024"
# `sumber_dana=-`: the lines whose DPA names no fund source (as the dpa-lines filter reads it).
NO_SUMBER_DANA_PARAM = "-"
SUMBER_DANA_MESSAGE = (
    "sumber_dana must be one of " + ", ".join(SumberDana.values) + ", or - for lines without one"
)


def sumber_dana_value(param: str | None) -> str | None:
    """The fund source a `sumber_dana=` parameter names ("" for `-`), None when not given."""
    if param is None:
        return None
    return "" if param == NO_SUMBER_DANA_PARAM else param


def _money(
    *, source: str | None = None, help_text: "StrOrPromise | None" = None
) -> serializers.DecimalField:
    """An amount: a decimal string with two places, as stored (`budget.money.MONEY`)."""
    return serializers.DecimalField(
        **MONEY, coerce_to_string=True, source=source, help_text=help_text
    )


def query_data(request: Request) -> dict[str, str]:
    """The query string with empty values left out, so that `?depth=&opd=` (a form sent with
    blank fields) means what leaving them out means."""
    return {k: v for k, v in request.query_params.dict().items() if v.strip() != ""}


def _year(**kwargs: Any) -> serializers.IntegerField:
    messages: dict[str, StrOrPromise] = {
        "invalid": YEAR_MESSAGE,
        "min_value": YEAR_MESSAGE,
        "max_value": YEAR_MESSAGE,
    }
    return serializers.IntegerField(
        min_value=1, max_value=9999, error_messages=messages, help_text="Fiscal year.", **kwargs
    )


def _triwulan(**kwargs: Any) -> serializers.IntegerField:
    messages: dict[str, StrOrPromise] = {
        "invalid": TRIWULAN_MESSAGE,
        "min_value": TRIWULAN_MESSAGE,
        "max_value": TRIWULAN_MESSAGE,
    }
    return serializers.IntegerField(min_value=1, max_value=4, error_messages=messages, **kwargs)


def _region(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        max_length=20,
        help_text="Region (pemda) code; by default the user's region, else the first one.",
        **kwargs,
    )


# --- query strings -------------------------------------------------------------------------


class AbsorptionQuerySerializer(serializers.Serializer):
    """The options of `absorption_report`, with its defaults."""

    tahun = _year()
    triwulan = _triwulan(default=4, help_text="Through this quarter (1 to 4); default 4.")
    level = serializers.ChoiceField(
        choices=LEVELS,
        default="opd",
        error_messages={"invalid_choice": f"level must be one of {', '.join(LEVELS)}"},
        help_text="Group by this level; default opd.",
    )
    depth = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ACCOUNT_DEPTH,
        error_messages={
            "invalid": DEPTH_MESSAGE,
            "min_value": DEPTH_MESSAGE,
            "max_value": DEPTH_MESSAGE,
        },
        help_text="With level=akun: group by the first N code segments (2 gives 5.1, 5.2, ...).",
    )
    opd = serializers.CharField(required=False, max_length=40, help_text="Only this OPD (code).")
    region = _region()
    sumber_dana = serializers.ChoiceField(
        choices=[*SumberDana.values, NO_SUMBER_DANA_PARAM],
        required=False,
        error_messages={"invalid_choice": SUMBER_DANA_MESSAGE},
        help_text="Only the lines of this fund source; `-` for lines whose DPA names none.",
    )

    def validate(self, attrs):
        if attrs.get("depth") is not None and attrs["level"] != "akun":
            raise serializers.ValidationError(
                {"depth": [f"depth applies only to level akun, not to level {attrs['level']}"]}
            )
        return attrs


class RankingQuerySerializer(serializers.Serializer):
    tahun = _year(required=False)
    triwulan = _triwulan(
        required=False,
        help_text="Through this quarter; by default the latest quarter with realisasi of the "
        "latest year, or 4 for a past year.",
    )
    ukuran = serializers.ChoiceField(
        choices=RANK_MEASURES,
        default=DEFAULT_RANK_MEASURE,
        error_messages={"invalid_choice": f"ukuran must be one of {', '.join(RANK_MEASURES)}"},
        help_text="; ".join(f"{key}: {measure_get(key).explain('TW')}" for key in RANK_MEASURES),
    )
    region = _region()


# --- absorption (the contract of absorption_report --format json) ------------------------


def _contract_fields() -> dict[str, serializers.Field]:
    """The contract row's fields after kode, nama, jenis, from the measure registry."""
    fields: dict[str, serializers.Field] = {}
    percent_of = {m.percent_key: m for m in MEASURES if m.percent_key}
    category_of = {m.category: m for m in MEASURES if m.category}
    for name in CONTRACT_FIELDS:
        if name in AMOUNT_BY_KEY:
            fields[name] = _money(help_text=AMOUNT_BY_KEY[name].label)
        elif name in percent_of:
            m = percent_of[name]
            fields[name] = serializers.FloatField(
                allow_null=True, help_text=f"{m.label} ({m.explain('TW')}), percent."
            )
        else:
            m = category_of[name]
            only = f" Only for {', '.join(sorted(m.jenis))}; null otherwise." if m.jenis else ""
            fields[name] = serializers.CharField(
                allow_null=True, help_text=f"Category of {m.label}.{only}"
            )
    return fields


class AbsorptionRowSerializer(serializers.Serializer):
    kode = serializers.CharField()
    nama = serializers.CharField()
    jenis = serializers.ChoiceField(choices=JENIS_CHOICES)
    # Declared in the class body (DRF collects the body's fields), from the registry.
    locals().update(_contract_fields())


class AbsorptionReportSerializer(serializers.Serializer):
    """Documents the body; the view returns `budget.reporting.report_dict` as it is."""

    tahun = serializers.IntegerField()
    triwulan = serializers.IntegerField()
    level = serializers.ChoiceField(choices=LEVELS)
    rows = AbsorptionRowSerializer(many=True)


# --- ranking -------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    # A two-place Decimal converts to the float whose shortest repr is the same two places.
    return None if value is None else float(value)


class _Unranked:
    """An OPD left out of the ranking, shaped like a RankedRow for the serializer."""

    def __init__(self, row: AbsorptionRow):
        self.row = row


class _OpdFigures(serializers.Serializer):
    """Fields and getters shared by ranked and unranked OPDs (objects with a `row`)."""

    def get_serapan_persen(self, obj: RankedRow | _Unranked) -> float | None:
        return _number(obj.row.serapan_persen)

    def get_capaian_kas_persen(self, obj: RankedRow | _Unranked) -> float | None:
        return _number(obj.row.capaian_kas_persen)

    def get_status_laporan(self, obj: RankedRow | _Unranked) -> str | None:
        report = self.context["statuses"].get(obj.row.kode)
        return report.status if report else None


STATUS_HELP = "The OPD's quarterly report: draf, diajukan, diverifikasi; null when none."


class RankingRowSerializer(_OpdFigures):
    peringkat = serializers.IntegerField()
    kode = serializers.CharField(source="row.kode")
    nama = serializers.CharField(source="row.nama")
    rasio_persen = serializers.SerializerMethodField(
        help_text="The measure ranked by (capaian or serapan), percent to 2 places."
    )
    kategori = serializers.SerializerMethodField(help_text="Category of the measure ranked by.")
    perubahan = serializers.IntegerField(
        allow_null=True, help_text="Places gained since the previous quarter (negative: lost)."
    )
    peringkat_sebelumnya = serializers.IntegerField(
        allow_null=True, help_text="Place in the previous quarter of the same year."
    )
    status_laporan = serializers.SerializerMethodField(help_text=STATUS_HELP)
    pagu = _money(source="row.pagu")
    kas_kumulatif = _money(source="row.kas_kumulatif")
    realisasi_kumulatif = _money(source="row.realisasi_kumulatif")
    serapan_persen = serializers.SerializerMethodField()
    capaian_kas_persen = serializers.SerializerMethodField()

    def _value(self, obj: RankedRow) -> MeasureValue | None:
        return obj.row.measure(self.context["ukuran"])

    def get_rasio_persen(self, obj: RankedRow) -> float | None:
        value = self._value(obj)
        return None if value is None else _number(value.persen)

    def get_kategori(self, obj: RankedRow) -> str | None:
        value = self._value(obj)
        return None if value is None else value.label


class UnrankedRowSerializer(_OpdFigures):
    kode = serializers.CharField(source="row.kode")
    nama = serializers.CharField(source="row.nama")
    status_laporan = serializers.SerializerMethodField(help_text=STATUS_HELP)
    pagu = _money(source="row.pagu")
    kas_kumulatif = _money(source="row.kas_kumulatif")
    realisasi_kumulatif = _money(source="row.realisasi_kumulatif")
    serapan_persen = serializers.SerializerMethodField()
    capaian_kas_persen = serializers.SerializerMethodField()


class RankingSerializer(serializers.Serializer):
    tahun = serializers.IntegerField()
    triwulan = serializers.IntegerField()
    ukuran = serializers.ChoiceField(choices=RANK_MEASURES)
    rows = RankingRowSerializer(many=True, help_text="Belanja of each OPD, best first.")
    tidak_diperingkat = UnrankedRowSerializer(
        many=True, help_text="OPDs whose measure is undefined (no cash plan or pagu yet)."
    )

    @staticmethod
    def unranked(rows: Iterable[AbsorptionRow]) -> list[_Unranked]:
        return [_Unranked(row) for row in rows]


# --- resources -----------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    tahun = serializers.ListField(
        child=serializers.IntegerField(), help_text="Years with a DPA, oldest first."
    )

    class Meta:
        model = Region
        fields = ["kode", "nama", "tahun"]


class OpdSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.kode", help_text="Region code.")

    class Meta:
        model = Opd
        fields = ["kode", "nama", "region"]


class DpaLineSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.kode")
    opd = serializers.CharField(source="opd.kode")
    opd_nama = serializers.CharField(source="opd.nama")
    program = serializers.CharField(
        source="sub_kegiatan.kegiatan.program.kode",
        allow_null=True,
        help_text="null for pendapatan and pembiayaan lines.",
    )
    kegiatan = serializers.CharField(source="sub_kegiatan.kegiatan.kode", allow_null=True)
    sub_kegiatan = serializers.CharField(source="sub_kegiatan.kode", allow_null=True)
    sub_kegiatan_nama = serializers.CharField(source="sub_kegiatan.nama", allow_null=True)
    akun = serializers.CharField(source="account.kode", help_text="Kode rekening.")
    uraian = serializers.CharField(source="account.uraian")
    pagu = _money(help_text="Pagu in force.")
    pagu_murni = _money(help_text="Pagu of the original (murni) DPA.")
    kas_tw1 = _money(help_text="Cash plan within TW I.")
    kas_tw2 = _money()
    kas_tw3 = _money()
    kas_tw4 = _money()
    sumber_dana = serializers.CharField(help_text="Fund source; empty when the DPA names none.")

    class Meta:
        model = DpaLine
        fields = [
            "id",
            "region",
            "tahun",
            "opd",
            "opd_nama",
            "program",
            "kegiatan",
            "sub_kegiatan",
            "sub_kegiatan_nama",
            "akun",
            "uraian",
            "jenis",
            "pagu",
            "pagu_murni",
            "kas_tw1",
            "kas_tw2",
            "kas_tw3",
            "kas_tw4",
            "sumber_dana",
        ]


class RealisasiSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.kode")
    dpa_line = serializers.IntegerField(source="line_id", help_text="id of the DPA line.")
    tahun = serializers.IntegerField(source="line.tahun")
    opd = serializers.CharField(source="line.opd.kode")
    sub_kegiatan = serializers.CharField(source="line.sub_kegiatan.kode", allow_null=True)
    akun = serializers.CharField(source="line.account.kode")
    jenis = serializers.ChoiceField(source="line.jenis", choices=JENIS_CHOICES)
    jumlah = _money(help_text="Realised within the quarter.")
    sumber_dana = serializers.CharField(
        source="line.sumber_dana", help_text="The line's fund source; empty when none."
    )

    class Meta:
        model = Realisasi
        fields = [
            "id",
            "region",
            "dpa_line",
            "tahun",
            "triwulan",
            "opd",
            "sub_kegiatan",
            "akun",
            "jenis",
            "jumlah",
            "sumber_dana",
        ]


class ApiRootSerializer(serializers.Serializer):
    regions = serializers.URLField()
    opds = serializers.URLField()
    dpa_lines = serializers.URLField()
    realisasi = serializers.URLField()
    absorption = serializers.URLField()
    ranking = serializers.URLField()
    schema = serializers.URLField(help_text="OpenAPI 3 schema (YAML; ?format=json for JSON).")
    docs = serializers.URLField(help_text="Swagger UI, served without a CDN.")


# --- early warning -------------------------------------------------------------------------


class DakQuerySerializer(serializers.Serializer):
    """The period of the DAK view (/sumber-dana/dak/)."""

    tahun = _year()
    triwulan = _triwulan(default=4, help_text="Through this quarter (1 to 4); default 4.")
    region = _region()


class KinerjaQuerySerializer(serializers.Serializer):
    """The options of `kinerja_report`, with its defaults."""

    tahun = _year()
    triwulan = _triwulan(default=4, help_text="Through this quarter (1 to 4); default 4.")
    opd = serializers.CharField(required=False, max_length=40, help_text="Only this OPD (code).")
    region = _region()


def _score(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class KinerjaRowSerializer(serializers.Serializer):
    """One OPD (DESIGN §5): the contract's keys, then the figures the pages show beside them."""

    kode = serializers.CharField()
    nama = serializers.CharField()
    deviasi_kas_persen = _score("Mean over TW I..Q of the pagu-weighted cash plan deviation.")
    nilai_deviasi_kas = _score("100 when that mean is at most 5, else max(0, 100 - mean).")
    nilai_penyerapan = _score("Mean over TW I..Q of absorption against the quarterly targets.")
    prakiraan_realisasi = serializers.CharField(
        allow_null=True, help_text="Forecast of the year's belanja realisasi (decimal string)."
    )
    prakiraan_serapan_persen = _score("The forecast against the belanja pagu.")
    peringatan = serializers.ChoiceField(
        choices=["merah", "kuning", "hijau"], allow_null=True, help_text="From the forecast."
    )
    nilai_kinerja = _score("Weighted mean of the defined component scores.")
    kategori_kinerja = serializers.CharField(allow_null=True)
    pagu = serializers.CharField(help_text="Belanja pagu (decimal string).")
    kas_kumulatif = serializers.CharField()
    realisasi_kumulatif = serializers.CharField()
    serapan_persen = _score("Belanja realisasi through Q against the pagu.")
    capaian_kas_persen = _score("Belanja realisasi through Q against the cash plan.")
    kebutuhan_per_triwulan = serializers.CharField(
        allow_null=True,
        help_text="To realise in each remaining quarter to reach 90% of the pagu; null at TW IV.",
    )
    dasar_prakiraan = serializers.ChoiceField(
        choices=["opd", "pemda", "rencana"],
        allow_null=True,
        help_text="What the forecast learnt from: the OPD's years, the region's, the cash plan.",
    )
    nilai_ketepatan = _score("Percent of the due quarterly reports submitted by the deadline.")
    nilai_revisi = _score("DPA revisions: 100 for at most one per semester, else 100 / n.")
    jumlah_revisi = serializers.IntegerField(help_text="DPA revisions of the year so far.")
    revisi_per_semester = serializers.ListField(
        child=serializers.IntegerField(), help_text="Revisions in semester 1 and 2."
    )
    baris_direvisi = serializers.IntegerField(help_text="DPA lines the revisions touched.")
    nilai_fisik = _score(
        "Physical progress against the progress the cash plan implies (rencana_fisik_persen), "
        "at most 100; null when no physical progress is reported."
    )
    fisik_persen = _score(
        "Realisasi fisik through Q: the mean of the sub kegiatan's cumulative physical "
        "progress weighed by their belanja pagu in force (a sub kegiatan not reported counts "
        "0); null until the OPD reports any."
    )
    rencana_fisik_persen = _score("The cash plan through Q against the belanja pagu.")
    selisih_fisik = _score("serapan_persen minus fisik_persen, in points.")
    peringatan_fisik = serializers.ChoiceField(
        choices=["pembayaran_mendahului_progres", "tagihan_tertunda"],
        allow_null=True,
        help_text="When money and work part by more than 20 points: paid ahead of the work, "
        "or work ahead of the bills.",
    )
    fisik_sub_kegiatan_dilaporkan = serializers.IntegerField(
        help_text="Sub kegiatan with physical progress reported by Q."
    )
    fisik_sub_kegiatan_total = serializers.IntegerField(
        help_text="Sub kegiatan with belanja, weighing the physical progress (0: none reported)."
    )
    kendala = serializers.ListField(child=serializers.CharField())


class KinerjaReportSerializer(serializers.Serializer):
    """Documents the body; the view returns `KinerjaReport.as_contract_dict()` as it is."""

    tahun = serializers.IntegerField()
    triwulan = serializers.IntegerField()
    rows = KinerjaRowSerializer(many=True)


class DpaVersionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.kode", help_text="Region code.")
    # Plain text, not an enum: the schema already has a `jenis` enum (pendapatan, belanja, …).
    jenis = serializers.CharField(help_text="murni, perubahan (a DPPA) or pergeseran.")

    class Meta:
        model = DpaVersion
        fields = [
            "region",
            "tahun",
            "jenis",
            "nomor",
            "tanggal",
            "keterangan",
            "berkas",
            "created_at",
        ]
