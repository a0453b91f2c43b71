"""Permendagri 90/2019 codes: validation, segments, levels and the account chart's top levels.

Codes are always handled as text: `1.02.01` and `1.2.1` are different codes, and a spreadsheet
that turned a code into a number must not silently change it. Digits are ASCII only: a
full-width or Arabic-Indic digit would make a code that looks the same but is stored apart.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from budget.money import non_ascii_digit, non_ascii_digit_message

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class Jenis(StrEnum):
    """The three budget sides that are never added together."""

    PENDAPATAN = "pendapatan"
    BELANJA = "belanja"
    PEMBIAYAAN = "pembiayaan"


JENIS_BY_AKUN = {"4": Jenis.PENDAPATAN, "5": Jenis.BELANJA, "6": Jenis.PEMBIAYAAN}


class CodeError(ValueError):
    """A code that does not follow the Permendagri 90 format."""


# OPD: urusan.bidang . urusan.bidang . urusan.bidang . unit . sub unit
OPD_RE = re.compile(r"^\d\.\d{2}\.\d\.\d{2}\.\d\.\d{2}\.\d{2}\.\d{4}$", re.ASCII)
PROGRAM_RE = re.compile(r"^\d\.\d{2}\.\d{2}$", re.ASCII)
KEGIATAN_RE = re.compile(r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}$", re.ASCII)
# Kepmendagri 050-5889/2021 numbers sub kegiatan with four digits; older SIPD exports with two.
SUB_KEGIATAN_RE = re.compile(r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.(\d{4}|\d{2})$", re.ASCII)
# akun . kelompok . jenis . objek . rincian objek . sub rincian objek
ACCOUNT_SEGMENT_WIDTHS = (1, 1, 2, 2, 2, 4)
ACCOUNT_LEVEL_NAMES = (
    "akun",
    "kelompok",
    "jenis",
    "objek",
    "rincian objek",
    "sub rincian objek",
)


# A file repeats its codes on every row (a province's 400 000 realisasi rows name a few thousand
# accounts): each distinct code is checked once. A code refused is not remembered (lru_cache
# keeps no exception), so its message is always in the language active when it is refused.
# Bounded, so that a long-running worker does not keep every code it ever saw.
_memoised = lru_cache(maxsize=1 << 16)


def clean_code(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def _check(code: str, pattern: re.Pattern[str], what: "StrPromise", example: str) -> str:
    code = clean_code(code)
    if not code:
        raise CodeError(_("%(what)s is empty") % {"what": what})
    if (char := non_ascii_digit(code)) is not None:
        raise CodeError(non_ascii_digit_message(code, char))
    if not pattern.match(code):
        raise CodeError(
            _("%(what)s %(code)r is not a valid code (expected a form like %(example)s)")
            % {"what": what, "code": code, "example": example}
        )
    return code


@_memoised
def parse_opd_code(code: str) -> str:
    return _check(code, OPD_RE, _("OPD code"), "1.02.0.00.0.00.01.0000")


@_memoised
def parse_program_code(code: str) -> str:
    return _check(code, PROGRAM_RE, _("program code"), "1.02.01")


@_memoised
def parse_kegiatan_code(code: str, *, program: str | None = None) -> str:
    code = _check(code, KEGIATAN_RE, _("kegiatan code"), "1.02.01.2.01")
    if program is not None and not code.startswith(program + "."):
        raise CodeError(
            _("kegiatan %(code)s does not belong to program %(program)s")
            % {"code": code, "program": program}
        )
    return code


@_memoised
def parse_sub_kegiatan_code(code: str, *, kegiatan: str | None = None) -> str:
    code = _check(code, SUB_KEGIATAN_RE, _("sub kegiatan code"), "1.02.01.2.01.0001")
    if kegiatan is not None and not code.startswith(kegiatan + "."):
        raise CodeError(
            _("sub kegiatan %(code)s does not belong to kegiatan %(kegiatan)s")
            % {"code": code, "kegiatan": kegiatan}
        )
    return code


@dataclass(frozen=True)
class AccountCode:
    kode: str
    segments: tuple[str, ...]

    @property
    def level(self) -> int:
        return len(self.segments)

    @property
    def jenis(self) -> Jenis | None:
        return JENIS_BY_AKUN.get(self.segments[0])

    def prefix(self, depth: int) -> str:
        return ".".join(self.segments[:depth])


@_memoised
def parse_account_code(code: str) -> AccountCode:
    code = clean_code(code)
    if not code:
        raise CodeError(_("account code is empty"))
    if (char := non_ascii_digit(code)) is not None:
        raise CodeError(non_ascii_digit_message(code, char))
    segments = tuple(code.split("."))
    valid = len(segments) <= len(ACCOUNT_SEGMENT_WIDTHS) and all(
        len(seg) == width and seg.isascii() and seg.isdigit()
        for seg, width in zip(segments, ACCOUNT_SEGMENT_WIDTHS, strict=False)
    )
    if not valid:
        raise CodeError(
            _("account code %(code)r is not a valid code (expected a form like 5.1.02.01.01.0001)")
            % {"code": code}
        )
    return AccountCode(kode=code, segments=segments)


MAX_ACCOUNT_DEPTH = len(ACCOUNT_SEGMENT_WIDTHS)


# The upper levels of the chart of accounts (Kepmendagri 050-5889/2021, the Permendagri 90
# nomenclature update), used to name account groups that no DPA line carries itself.
ACCOUNT_CHART: dict[str, str] = {
    "4": "Pendapatan Daerah",
    "4.1": "Pendapatan Asli Daerah (PAD)",
    "4.1.01": "Pajak Daerah",
    "4.1.02": "Retribusi Daerah",
    "4.1.03": "Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan",
    "4.1.04": "Lain-lain PAD yang Sah",
    "4.2": "Pendapatan Transfer",
    "4.2.01": "Pendapatan Transfer Pemerintah Pusat",
    "4.2.02": "Pendapatan Transfer Antar Daerah",
    "4.3": "Lain-lain Pendapatan Daerah yang Sah",
    "4.3.01": "Pendapatan Hibah",
    "4.3.02": "Dana Darurat",
    "4.3.03": "Lain-lain Pendapatan Sesuai dengan Ketentuan Peraturan Perundang-Undangan",
    "5": "Belanja Daerah",
    "5.1": "Belanja Operasi",
    "5.1.01": "Belanja Pegawai",
    "5.1.02": "Belanja Barang dan Jasa",
    "5.1.03": "Belanja Bunga",
    "5.1.04": "Belanja Subsidi",
    "5.1.05": "Belanja Hibah",
    "5.1.06": "Belanja Bantuan Sosial",
    "5.2": "Belanja Modal",
    "5.2.01": "Belanja Modal Tanah",
    "5.2.02": "Belanja Modal Peralatan dan Mesin",
    "5.2.03": "Belanja Modal Gedung dan Bangunan",
    "5.2.04": "Belanja Modal Jalan, Jaringan, dan Irigasi",
    "5.2.05": "Belanja Modal Aset Tetap Lainnya",
    "5.2.06": "Belanja Modal Aset Lainnya",
    "5.3": "Belanja Tidak Terduga",
    "5.3.01": "Belanja Tidak Terduga",
    "5.4": "Belanja Transfer",
    "5.4.01": "Belanja Bagi Hasil",
    "5.4.02": "Belanja Bantuan Keuangan",
    "6": "Pembiayaan Daerah",
    "6.1": "Penerimaan Pembiayaan",
    "6.1.01": "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya",
    "6.1.02": "Pencairan Dana Cadangan",
    "6.1.03": "Hasil Penjualan Kekayaan Daerah yang Dipisahkan",
    "6.1.04": "Penerimaan Pinjaman Daerah",
    "6.1.05": "Penerimaan Kembali Pemberian Pinjaman Daerah",
    "6.1.06": "Penerimaan Pembiayaan Lainnya",
    "6.2": "Pengeluaran Pembiayaan",
    "6.2.01": "Pembentukan Dana Cadangan",
    "6.2.02": "Penyertaan Modal Daerah",
    "6.2.03": "Pembayaran Cicilan Pokok Utang yang Jatuh Tempo",
    "6.2.04": "Pemberian Pinjaman Daerah",
    "6.2.05": "Pengeluaran Pembiayaan Lainnya",
}
