"""factory_boy factories for the budget domain.

Codes follow the Permendagri 90 formats and nest: a kegiatan's code starts with its program's,
a sub kegiatan's with its kegiatan's. Every object of one tree shares the region of the object
it hangs from. A DPA line's cash plan is split over the quarters so that it adds up to the pagu.

`RegionFactory.create(...)` is typed as a Region; the bare call `RegionFactory(...)` goes
through factory_boy's metaclass, which mypy reads as a factory instance.
"""

from decimal import Decimal

import factory

from budget.codes import parse_account_code
from budget.importing.columns import (  # noqa: F401 (the tests import the lists from here)
    DPA_COLUMNS,
    DPA_OPTIONAL_COLUMNS,
    HIERARCHY_COLUMNS,
    REALISASI_COLUMNS,
)
from budget.models import (
    Account,
    CriteriaBand,
    DpaLine,
    Kegiatan,
    Opd,
    Program,
    Realisasi,
    Region,
    SubKegiatan,
)

CENT = Decimal("0.01")


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("kode",)

    kode = factory.Sequence(lambda n: f"33.{n:02d}")
    nama = factory.Sequence(lambda n: f"Kabupaten Contoh {n}")


class OpdFactory(factory.django.DjangoModelFactory[Opd]):
    class Meta:
        model = Opd

    region = factory.SubFactory(RegionFactory)
    kode = factory.Sequence(lambda n: f"1.02.0.00.0.00.01.{n % 10000:04d}")
    nama = factory.Sequence(lambda n: f"Dinas Contoh {n}")


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program

    region = factory.SubFactory(RegionFactory)
    kode = factory.Sequence(lambda n: f"1.{(n // 100) % 100:02d}.{n % 100:02d}")
    nama = factory.Sequence(lambda n: f"Program Contoh {n}")


class KegiatanFactory(factory.django.DjangoModelFactory[Kegiatan]):
    class Meta:
        model = Kegiatan

    region = factory.SubFactory(RegionFactory)
    program = factory.SubFactory(ProgramFactory, region=factory.SelfAttribute("..region"))
    kode = factory.LazyAttributeSequence(lambda o, n: f"{o.program.kode}.2.{n % 100:02d}")
    nama = factory.Sequence(lambda n: f"Kegiatan Contoh {n}")


class SubKegiatanFactory(factory.django.DjangoModelFactory[SubKegiatan]):
    class Meta:
        model = SubKegiatan

    region = factory.SubFactory(RegionFactory)
    kegiatan = factory.SubFactory(KegiatanFactory, region=factory.SelfAttribute("..region"))
    kode = factory.LazyAttributeSequence(lambda o, n: f"{o.kegiatan.kode}.{n % 10000:04d}")
    nama = factory.Sequence(lambda n: f"Sub Kegiatan Contoh {n}")


def _account_jenis(kode: str) -> str:
    jenis = parse_account_code(kode).jenis
    if jenis is None:
        raise ValueError(f"account {kode} is neither pendapatan, belanja nor pembiayaan")
    return jenis.value


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    """A belanja barang dan jasa account unless `kode` says otherwise; level and jenis follow."""

    class Meta:
        model = Account

    region = factory.SubFactory(RegionFactory)
    kode = factory.Sequence(lambda n: f"5.1.02.01.01.{n % 10000:04d}")
    uraian = factory.Sequence(lambda n: f"Belanja Contoh {n}")
    level = factory.LazyAttribute(lambda o: parse_account_code(o.kode).level)
    jenis = factory.LazyAttribute(lambda o: _account_jenis(o.kode))


def _quarter_share(o, quarter: int) -> Decimal:
    """A quarter of the pagu, the last quarter taking what rounding leaves."""
    share = (Decimal(o.pagu) / 4).quantize(CENT, rounding="ROUND_DOWN")
    return share if quarter < 4 else Decimal(o.pagu) - 3 * share


