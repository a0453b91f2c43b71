"""Invariants that hold in the database itself, whatever code writes to it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from budget.models import Account, DpaLine, Realisasi
from tests.factories import (
    AccountFactory,
    CriteriaBandFactory,
    DpaLineFactory,
    OpdFactory,
    ProgramFactory,
    RealisasiFactory,
    RegionFactory,
    SubKegiatanFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def refused_by(constraint: str, create) -> None:
    """`create()` is refused by the database, naming `constraint`; the test goes on after it."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    assert constraint in str(excinfo.value)


def test_the_factories_make_a_valid_line_and_realisasi():
    realisasi: Realisasi = RealisasiFactory.create()
    line = realisasi.line
    assert line.sub_kegiatan is not None
    assert line.kas_tw1 + line.kas_tw2 + line.kas_tw3 + line.kas_tw4 == line.pagu
    assert line.sub_kegiatan.region == line.region == line.opd.region == line.account.region
    assert realisasi.region == line.region
    assert line.jenis == "belanja"


def test_the_factories_make_revenue_lines_without_a_sub_kegiatan():
    line = DpaLineFactory(account__kode="4.1.01.01.01.0001", pagu=D("1000.01"))
    assert line.jenis == "pendapatan"
    assert line.sub_kegiatan is None
    assert line.kas_tw4 == D("250.01")


def test_a_negative_pagu_is_refused():
    refused_by(
        "dpa_amounts_not_negative",
        lambda: DpaLineFactory(pagu=D("-100"), kas_tw1=0, kas_tw2=0, kas_tw3=0, kas_tw4=D("-100")),
    )


def test_a_negative_cash_plan_quarter_is_refused():
    refused_by(
        "dpa_amounts_not_negative",
        lambda: DpaLineFactory(
            pagu=D("100"), kas_tw1=D("200"), kas_tw2=D("-100"), kas_tw3=0, kas_tw4=0
        ),
    )


def test_a_negative_murni_pagu_is_refused():
    refused_by("dpa_amounts_not_negative", lambda: DpaLineFactory(pagu_murni=D("-1")))


def test_a_cash_plan_that_does_not_add_up_to_the_pagu_is_refused():
    refused_by("dpa_cash_plan_adds_up_to_pagu", lambda: DpaLineFactory(kas_tw4=D("0.01")))


def test_a_cash_plan_one_sen_short_is_refused():
    line: DpaLine = DpaLineFactory.create()
    line.kas_tw2 -= D("0.01")
    refused_by("dpa_cash_plan_adds_up_to_pagu", line.save)


def test_a_belanja_line_without_a_sub_kegiatan_is_refused():
    refused_by("dpa_sub_kegiatan_iff_belanja", lambda: DpaLineFactory(sub_kegiatan=None))


def test_a_revenue_line_under_a_sub_kegiatan_is_refused():
    region = RegionFactory()
    refused_by(
        "dpa_sub_kegiatan_iff_belanja",
        lambda: DpaLineFactory(
            region=region,
            account=AccountFactory(region=region, kode="4.1.01.01.01.0001"),
            sub_kegiatan=SubKegiatanFactory(region=region),
        ),
    )


def test_a_line_with_an_unknown_jenis_is_refused():
    refused_by("dpa_jenis_valid", lambda: DpaLineFactory(jenis="lainnya", sub_kegiatan=None))


def test_a_year_outside_2000_to_2100_is_refused():
    refused_by("dpa_tahun", lambda: DpaLineFactory(tahun=1999))


def test_two_lines_with_the_same_key_are_refused():
    line = DpaLineFactory()
    refused_by(
        "dpa_line_unique_key",
        lambda: DpaLineFactory(
            region=line.region,
            tahun=line.tahun,
            opd=line.opd,
            sub_kegiatan=line.sub_kegiatan,
            account=line.account,
        ),
    )


def test_two_revenue_lines_with_the_same_key_are_refused_although_their_sub_kegiatan_is_null():
    line = DpaLineFactory(account__kode="4.1.01.01.01.0001")
    refused_by(
        "dpa_line_unique_key",
        lambda: DpaLineFactory(region=line.region, opd=line.opd, account=line.account),
    )


def test_a_second_realisasi_for_the_same_line_and_quarter_is_refused():
    realisasi = RealisasiFactory(triwulan=2)
    refused_by(
        "realisasi_one_per_quarter",
        lambda: RealisasiFactory(line=realisasi.line, triwulan=2, jumlah=D("1")),
    )
    assert Realisasi.objects.count() == 1


def test_the_same_line_may_have_one_realisasi_in_each_quarter():
    line: DpaLine = DpaLineFactory.create()
    for q in (1, 2, 3, 4):
        RealisasiFactory(line=line, triwulan=q)
    assert line.realisasi.count() == 4


@pytest.mark.parametrize("triwulan", [0, 5])
def test_a_realisasi_outside_quarters_1_to_4_is_refused(triwulan):
    refused_by("realisasi_triwulan_1_to_4", lambda: RealisasiFactory(triwulan=triwulan))


def test_a_negative_realisasi_is_refused():
    refused_by("realisasi_not_negative", lambda: RealisasiFactory(jumlah=D("-0.01")))


def test_codes_are_unique_within_a_region_but_not_across_regions():
    opd = OpdFactory()
    refused_by("opd_unique_kode", lambda: OpdFactory(region=opd.region, kode=opd.kode))
    assert OpdFactory(kode=opd.kode).region != opd.region
    program = ProgramFactory()
    refused_by(
        "program_unique_kode", lambda: ProgramFactory(region=program.region, kode=program.kode)
    )
    account = AccountFactory()
    refused_by(
        "account_unique_kode", lambda: AccountFactory(region=account.region, kode=account.kode)
    )


@pytest.mark.parametrize("level", [0, 7])
def test_an_account_level_outside_1_to_6_is_refused(level):
    refused_by("account_level_1_to_6", lambda: AccountFactory(level=level))


def test_an_account_with_an_unknown_jenis_is_refused():
    refused_by("account_jenis_valid", lambda: AccountFactory(jenis="lainnya"))


def test_a_band_whose_lower_edge_is_above_its_upper_edge_is_refused():
    refused_by(
        "criteria_lower_below_upper",
        lambda: CriteriaBandFactory(lower=D(90), upper=D(80)),
    )


def test_two_default_bands_with_the_same_label_are_refused():
    refused_by("criteria_unique_label", lambda: CriteriaBandFactory(region=None, label="Efektif"))


def test_a_protected_account_cannot_be_deleted_while_lines_use_it():
    line: DpaLine = DpaLineFactory.create()
    with pytest.raises(ProtectedError):
        Account.objects.filter(pk=line.account_id).delete()
    assert DpaLine.objects.count() == 1
