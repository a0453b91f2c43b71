from django import forms

from budget.selectors import RANK_MEASURES

TRIWULAN_CHOICES = [(1, "TW I"), (2, "TW II"), (3, "TW III"), (4, "TW IV")]


class PeriodForm(forms.Form):
    """Year and quarter from the query string; missing or bad values fall back to the latest
    quarter with data."""

    tahun = forms.TypedChoiceField(label="Tahun", coerce=int, required=False)
    triwulan = forms.TypedChoiceField(
        label="Triwulan", coerce=int, choices=TRIWULAN_CHOICES, required=False
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tahun"].choices = [(y, str(y)) for y in years]


class RankingForm(forms.Form):
    ukuran = forms.ChoiceField(
        label="Urut menurut",
        choices=[("capaian", "Capaian anggaran kas"), ("serapan", "Serapan anggaran")],
        required=False,
    )

    def clean_ukuran(self) -> str:
        value = self.cleaned_data.get("ukuran") or "capaian"
        return value if value in RANK_MEASURES else "capaian"


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
            (2, "Kelompok"),
            (3, "Jenis"),
            (4, "Objek"),
            (5, "Rincian objek"),
            (6, "Sub rincian objek"),
        ],
        required=False,
    )
