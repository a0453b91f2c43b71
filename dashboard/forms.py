from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from budget.kinerja import KINERJA_MEASURE
from budget.measures import RANK_MEASURES, Measure, measure_get
from budget.quarters import QUARTERS, tw_label

if TYPE_CHECKING:
    from budget.selectors import RankedRow

TRIWULAN_CHOICES = [(q, tw_label(q)) for q in QUARTERS]


class PeriodForm(forms.Form):
    """Year and quarter from the query string; missing or bad values fall back to the latest
    quarter with data."""

    tahun = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    triwulan = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=TRIWULAN_CHOICES, required=False
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        tahun = self.fields["tahun"]
        if not isinstance(tahun, forms.TypedChoiceField):  # pragma: no cover - declared above
            raise TypeError(f"PeriodForm.tahun should be a TypedChoiceField, not {tahun!r}")
        tahun.choices = [(y, str(y)) for y in years]


class RankingForm(forms.Form):
    """The measure OPDs are ranked by; a missing or unknown one is the default."""

    ukuran = forms.ChoiceField(
        label=_("Rank by"),
        choices=[(key, measure_get(key).label) for key in RANK_MEASURES]
        + [(KINERJA_MEASURE.key, KINERJA_MEASURE.label)],
        required=False,
    )

    urut = forms.ChoiceField(
        label=_("Order by"),
        choices=[
            ("peringkat", _("Rank")),
            ("kekurangan", _("Largest shortfall against the plan (Rp)")),
        ],
        required=False,
    )

    @property
    def measure(self) -> Measure:
        key = self.cleaned_data.get("ukuran") if self.is_valid() else None
        if key == KINERJA_MEASURE.key:
            return KINERJA_MEASURE
        return measure_get(key, rankable=True)

    @property
    def measures(self) -> list[Measure]:
        """The measures OPDs can be ranked by, the default first."""
        return [measure_get(key) for key in RANK_MEASURES] + [KINERJA_MEASURE]

    @property
    def order(self) -> str:
        """How the ranked OPDs are listed: by rank (the default), or the largest shortfall in
        rupiah against the cash plan first (ties by rank). The rank itself never changes."""
        return (self.cleaned_data.get("urut") if self.is_valid() else None) or "peringkat"

    def ordered(self, ranked: "list[RankedRow]") -> "list[RankedRow]":
        if self.order == "kekurangan":
            return sorted(ranked, key=lambda r: (-r.row.kekurangan_kas, r.peringkat))
        return list(ranked)


class DrillForm(forms.Form):
    rinci = forms.ChoiceField(
        choices=[
            ("program", "Program"),
            ("kegiatan", "Kegiatan"),
            ("sub_kegiatan", "Sub kegiatan"),
        ],
        required=False,
    )
    induk = forms.RegexField(regex=r"^[0-9.]{1,40}$", required=False)
    akun = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (2, _("Kelompok")),
            (3, _("Jenis")),
            (4, _("Objek")),
            (5, _("Rincian objek")),
            (6, _("Sub rincian objek")),
        ],
        required=False,
    )