class DpaLineFactory(factory.django.DjangoModelFactory[DpaLine]):
    """A DPA line; belanja lines get a sub kegiatan, revenue and financing lines none."""

    class Meta:
        model = DpaLine

    region = factory.SubFactory(RegionFactory)
    tahun = 2024
    opd = factory.SubFactory(OpdFactory, region=factory.SelfAttribute("..region"))
    account = factory.SubFactory(AccountFactory, region=factory.SelfAttribute("..region"))
    sub_kegiatan = factory.Maybe(
        factory.LazyAttribute(lambda o: o.account.jenis == "belanja"),
        yes_declaration=factory.SubFactory(
            SubKegiatanFactory, region=factory.SelfAttribute("..region")
        ),
        no_declaration=None,
    )
    jenis = factory.LazyAttribute(lambda o: o.account.jenis)
    pagu = Decimal("1000000.00")
    pagu_murni = factory.LazyAttribute(lambda o: o.pagu)
    kas_tw1 = factory.LazyAttribute(lambda o: _quarter_share(o, 1))
    kas_tw2 = factory.LazyAttribute(lambda o: _quarter_share(o, 2))
    kas_tw3 = factory.LazyAttribute(lambda o: _quarter_share(o, 3))
    kas_tw4 = factory.LazyAttribute(lambda o: _quarter_share(o, 4))
    # None, as a DPA without the optional column gives; tests of fund sources name one.
    sumber_dana = ""


class RealisasiFactory(factory.django.DjangoModelFactory[Realisasi]):
    class Meta:
        model = Realisasi

    line = factory.SubFactory(DpaLineFactory)
    region = factory.SelfAttribute("line.region")
    triwulan = 1
    jumlah = Decimal("100000.00")


class CriteriaBandFactory(factory.django.DjangoModelFactory[CriteriaBand]):
    class Meta:
        model = CriteriaBand

    region = factory.SubFactory(RegionFactory)
    kind = CriteriaBand.Kind.EFEKTIVITAS
    label = factory.Sequence(lambda n: f"Band {n}")
    rank = factory.Sequence(lambda n: n + 1)


# Rows of import files (every cell is text, as in a CSV), under the columns of the importers'
# table (budget/importing/columns.py), whose contract spelling tests/test_import_files.py pins.

OPD = "1.02.0.00.0.00.01.0000"
PROGRAM = "1.02.01"
KEGIATAN = "1.02.01.2.01"
SUB_KEGIATAN = "1.02.01.2.01.0001"
BELANJA = "5.1.02.01.01.0001"
PENDAPATAN = "4.1.01.01.01.0001"
PEMBIAYAAN = "6.1.01.01.01.0001"


def dpa_row(**overrides) -> dict[str, str]:
    """A valid belanja DPA row (pagu 400.000 spread evenly) without the optional columns
    (`dpa_row(sumber_dana="DAU")` adds one); revenue and financing rows are made with
    `revenue_row` / `financing_row`."""
    row = {
        "tahun": "2024",
        "kode_opd": OPD,
        "nama_opd": "Dinas Kesehatan",
        "kode_program": PROGRAM,
        "nama_program": "Program Penunjang Urusan Pemerintahan Daerah",
        "kode_kegiatan": KEGIATAN,
        "nama_kegiatan": "Perencanaan, Penganggaran, dan Evaluasi Kinerja",
        "kode_sub_kegiatan": SUB_KEGIATAN,
        "nama_sub_kegiatan": "Penyusunan Dokumen Perencanaan Perangkat Daerah",
        "kode_rekening": BELANJA,
        "uraian": "Belanja Alat/Bahan untuk Kegiatan Kantor",
        "pagu": "400000",
        "kas_tw1": "100000",
        "kas_tw2": "100000",
        "kas_tw3": "100000",
        "kas_tw4": "100000",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def _outside_program(**overrides) -> dict[str, str]:
    row = dpa_row(**dict.fromkeys(HIERARCHY_COLUMNS, ""))
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def revenue_row(**overrides) -> dict[str, str]:
    return _outside_program(**{"kode_rekening": PENDAPATAN, "uraian": "Pajak Hotel", **overrides})


def financing_row(**overrides) -> dict[str, str]:
    return _outside_program(**{"kode_rekening": PEMBIAYAAN, "uraian": "SiLPA", **overrides})


def realisasi_row(**overrides) -> dict[str, str]:
    row = {
        "tahun": "2024",
        "triwulan": "1",
        "kode_opd": OPD,
        "kode_sub_kegiatan": SUB_KEGIATAN,
        "kode_rekening": BELANJA,
        "realisasi": "50000",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row
