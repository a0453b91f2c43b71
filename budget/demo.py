"""The demo region: Kabupaten Sukamaju, a fictional kabupaten to try the dashboard on.

Everything is built deterministically (string-seeded random generators, so the same numbers on
every machine and every run) as in-memory import tables, and loaded through the same importers
as a real DPA or realisasi file: the demo obeys every validation rule a real file must obey.

The nomenclature is real: OPD, program, kegiatan and sub kegiatan codes and names follow
Permendagri 90/2019 as updated by Kepmendagri 050-5889/2021, and the kode rekening the same
chart of accounts. The amounts are invented but sized like a kabupaten APBD of about
Rp 2 triliun: teachers' salaries dominate Dinas Pendidikan, roads dominate Dinas PUPR, the
village transfers (ADD and Dana Desa) sit on BPKAD, and DAU carries most of the revenue.

The story the numbers tell:
- 2025 is closed: DPA murni, then a DPPA after the APBD-Perubahan, realisasi through TW IV.
- 2026 runs through TW III: the latest quarter with data is 2026 TW III.
- Cash plans are back-loaded (most of the plan in TW III-IV) and so is the spending.
- Three OPDs lag (serapan well under 60% at the end of 2025): a failed tender season at
  Perkim, late technical guidance for DAK at Pertanian, and a TPA that was never built at DLH.
- One OPD (Disdukcapil) runs ahead of its own cash plan (capaian anggaran kas above 100%).
- Revenue may exceed its target; belanja never exceeds its pagu.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from random import Random

import pghistory
from django.contrib.auth.models import Group, User
from django.db import transaction

from budget import roles, workflow
from budget.codes import JENIS_BY_AKUN, Jenis
from budget.importing.dpa import DPA_COLUMNS, DpaResult, import_dpa
from budget.importing.reading import Table
from budget.importing.realisasi import REALISASI_COLUMNS, RealisasiResult, import_realisasi
from budget.models import DpaLine, Opd, Profile, QuarterReport, Region

REGION_KODE = "9901"
REGION_NAMA = "Kabupaten Sukamaju"
YEARS = (2025, 2026)
# The last quarter with realisasi in each year: 2025 is closed, 2026 is in its fourth quarter.
REPORTED_THROUGH = {2025: 4, 2026: 3}
DEMO_PASSWORD = "demo12345"
SEED = "serapan-demo-v1"

GROUP_BPKAD = roles.GROUP_BPKAD
GROUP_KEPALA_DAERAH = roles.GROUP_KEPALA
GROUP_BENDAHARA = roles.GROUP_BENDAHARA

JUTA = 1_000_000  # the specs below are in millions of rupiah


# --------------------------------------------------------------------------------------------
# Chart of accounts used by the demo (Kepmendagri 050-5889/2021, sub rincian objek level)
# --------------------------------------------------------------------------------------------

ACCOUNTS: dict[str, str] = {
    # Belanja pegawai
    "5.1.01.01.01.0001": "Belanja Gaji Pokok PNS",
    "5.1.01.01.01.0002": "Belanja Gaji Pokok PPPK",
    "5.1.01.01.02.0001": "Belanja Tunjangan Keluarga PNS",
    "5.1.01.01.03.0001": "Belanja Tunjangan Jabatan PNS",
    "5.1.01.01.04.0001": "Belanja Tunjangan Fungsional PNS",
    "5.1.01.02.01.0001": "Tambahan Penghasilan berdasarkan Beban Kerja PNS",
    "5.1.01.03.07.0001": "Belanja Honorarium Penanggungjawaban Pengelola Keuangan",
    "5.1.01.99.99.9999": "Belanja Pegawai BLUD",
    # Belanja barang dan jasa
    "5.1.02.01.01.0004": "Belanja Bahan-Bahan Bakar dan Pelumas",
    "5.1.02.01.01.0024": "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor",
    "5.1.02.01.01.0026": "Belanja Alat/Bahan untuk Kegiatan Kantor-Bahan Cetak",
    "5.1.02.01.01.0029": "Belanja Alat/Bahan untuk Kegiatan Kantor-Bahan Komputer",
    "5.1.02.01.01.0037": "Belanja Obat-Obatan-Obat",
    "5.1.02.01.01.0039": "Belanja Barang untuk Dijual/Diserahkan kepada Masyarakat",
    "5.1.02.01.01.0052": "Belanja Makanan dan Minuman Rapat",
    "5.1.02.02.01.0003": (
        "Honorarium Narasumber atau Pembahas, Moderator, Pembawa Acara, dan Panitia"
    ),
    "5.1.02.02.01.0014": "Belanja Jasa Tenaga Kesehatan",
    "5.1.02.02.01.0016": "Belanja Jasa Tenaga Penanganan Prasarana dan Sarana Umum",
    "5.1.02.02.01.0026": "Belanja Jasa Tenaga Administrasi",
    "5.1.02.02.01.0029": "Belanja Jasa Tenaga Ahli",
    "5.1.02.02.01.0030": "Belanja Jasa Tenaga Kebersihan",
    "5.1.02.02.01.0031": "Belanja Jasa Tenaga Keamanan",
    "5.1.02.02.01.0055": "Belanja Jasa Iklan/Reklame, Film, dan Pemotretan",
    "5.1.02.02.01.0059": "Belanja Tagihan Telepon",
    "5.1.02.02.01.0060": "Belanja Tagihan Air",
    "5.1.02.02.01.0061": "Belanja Tagihan Listrik",
    "5.1.02.02.01.0063": "Belanja Kawat/Faksimili/Internet/TV Berlangganan",
    "5.1.02.02.08.0019": (
        "Belanja Jasa Konsultansi Pengawasan Rekayasa-Jasa Pengawas Pekerjaan Konstruksi "
        "Bangunan Gedung"
    ),
    "5.1.02.02.12.0003": "Belanja Bimbingan Teknis",
    "5.1.02.03.02.0035": (
        "Belanja Pemeliharaan Alat Angkutan-Alat Angkutan Darat Bermotor-Kendaraan Dinas "
        "Bermotor Perorangan"
    ),
    "5.1.02.03.03.0001": (
        "Belanja Pemeliharaan Bangunan Gedung-Bangunan Gedung Tempat Kerja-Bangunan Gedung Kantor"
    ),
    "5.1.02.03.03.0010": (
        "Belanja Pemeliharaan Bangunan Gedung-Bangunan Gedung Tempat Kerja-Bangunan Gedung "
        "Tempat Pendidikan"
    ),
    "5.1.02.04.01.0001": "Belanja Perjalanan Dinas Biasa",
    "5.1.02.04.01.0003": "Belanja Perjalanan Dinas Dalam Kota",
    "5.1.02.99.99.9999": "Belanja Barang dan Jasa BLUD",
    # Belanja modal
    "5.2.02.02.01.0006": "Belanja Modal Kendaraan Bermotor Khusus",
    "5.2.02.05.02.0004": "Belanja Modal Alat Pendingin",
    "5.2.02.05.03.0001": "Belanja Modal Meja Kerja Pejabat",
    "5.2.02.07.01.0001": "Belanja Modal Alat Kedokteran Umum",
    "5.2.02.10.01.0002": "Belanja Modal Personal Computer",
    "5.2.02.18.01.0001": "Belanja Modal Rambu Bersuar",
    "5.2.03.01.01.0001": "Belanja Modal Bangunan Gedung Kantor",
    "5.2.03.01.01.0010": "Belanja Modal Bangunan Gedung Tempat Pendidikan",
    "5.2.03.01.01.0030": "Belanja Modal Bangunan Gedung Tempat Kerja Lainnya",
    "5.2.04.01.01.0003": "Belanja Modal Jalan Kabupaten",
    "5.2.04.01.02.0003": "Belanja Modal Jembatan pada Jalan Kabupaten",
    # Belanja tidak terduga and transfer
    "5.3.01.01.01.0001": "Belanja Tidak Terduga",
    "5.4.02.05.01.0001": "Belanja Bantuan Keuangan Umum Daerah Kabupaten/Kota kepada Desa",
}

# How a sub kegiatan's money is spread over accounts: (kode rekening, share of the amount).
MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "gaji": (
        ("5.1.01.01.01.0001", 0.52),
        ("5.1.01.01.01.0002", 0.12),
        ("5.1.01.01.02.0001", 0.06),
        ("5.1.01.01.03.0001", 0.04),
        ("5.1.01.01.04.0001", 0.06),
        ("5.1.01.02.01.0001", 0.20),
    ),
    "honor_keuangan": (("5.1.01.03.07.0001", 1.0),),
    "perencanaan": (
        ("5.1.02.01.01.0052", 0.35),
        ("5.1.02.01.01.0026", 0.25),
        ("5.1.02.04.01.0001", 0.40),
    ),
    "atk": (("5.1.02.01.01.0024", 0.7), ("5.1.02.01.01.0029", 0.3)),
    "cetak": (("5.1.02.01.01.0026", 1.0),),
    "rapat": (("5.1.02.01.01.0052", 0.45), ("5.1.02.04.01.0001", 0.55)),
    "alat": (
        ("5.2.02.10.01.0002", 0.5),
        ("5.2.02.05.03.0001", 0.2),
        ("5.2.02.05.02.0004", 0.3),
    ),
    "utilitas": (
        ("5.1.02.02.01.0061", 0.55),
        ("5.1.02.02.01.0060", 0.10),
        ("5.1.02.02.01.0059", 0.05),
        ("5.1.02.02.01.0063", 0.30),
    ),
    "jasa_kantor": (
        ("5.1.02.02.01.0026", 0.5),
        ("5.1.02.02.01.0030", 0.3),
        ("5.1.02.02.01.0031", 0.2),
    ),
    "pml_kendaraan": (("5.1.02.03.02.0035", 0.55), ("5.1.02.01.01.0004", 0.45)),
    "pml_gedung": (("5.1.02.03.03.0001", 1.0),),
    "kegiatan": (
        ("5.1.02.02.01.0003", 0.20),
        ("5.1.02.01.01.0052", 0.25),
        ("5.1.02.04.01.0001", 0.35),
        ("5.1.02.01.01.0024", 0.08),
        ("5.1.02.01.01.0026", 0.12),
    ),
    "rapat_besar": (
        ("5.1.02.01.01.0052", 0.45),
        ("5.1.02.02.01.0003", 0.20),
        ("5.1.02.01.01.0026", 0.15),
        ("5.1.02.04.01.0001", 0.20),
    ),
    "bimtek": (("5.1.02.02.12.0003", 0.7), ("5.1.02.04.01.0001", 0.3)),
    "kajian": (
        ("5.1.02.02.01.0029", 0.6),
        ("5.1.02.01.01.0052", 0.2),
        ("5.1.02.04.01.0001", 0.2),
    ),
    "bos": (
        ("5.1.02.01.01.0024", 0.15),
        ("5.1.02.02.01.0026", 0.25),
        ("5.1.02.03.03.0010", 0.20),
        ("5.1.02.02.01.0063", 0.08),
        ("5.1.02.01.01.0052", 0.10),
        ("5.1.02.04.01.0001", 0.07),
        ("5.2.02.10.01.0002", 0.15),
    ),
    "gedung_sekolah": (("5.2.03.01.01.0010", 0.95), ("5.1.02.02.08.0019", 0.05)),
    "gedung_kantor": (("5.2.03.01.01.0001", 0.95), ("5.1.02.02.08.0019", 0.05)),
    "gedung": (("5.2.03.01.01.0030", 0.95), ("5.1.02.02.08.0019", 0.05)),
    "alkes": (("5.2.02.07.01.0001", 1.0),),
    "obat": (("5.1.02.01.01.0037", 1.0),),
    "puskesmas": (
        ("5.1.02.02.01.0014", 0.45),
        ("5.1.02.01.01.0037", 0.15),
        ("5.1.02.02.01.0061", 0.10),
        ("5.1.02.01.01.0052", 0.05),
        ("5.1.02.04.01.0003", 0.10),
        ("5.1.02.03.03.0001", 0.15),
    ),
    "nakes": (("5.1.02.02.01.0014", 0.9), ("5.1.02.04.01.0003", 0.1)),
    "blud": (("5.1.01.99.99.9999", 0.42), ("5.1.02.99.99.9999", 0.58)),
    "jalan": (("5.2.04.01.01.0003", 0.96), ("5.1.02.04.01.0003", 0.04)),
    "jembatan": (("5.2.04.01.02.0003", 0.96), ("5.1.02.04.01.0003", 0.04)),
    "pml_jalan": (("5.1.02.02.01.0016", 0.6), ("5.1.02.01.01.0004", 0.4)),
    "patroli": (
        ("5.1.02.01.01.0004", 0.35),
        ("5.1.02.01.01.0052", 0.20),
        ("5.1.02.04.01.0003", 0.30),
        ("5.1.02.02.01.0031", 0.15),
    ),
    "kendaraan_khusus": (("5.2.02.02.01.0006", 1.0),),
    "diserahkan": (("5.1.02.01.01.0039", 0.92), ("5.1.02.04.01.0003", 0.08)),
    "pendataan": (
        ("5.1.02.02.01.0026", 0.45),
        ("5.1.02.02.01.0003", 0.15),
        ("5.1.02.04.01.0003", 0.25),
        ("5.1.02.01.01.0024", 0.15),
    ),
    "sarpras_sampah": (
        ("5.2.02.02.01.0006", 0.50),
        ("5.2.03.01.01.0030", 0.45),
        ("5.1.02.02.08.0019", 0.05),
    ),
    "operasional_sampah": (
        ("5.1.02.02.01.0030", 0.55),
        ("5.1.02.01.01.0004", 0.30),
        ("5.1.02.03.02.0035", 0.15),
    ),
    "dokumen": (
        ("5.1.02.01.01.0026", 0.40),
        ("5.1.02.02.01.0026", 0.35),
        ("5.1.02.01.01.0024", 0.10),
        ("5.1.02.02.01.0063", 0.15),
    ),
    "alat_ti": (
        ("5.2.02.10.01.0002", 0.60),
        ("5.1.02.02.01.0029", 0.25),
        ("5.1.02.02.01.0063", 0.15),
    ),
    "aplikasi": (
        ("5.1.02.02.01.0029", 0.7),
        ("5.1.02.02.01.0063", 0.2),
        ("5.1.02.01.01.0052", 0.1),
    ),
    "publikasi": (
        ("5.1.02.02.01.0055", 0.6),
        ("5.1.02.02.01.0003", 0.1),
        ("5.1.02.01.01.0052", 0.1),
        ("5.1.02.04.01.0001", 0.2),
    ),
    "rambu": (("5.2.02.18.01.0001", 0.9), ("5.1.02.04.01.0003", 0.1)),
    "dprd": (
        ("5.1.02.04.01.0001", 0.6),
        ("5.1.02.01.01.0052", 0.2),
        ("5.1.02.02.01.0003", 0.1),
        ("5.1.02.01.01.0026", 0.1),
    ),
    "pajak": (
        ("5.1.02.04.01.0003", 0.35),
        ("5.1.02.02.01.0003", 0.15),
        ("5.1.02.01.01.0026", 0.25),
        ("5.1.02.01.01.0024", 0.10),
        ("5.1.02.01.01.0052", 0.15),
    ),
    "pengawasan": (
        ("5.1.02.04.01.0003", 0.4),
        ("5.1.02.04.01.0001", 0.3),
        ("5.1.02.01.01.0052", 0.1),
        ("5.1.02.01.01.0024", 0.1),
        ("5.1.02.01.01.0026", 0.1),
    ),
    "bankeu_desa": (("5.4.02.05.01.0001", 1.0),),
    "btt": (("5.3.01.01.01.0001", 1.0),),
}


# --------------------------------------------------------------------------------------------
# The region's OPDs, their programs and revenue lines (amounts in millions of rupiah, 2025)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sub:
    nomor: str  # the last segment; the full code is the kegiatan's code plus this
    nama: str
    mix: str
    juta: int


@dataclass(frozen=True)
class Kegiatan:
    kode: str
    nama: str
    subs: tuple[Sub, ...]


@dataclass(frozen=True)
class Program:
    kode: str
    nama: str
    kegiatan: tuple[Kegiatan, ...]


@dataclass(frozen=True)
class Revenue:
    kode: str
    uraian: str
    juta: int
    kind: str  # pad, blud, dau, dbh, dak, dak_nf, dana_desa, bagi_hasil, silpa


@dataclass(frozen=True)
class OpdSpec:
    kode: str
    nama: str
    gaji: int  # salaries (Penyediaan Gaji dan Tunjangan ASN)
    ops: int  # the rest of the penunjang program
    programs: tuple[Program, ...]
    capex: bool = False  # buys office equipment under the penunjang program
    pace: str = "normal"  # normal, laggard or ahead (of its own cash plan)
    revenue: tuple[Revenue, ...] = ()
    extra_penunjang: tuple[Kegiatan, ...] = ()

    @property
    def urusan(self) -> str:
        return self.kode[:4]


PENUNJANG = "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA"

K = Kegiatan
P = Program
S = Sub
R = Revenue

KECAMATAN_PROGRAMS_KOTA = (
    P(
        "7.01.03",
        "PROGRAM PEMBERDAYAAN MASYARAKAT DESA DAN KELURAHAN",
        (
            K(
                "7.01.03.2.02",
                "Kegiatan Pemberdayaan Kelurahan",
                (
                    S("0002", "Pembangunan Sarana dan Prasarana Kelurahan", "jalan", 1_800),
                    S("0003", "Pemberdayaan Masyarakat di Kelurahan", "kegiatan", 350),
                ),
            ),
        ),
    ),
    P(
        "7.01.04",
        "PROGRAM KOORDINASI KETENTRAMAN DAN KETERTIBAN UMUM",
        (
            K(
                "7.01.04.2.01",
                "Koordinasi Upaya Penyelenggaraan Ketenteraman dan Ketertiban Umum",
                (
                    S(
                        "0001",
                        "Sinergitas dengan Kepolisian Negara Republik Indonesia, Tentara Nasional "
                        "Indonesia dan Instansi Vertikal di Wilayah Kecamatan",
                        "kegiatan",
                        220,
                    ),
                ),
            ),
        ),
    ),
)

KECAMATAN_PROGRAMS_DESA = (
    P(
        "7.01.06",
        "PROGRAM PEMBINAAN DAN PENGAWASAN PEMERINTAHAN DESA",
        (
            K(
                "7.01.06.2.01",
                "Fasilitasi, Rekomendasi dan Koordinasi Pembinaan dan Pengawasan Pemerintahan Desa",
                (
                    S("0002", "Fasilitasi Administrasi Tata Pemerintahan Desa", "kegiatan", 320),
                    S(
                        "0003",
                        "Fasilitasi Pengelolaan Keuangan Desa dan Pendayagunaan Aset Desa",
                        "kegiatan",
                        260,
                    ),
                ),
            ),
        ),
    ),
    KECAMATAN_PROGRAMS_KOTA[1],
)

OPDS: tuple[OpdSpec, ...] = (
    OpdSpec(
        "1.01.0.00.0.00.01.0000",
        "Dinas Pendidikan",
        gaji=470_000,
        ops=10_000,
        capex=True,
        programs=(
            P(
                "1.01.02",
                "PROGRAM PENGELOLAAN PENDIDIKAN",
                (
                    K(
                        "1.01.02.2.01",
                        "Pengelolaan Pendidikan Sekolah Dasar",
                        (
                            S("0029", "Pengelolaan Dana BOS Sekolah Dasar", "bos", 58_000),
                            S("0047", "Pembangunan Ruang Kelas Baru", "gedung_sekolah", 14_000),
                            S(
                                "0051",
                                "Rehabilitasi Sedang/Berat Ruang Kelas Sekolah",
                                "gedung_sekolah",
                                18_000,
                            ),
                            S(
                                "0049",
                                "Bimbingan Teknis, Pelatihan, dan/atau Magang/PKL untuk "
                                "Peningkatan Kapasitas Bidang Pendidikan",
                                "bimtek",
                                1_500,
                            ),
                        ),
                    ),
                    K(
                        "1.01.02.2.02",
                        "Pengelolaan Pendidikan Sekolah Menengah Pertama",
                        (
                            S(
                                "0042",
                                "Pengelolaan Dana BOS Sekolah Menengah Pertama",
                                "bos",
                                34_000,
                            ),
                            S("0059", "Pembangunan Ruang Kelas Baru", "gedung_sekolah", 10_000),
                        ),
                    ),
                    K(
                        "1.01.02.2.03",
                        "Pengelolaan Pendidikan Anak Usia Dini (PAUD)",
                        (S("0018", "Pengelolaan Dana BOP PAUD", "bos", 6_000),),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "1.02.0.00.0.00.01.0000",
        "Dinas Kesehatan",
        gaji=115_000,
        ops=6_000,
        capex=True,
        programs=(
            P(
                "1.02.02",
                "PROGRAM PEMENUHAN UPAYA KESEHATAN PERORANGAN DAN UPAYA KESEHATAN MASYARAKAT",
                (
                    K(
                        "1.02.02.2.01",
                        "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP Kewenangan "
                        "Daerah Kabupaten/Kota",
                        (
                            S("0006", "Pengembangan Puskesmas", "gedung", 12_000),
                            S(
                                "0014",
                                "Pengadaan Alat Kesehatan/Alat Penunjang Medik Fasilitas "
                                "Pelayanan Kesehatan",
                                "alkes",
                                14_000,
                            ),
                            S(
                                "0023",
                                "Pengadaan Obat, Bahan Habis Pakai, Bahan Medis Habis Pakai, "
                                "Vaksin, Makanan dan Minuman di Fasilitas Kesehatan",
                                "obat",
                                9_000,
                            ),
                        ),
                    ),
                    K(
                        "1.02.02.2.02",
                        "Penyediaan Layanan Kesehatan untuk UKM dan UKP Rujukan Tingkat Daerah "
                        "Kabupaten/Kota",
                        (
                            S("0033", "Operasional Pelayanan Puskesmas", "puskesmas", 28_000),
                            S("0004", "Pengelolaan Pelayanan Kesehatan Balita", "kegiatan", 2_500),
                            S(
                                "0015",
                                "Pengelolaan Pelayanan Kesehatan Gizi Masyarakat",
                                "kegiatan",
                                3_000,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "1.02.03",
                "PROGRAM PENINGKATAN KAPASITAS SUMBER DAYA MANUSIA KESEHATAN",
                (
                    K(
                        "1.02.03.2.02",
                        "Perencanaan Kebutuhan dan Pendayagunaan Sumber Daya Manusia Kesehatan "
                        "untuk UKP dan UKM di Wilayah Kabupaten/Kota",
                        (
                            S(
                                "0002",
                                "Pemenuhan Kebutuhan Sumber Daya Manusia Kesehatan Sesuai Standar",
                                "nakes",
                                6_000,
                            ),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(
            R(
                "4.1.02.01.01.0001",
                "Retribusi Pelayanan Kesehatan di Puskesmas",
                3_500,
                "pad",
            ),
            R(
                "4.1.04.18.01.0001",
                "Pendapatan Dana Kapitasi JKN pada FKTP",
                21_000,
                "pad",
            ),
        ),
    ),
    OpdSpec(
        "1.02.0.00.0.00.02.0000",
        "Rumah Sakit Umum Daerah Sukamaju",
        gaji=34_000,
        ops=1_500,
        extra_penunjang=(
            K(
                "1.02.01.2.10",
                "Peningkatan Pelayanan BLUD",
                (S("0001", "Pelayanan dan Penunjang Pelayanan BLUD", "blud", 92_000),),
            ),
        ),
        programs=(
            P(
                "1.02.02",
                "PROGRAM PEMENUHAN UPAYA KESEHATAN PERORANGAN DAN UPAYA KESEHATAN MASYARAKAT",
                (
                    K(
                        "1.02.02.2.01",
                        "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP Kewenangan "
                        "Daerah Kabupaten/Kota",
                        (
                            S(
                                "0014",
                                "Pengadaan Alat Kesehatan/Alat Penunjang Medik Fasilitas "
                                "Pelayanan Kesehatan",
                                "alkes",
                                18_000,
                            ),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(R("4.1.04.16.01.0001", "Pendapatan BLUD", 96_000, "blud"),),
    ),
    OpdSpec(
        "1.03.0.00.0.00.01.0000",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        gaji=16_000,
        ops=4_000,
        capex=True,
        programs=(
            P(
                "1.03.08",
                "PROGRAM PENATAAN BANGUNAN GEDUNG",
                (
                    K(
                        "1.03.08.2.01",
                        "Penyelenggaraan Bangunan Gedung di Wilayah Daerah Kabupaten/Kota, "
                        "Pemberian Izin Mendirikan Bangunan (IMB) dan Administrasi Bangunan "
                        "Gedung",
                        (
                            S(
                                "0021",
                                "Pembangunan, Pemanfaatan, Pelestarian dan Pembongkaran Bangunan "
                                "Gedung untuk Kepentingan Strategis Daerah Kabupaten/Kota",
                                "gedung_kantor",
                                16_000,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "1.03.10",
                "PROGRAM PENYELENGGARAAN JALAN",
                (
                    K(
                        "1.03.10.2.01",
                        "Penyelenggaraan Jalan Kabupaten/Kota",
                        (
                            S("0031", "Penggantian Jembatan", "jembatan", 21_000),
                            S("0033", "Rekonstruksi Jalan", "jalan", 70_000),
                            S("0034", "Pemeliharaan Berkala Jalan", "jalan", 26_000),
                            S("0044", "Rehabilitasi Jalan", "jalan", 55_000),
                            S("0046", "Pemeliharaan Rutin Jalan", "pml_jalan", 14_000),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(
            R(
                "4.1.02.03.01.0001",
                "Retribusi Pemberian Izin Mendirikan Bangunan",
                2_800,
                "pad",
            ),
        ),
    ),
    OpdSpec(
        "1.04.0.00.0.00.01.0000",
        "Dinas Perumahan dan Kawasan Permukiman",
        gaji=5_200,
        ops=1_800,
        pace="laggard",
        programs=(
            P(
                "1.04.05",
                "PROGRAM PENINGKATAN PRASARANA, SARANA DAN UTILITAS UMUM (PSU)",
                (
                    K(
                        "1.04.05.2.01",
                        "Urusan Penyelenggaraan PSU Perumahan",
                        (
                            S(
                                "0002",
                                "Penyediaan Prasarana, Sarana, dan Utilitas Umum di Perumahan "
                                "untuk Menunjang Fungsi Hunian",
                                "jalan",
                                24_000,
                            ),
                            S(
                                "0008",
                                "Operasional dan Pemeliharaan Prasarana, Sarana, dan Utilitas "
                                "Umum di Perumahan",
                                "pml_jalan",
                                3_000,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "1.05.0.00.0.00.01.0000",
        "Satuan Polisi Pamong Praja dan Pemadam Kebakaran",
        gaji=13_000,
        ops=2_500,
        programs=(
            P(
                "1.05.02",
                "PROGRAM PENINGKATAN KETENTERAMAN DAN KETERTIBAN UMUM",
                (
                    K(
                        "1.05.02.2.01",
                        "Penanganan Gangguan Ketenteraman dan Ketertiban Umum dalam 1 (Satu) "
                        "Daerah Kabupaten/Kota",
                        (
                            S(
                                "0015",
                                "Pencegahan Gangguan Ketenteraman dan Ketertiban Umum Melalui "
                                "Deteksi Dini dan Cegah Dini, Pembinaan dan Penyuluhan, "
                                "Pelaksanaan Patroli, Pengamanan, dan Pengawalan",
                                "patroli",
                                3_200,
                            ),
                        ),
                    ),
                    K(
                        "1.05.02.2.02",
                        "Penegakan Peraturan Daerah Kabupaten/Kota dan Peraturan Bupati/Wali Kota",
                        (
                            S(
                                "0011",
                                "Penanganan Atas Pelanggaran Peraturan Daerah dan Peraturan "
                                "Kepala Daerah",
                                "kegiatan",
                                1_200,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "1.05.04",
                "PROGRAM PENCEGAHAN, PENANGGULANGAN, PENYELAMATAN KEBAKARAN DAN PENYELAMATAN "
                "NON KEBAKARAN",
                (
                    K(
                        "1.05.04.2.01",
                        "Pencegahan, Pengendalian, Pemadaman, Penyelamatan, dan Penanganan Bahan "
                        "Berbahaya dan Beracun Kebakaran dalam Daerah Kabupaten/Kota",
                        (
                            S(
                                "0017",
                                "Pengadaan Sarana dan Prasarana Pencegahan, Penanggulangan "
                                "Kebakaran dan Alat Pelindung Diri",
                                "kendaraan_khusus",
                                4_500,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "1.05.0.00.0.00.02.0000",
        "Badan Penanggulangan Bencana Daerah",
        gaji=5_500,
        ops=1_500,
        programs=(
            P(
                "1.05.03",
                "PROGRAM PENANGGULANGAN BENCANA",
                (
                    K(
                        "1.05.03.2.01",
                        "Pelayanan Informasi Rawan Bencana Kabupaten/Kota",
                        (
                            S(
                                "0003",
                                "Penyusunan Kajian Risiko Bencana Kabupaten/Kota",
                                "kajian",
                                900,
                            ),
                        ),
                    ),
                    K(
                        "1.05.03.2.02",
                        "Pelayanan Pencegahan dan Kesiapsiagaan Terhadap Bencana",
                        (
                            S("0010", "Gladi Kesiapsiagaan Terhadap Bencana", "kegiatan", 600),
                            S(
                                "0015",
                                "Penyediaan Peralatan Perlindungan dan Kesiapsiagaan Terhadap "
                                "Bencana Kabupaten/Kota",
                                "kendaraan_khusus",
                                3_000,
                            ),
                        ),
                    ),
                    K(
                        "1.05.03.2.03",
                        "Pelayanan Penyelamatan dan Evakuasi Korban Bencana",
                        (
                            S(
                                "0003",
                                "Pencarian, Pertolongan dan Evakuasi Korban Bencana Kabupaten/Kota",
                                "patroli",
                                1_200,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "1.06.0.00.0.00.01.0000",
        "Dinas Sosial",
        gaji=6_000,
        ops=1_500,
        programs=(
            P(
                "1.06.04",
                "PROGRAM REHABILITASI SOSIAL",
                (
                    K(
                        "1.06.04.2.02",
                        "Rehabilitasi Sosial Penyandang Masalah Kesejahteraan Sosial (PMKS) "
                        "Lainnya Bukan Korban HIV/AIDS dan NAPZA di Luar Panti Sosial",
                        (S("0003", "Penyediaan Permakanan", "diserahkan", 4_500),),
                    ),
                ),
            ),
            P(
                "1.06.05",
                "PROGRAM PERLINDUNGAN DAN JAMINAN SOSIAL",
                (
                    K(
                        "1.06.05.2.02",
                        "Pengelolaan Data Fakir Miskin Cakupan Daerah Kabupaten/Kota",
                        (
                            S(
                                "0001",
                                "Pendataan Fakir Miskin Cakupan Daerah Kabupaten/Kota",
                                "pendataan",
                                1_800,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "2.11.0.00.0.00.01.0000",
        "Dinas Lingkungan Hidup",
        gaji=8_500,
        ops=2_000,
        pace="laggard",
        programs=(
            P(
                "2.11.11",
                "PROGRAM PENGELOLAAN PERSAMPAHAN",
                (
                    K(
                        "2.11.11.2.01",
                        "Pengelolaan Sampah",
                        (
                            S(
                                "0007",
                                "Penyediaan Sarana dan Prasarana Pengelolaan Persampahan di "
                                "TPA/TPST/SPA Kabupaten/Kota",
                                "sarpras_sampah",
                                14_000,
                            ),
                            S(
                                "0020",
                                "Penanganan Sampah melalui Pemrosesan Akhir Sampah di TPA/TPST "
                                "Kabupaten/Kota atau TPA/TPST Regional",
                                "operasional_sampah",
                                6_500,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "2.12.0.00.0.00.01.0000",
        "Dinas Kependudukan dan Pencatatan Sipil",
        gaji=6_200,
        ops=1_800,
        capex=True,
        pace="ahead",
        programs=(
            P(
                "2.12.02",
                "PROGRAM PENDAFTARAN PENDUDUK",
                (
                    K(
                        "2.12.02.2.01",
                        "Pelayanan Pendaftaran Penduduk",
                        (
                            S(
                                "0007",
                                "Penerbitan Dokumen Atas Hasil Pelaporan Peristiwa Kependudukan",
                                "dokumen",
                                2_400,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "2.12.03",
                "PROGRAM PENCATATAN SIPIL",
                (
                    K(
                        "2.12.03.2.01",
                        "Pelayanan Pencatatan Sipil",
                        (
                            S(
                                "0001",
                                "Pencatatan, Penatausahaan dan Penerbitan Dokumen Atas Pelaporan "
                                "Peristiwa Penting",
                                "dokumen",
                                1_600,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "2.12.04",
                "PROGRAM PENGELOLAAN INFORMASI ADMINISTRASI KEPENDUDUKAN",
                (
                    K(
                        "2.12.04.2.01",
                        "Pengumpulan Data Kependudukan dan Pemanfaatan dan Penyajian Database "
                        "Kependudukan",
                        (
                            S(
                                "0001",
                                "Pengolahan dan Penyajian Data Kependudukan",
                                "alat_ti",
                                1_500,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "2.13.0.00.0.00.01.0000",
        "Dinas Pemberdayaan Masyarakat dan Desa",
        gaji=5_500,
        ops=1_500,
        programs=(
            P(
                "2.13.04",
                "PROGRAM ADMINISTRASI PEMERINTAHAN DESA",
                (
                    K(
                        "2.13.04.2.01",
                        "Pembinaan dan Pengawasan Penyelenggaraan Administrasi Pemerintahan Desa",
                        (
                            S("0004", "Fasilitasi Pengelolaan Keuangan Desa", "kegiatan", 1_200),
                            S(
                                "0005",
                                "Pembinaan Peningkatan Kapasitas Aparatur Pemerintah Desa",
                                "bimtek",
                                1_800,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "2.15.0.00.0.00.01.0000",
        "Dinas Perhubungan",
        gaji=7_000,
        ops=1_800,
        programs=(
            P(
                "2.15.02",
                "PROGRAM PENYELENGGARAAN LALU LINTAS DAN ANGKUTAN JALAN (LLAJ)",
                (
                    K(
                        "2.15.02.2.05",
                        "Pengujian Berkala Kendaraan Bermotor",
                        (
                            S(
                                "0001",
                                "Penyediaan Sarana dan Prasarana Pengujian Berkala Kendaraan "
                                "Bermotor",
                                "alat",
                                1_600,
                            ),
                            S(
                                "0004",
                                "Penyediaan Bukti Lulus Uji Pengujian Berkala Kendaraan Bermotor",
                                "dokumen",
                                600,
                            ),
                        ),
                    ),
                    K(
                        "2.15.02.2.06",
                        "Pelaksanaan Manajemen dan Rekayasa Lalu Lintas untuk Jaringan Jalan "
                        "Kabupaten/Kota",
                        (
                            S(
                                "0016",
                                "Pengadaan dan Pemasangan Perlengkapan Jalan dalam rangka "
                                "Manajemen dan Rekayasa Lalu Lintas",
                                "rambu",
                                4_200,
                            ),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(
            R(
                "4.1.02.01.04.0001",
                "Retribusi Penyediaan Pelayanan Parkir di Tepi Jalan Umum",
                1_500,
                "pad",
            ),
            R("4.1.02.01.06.0001", "Retribusi Pengujian Kendaraan Bermotor", 800, "pad"),
        ),
    ),
    OpdSpec(
        "2.16.0.00.0.00.01.0000",
        "Dinas Komunikasi dan Informatika",
        gaji=5_000,
        ops=1_500,
        programs=(
            P(
                "2.16.02",
                "PROGRAM PENGELOLAAN INFORMASI DAN KOMUNIKASI PUBLIK",
                (
                    K(
                        "2.16.02.2.01",
                        "Pengelolaan Informasi dan Komunikasi Publik Pemerintah Daerah "
                        "Kabupaten/Kota",
                        (S("0005", "Pengelolaan Media Komunikasi Publik", "publikasi", 2_200),),
                    ),
                ),
            ),
            P(
                "2.16.03",
                "PROGRAM PENGELOLAAN APLIKASI INFORMATIKA",
                (
                    K(
                        "2.16.03.2.02",
                        "Pengelolaan E-Government di Lingkup Pemerintah Daerah Kabupaten/Kota",
                        (
                            S(
                                "0003",
                                "Pengelolaan Pusat Data Pemerintahan Daerah",
                                "alat_ti",
                                3_000,
                            ),
                            S(
                                "0007",
                                "Pengembangan Aplikasi dan Proses Bisnis Pemerintahan Berbasis "
                                "Elektronik",
                                "aplikasi",
                                1_800,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "2.18.0.00.0.00.01.0000",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        gaji=4_200,
        ops=1_200,
        programs=(
            P(
                "2.18.04",
                "PROGRAM PELAYANAN PENANAMAN MODAL",
                (
                    K(
                        "2.18.04.2.01",
                        "Pelayanan Perizinan dan Non Perizinan secara Terpadu Satu Pintu dibidang "
                        "Penanaman Modal yang Menjadi Kewenangan Daerah Kabupaten/Kota",
                        (
                            S(
                                "0001",
                                "Penyediaan Pelayanan Terpadu Perizinan dan Non Perizinan Berbasis "
                                "Sistem Pelayanan Perizinan Berusaha Terintegrasi Secara "
                                "Elektronik",
                                "dokumen",
                                1_400,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "3.27.0.00.0.00.01.0000",
        "Dinas Pertanian",
        gaji=11_000,
        ops=2_000,
        capex=True,
        pace="laggard",
        programs=(
            P(
                "3.27.03",
                "PROGRAM PENYEDIAAN DAN PENGEMBANGAN PRASARANA PERTANIAN",
                (
                    K(
                        "3.27.03.2.02",
                        "Pembangunan Prasarana Pertanian",
                        (
                            S(
                                "0002",
                                "Pembangunan, Rehabilitasi dan Pemeliharaan Embung Pertanian",
                                "diserahkan",
                                7_000,
                            ),
                            S(
                                "0003",
                                "Pembangunan, Rehabilitasi dan Pemeliharaan Jalan Usaha Tani",
                                "diserahkan",
                                9_000,
                            ),
                            S(
                                "0010",
                                "Rehabilitasi dan Pemeliharaan Jaringan Irigasi Usaha Tani",
                                "diserahkan",
                                5_500,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "3.27.05",
                "PROGRAM PENGENDALIAN DAN PENANGGULANGAN BENCANA PERTANIAN",
                (
                    K(
                        "3.27.05.2.01",
                        "Pengendalian dan Penanggulangan Bencana Pertanian Kabupaten/Kota",
                        (
                            S(
                                "0001",
                                "Pengendalian Organisme Pengganggu Tumbuhan (OPT) Tanaman Pangan, "
                                "Hortikultura, dan Perkebunan",
                                "diserahkan",
                                1_800,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "3.27.07",
                "PROGRAM PENYULUHAN PERTANIAN",
                (
                    K(
                        "3.27.07.2.01",
                        "Pelaksanaan Penyuluhan Pertanian",
                        (
                            S(
                                "0003",
                                "Penyediaan dan Pemanfaatan Sarana dan Prasarana Penyuluhan "
                                "Pertanian",
                                "alat",
                                1_500,
                            ),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(
            R(
                "4.1.02.02.11.0001",
                "Retribusi Penjualan Produksi Hasil Usaha Daerah berupa Bibit atau Benih Tanaman",
                250,
                "pad",
            ),
            R("4.1.02.02.07.0001", "Retribusi Pelayanan Rumah Potong Hewan", 120, "pad"),
        ),
    ),
    OpdSpec(
        "4.01.0.00.0.00.01.0000",
        "Sekretariat Daerah",
        gaji=38_000,
        ops=18_000,
        capex=True,
        programs=(
            P(
                "4.01.02",
                "PROGRAM PEMERINTAHAN DAN KESEJAHTERAAN RAKYAT",
                (
                    K(
                        "4.01.02.2.02",
                        "Pelaksanaan Kebijakan Kesejahteraan Rakyat",
                        (
                            S(
                                "0001",
                                "Fasilitasi Pengelolaan Bina Mental Spiritual",
                                "kegiatan",
                                3_500,
                            ),
                        ),
                    ),
                    K(
                        "4.01.02.2.03",
                        "Fasilitasi dan Koordinasi Hukum",
                        (
                            S(
                                "0001",
                                "Fasilitasi Penyusunan Produk Hukum Daerah",
                                "kegiatan",
                                2_200,
                            ),
                        ),
                    ),
                ),
            ),
            P(
                "4.01.03",
                "PROGRAM PEREKONOMIAN DAN PEMBANGUNAN",
                (
                    K(
                        "4.01.03.2.02",
                        "Pelaksanaan Administrasi Pembangunan",
                        (
                            S(
                                "0002",
                                "Pengendalian dan Evaluasi Program Pembangunan",
                                "kegiatan",
                                1_400,
                            ),
                        ),
                    ),
                    K(
                        "4.01.03.2.03",
                        "Pengelolaan Pengadaan Barang dan Jasa",
                        (
                            S(
                                "0002",
                                "Pengelolaan Layanan Pengadaan Secara Elektronik",
                                "aplikasi",
                                1_600,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "4.02.0.00.0.00.01.0000",
        "Sekretariat DPRD",
        gaji=9_000,
        ops=6_000,
        capex=True,
        programs=(
            P(
                "4.02.02",
                "PROGRAM DUKUNGAN PELAKSANAAN TUGAS DAN FUNGSI DPRD",
                (
                    K(
                        "4.02.02.2.02",
                        "Pembahasan Kebijakan Anggaran",
                        (S("0001", "Pembahasan KUA dan PPAS", "dprd", 6_000),),
                    ),
                    K(
                        "4.02.02.2.06",
                        "Penyerapan dan Penghimpunan Aspirasi Masyarakat",
                        (S("0001", "Pelaksanaan Reses", "dprd", 12_000),),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "5.01.0.00.0.00.01.0000",
        "Badan Perencanaan Pembangunan Daerah",
        gaji=5_800,
        ops=1_600,
        programs=(
            P(
                "5.01.02",
                "PROGRAM PERENCANAAN, PENGENDALIAN DAN EVALUASI PEMBANGUNAN DAERAH",
                (
                    K(
                        "5.01.02.2.01",
                        "Penyusunan Perencanaan dan Pendanaan",
                        (
                            S(
                                "0005",
                                "Pelaksanaan Musrenbang Kabupaten/Kota",
                                "rapat_besar",
                                1_200,
                            ),
                            S(
                                "0007",
                                "Koordinasi Penyusunan dan Penetapan Dokumen Perencanaan "
                                "Pembangunan Daerah Kabupaten/Kota",
                                "kajian",
                                1_500,
                            ),
                        ),
                    ),
                    K(
                        "5.01.02.2.02",
                        "Analisis Data dan Informasi Perencanaan Pembangunan Daerah",
                        (
                            S(
                                "0003",
                                "Penyusunan Profil Pembangunan Daerah Kabupaten/Kota",
                                "kegiatan",
                                700,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "5.02.0.00.0.00.01.0000",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        gaji=12_500,
        ops=3_500,
        capex=True,
        programs=(
            P(
                "5.02.02",
                "PROGRAM PENGELOLAAN KEUANGAN DAERAH",
                (
                    K(
                        "5.02.02.2.01",
                        "Koordinasi dan Penyusunan Rencana Anggaran Daerah",
                        (
                            S(
                                "0005",
                                "Koordinasi, Penyusunan dan Verifikasi DPA-SKPD",
                                "kegiatan",
                                900,
                            ),
                        ),
                    ),
                    K(
                        "5.02.02.2.03",
                        "Koordinasi dan Pelaksanaan Akuntansi dan Pelaporan Keuangan Daerah",
                        (
                            S(
                                "0003",
                                "Koordinasi Penyusunan Laporan Pertanggungjawaban Pelaksanaan APBD "
                                "Bulanan, Triwulanan dan Semesteran",
                                "kegiatan",
                                700,
                            ),
                        ),
                    ),
                    K(
                        "5.02.02.2.04",
                        "Penunjang Urusan Kewenangan Pengelolaan Keuangan Daerah",
                        (
                            S(
                                "0008",
                                "Analisis Perencanaan dan Penyaluran Bantuan Keuangan",
                                "bankeu_desa",
                                262_000,
                            ),
                            S("0009", "Pengelolaan Dana Darurat dan Mendesak", "btt", 8_000),
                        ),
                    ),
                ),
            ),
            P(
                "5.02.03",
                "PROGRAM PENGELOLAAN BARANG MILIK DAERAH",
                (
                    K(
                        "5.02.03.2.01",
                        "Pengelolaan Barang Milik Daerah",
                        (S("0006", "Inventarisasi Barang Milik Daerah", "kegiatan", 800),),
                    ),
                ),
            ),
        ),
        revenue=(
            R(
                "4.1.03.02.01.0001",
                "Bagian Laba yang Dibagikan kepada Pemerintah Daerah (Dividen) atas Penyertaan "
                "Modal pada BUMD (Lembaga Keuangan)",
                11_500,
                "pad",
            ),
            R("4.1.04.05.01.0001", "Jasa Giro pada Kas Daerah", 5_000, "pad"),
            R(
                "4.1.04.07.01.0001",
                "Pendapatan Bunga atas Penempatan Uang Pemerintah Daerah",
                7_500,
                "pad",
            ),
            R("4.2.01.01.01.0001", "DBH Pajak Bumi dan Bangunan", 9_800, "dbh"),
            R("4.2.01.01.01.0002", "DBH PPh Pasal 21", 12_400, "dbh"),
            R("4.2.01.01.01.0004", "DBH Cukai Hasil Tembakau (CHT)", 14_600, "dbh"),
            R("4.2.01.01.02.0001", "Dana Alokasi Umum (DAU)", 1_020_000, "dau"),
            R("4.2.01.01.03.0002", "DAK Fisik-Bidang Pendidikan-Reguler-SD", 16_500, "dak"),
            R("4.2.01.01.03.0003", "DAK Fisik-Bidang Pendidikan-Reguler-SMP", 9_500, "dak"),
            R(
                "4.2.01.01.03.0015",
                "DAK Fisik-Bidang Kesehatan dan KB-Reguler-Pelayanan Kefarmasian",
                5_800,
                "dak",
            ),
            R(
                "4.2.01.01.03.0031",
                "DAK Fisik-Bidang Pertanian-Penugasan-Pembangunan/Renovasi Sarana dan Prasarana "
                "Fisik Dasar Pembangunan Pertanian",
                12_000,
                "dak",
            ),
            R("4.2.01.01.03.0034", "DAK Fisik-Bidang Jalan-Reguler-Jalan", 42_000, "dak"),
            R(
                "4.2.01.01.03.0056",
                "DAK Fisik-Bidang Perumahan dan Permukiman-Penugasan",
                8_000,
                "dak",
            ),
            R("4.2.01.01.04.0001", "DAK Non Fisik-BOS Reguler", 92_000, "dak_nf"),
            R("4.2.01.01.04.0004", "DAK Non Fisik-TPG PNSD", 88_000, "dak_nf"),
            R("4.2.01.01.04.0011", "DAK Non Fisik-BOKKB-BOK", 11_000, "dak_nf"),
            R("4.2.01.05.01.0001", "Dana Desa", 158_000, "dana_desa"),
            R(
                "4.2.02.01.01.0001",
                "Pendapatan Bagi Hasil Pajak Kendaraan Bermotor",
                27_000,
                "bagi_hasil",
            ),
            R(
                "4.2.02.01.01.0003",
                "Pendapatan Bagi Hasil Pajak Bahan Bakar Kendaraan Bermotor",
                26_000,
                "bagi_hasil",
            ),
            R("4.2.02.01.01.0005", "Pendapatan Bagi Hasil Pajak Rokok", 19_000, "bagi_hasil"),
        ),
    ),
    OpdSpec(
        "5.02.0.00.0.00.02.0000",
        "Badan Pendapatan Daerah",
        gaji=7_500,
        ops=2_000,
        programs=(
            P(
                "5.02.04",
                "PROGRAM PENGELOLAAN PENDAPATAN DAERAH",
                (
                    K(
                        "5.02.04.2.01",
                        "Pengelolaan Pendapatan Daerah",
                        (
                            S(
                                "0003",
                                "Penyuluhan dan Penyebarluasan Kebijakan Pajak Daerah",
                                "kegiatan",
                                700,
                            ),
                            S(
                                "0007",
                                "Penilaian Pajak Bumi dan Bangunan Perdesaan dan Perkotaan (PBBP2) "
                                "serta Bea Perolehan Hak atas Tanah dan Bangunan (BPHTB)",
                                "kajian",
                                1_200,
                            ),
                            S("0011", "Penagihan Pajak Daerah", "pajak", 1_800),
                        ),
                    ),
                ),
            ),
        ),
        revenue=(
            R("4.1.01.06.01.0001", "Pajak Hotel", 2_400, "pad"),
            R("4.1.01.07.01.0001", "Pajak Restoran dan Sejenisnya", 9_500, "pad"),
            R(
                "4.1.01.09.01.0001",
                "Pajak Reklame Papan/Billboard/Videotron/Megatron",
                1_900,
                "pad",
            ),
            R("4.1.01.12.01.0001", "Pajak Air Tanah", 2_600, "pad"),
            R(
                "4.1.01.14.37.0001",
                "Pajak Mineral Bukan Logam dan Batuan Lainnya",
                3_200,
                "pad",
            ),
            R(
                "4.1.01.15.01.0001",
                "Pajak Bumi dan Bangunan Perdesaan dan Perkotaan (PBBP2)",
                23_000,
                "pad",
            ),
            R("4.1.01.16.01.0001", "BPHTB-Pemindahan Hak", 26_500, "pad"),
        ),
    ),
    OpdSpec(
        "5.03.0.00.0.00.01.0000",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        gaji=5_000,
        ops=1_500,
        programs=(
            P(
                "5.03.02",
                "PROGRAM KEPEGAWAIAN DAERAH",
                (
                    K(
                        "5.03.02.2.01",
                        "Pengadaan, Pemberhentian dan Informasi Kepegawaian ASN",
                        (
                            S(
                                "0004",
                                "Evaluasi Pengadaan ASN dan Pengadaan ASN",
                                "rapat_besar",
                                1_500,
                            ),
                            S("0010", "Pengelolaan Sistem Informasi Kepegawaian", "aplikasi", 800),
                        ),
                    ),
                    K(
                        "5.03.02.2.02",
                        "Mutasi dan Promosi ASN",
                        (S("0002", "Pengelolaan Kenaikan Pangkat ASN", "kegiatan", 500),),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "6.01.0.00.0.00.01.0000",
        "Inspektorat Daerah",
        gaji=7_000,
        ops=1_500,
        programs=(
            P(
                "6.01.02",
                "PROGRAM PENYELENGGARAAN PENGAWASAN",
                (
                    K(
                        "6.01.02.2.01",
                        "Penyelenggaraan Pengawasan Internal",
                        (
                            S("0001", "Pengawasan Kinerja Pemerintah Daerah", "pengawasan", 1_800),
                            S(
                                "0002",
                                "Pengawasan Keuangan Pemerintah Daerah",
                                "pengawasan",
                                1_500,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    OpdSpec(
        "7.01.0.00.0.00.01.0000",
        "Kecamatan Sukamaju",
        gaji=3_000,
        ops=900,
        programs=KECAMATAN_PROGRAMS_KOTA,
    ),
    OpdSpec(
        "7.01.0.00.0.00.02.0000",
        "Kecamatan Cikaret",
        gaji=2_400,
        ops=650,
        programs=KECAMATAN_PROGRAMS_DESA,
    ),
    OpdSpec(
        "7.01.0.00.0.00.03.0000",
        "Kecamatan Mekarsari",
        gaji=2_600,
        ops=700,
        programs=KECAMATAN_PROGRAMS_DESA,
    ),
    OpdSpec(
        "7.01.0.00.0.00.04.0000",
        "Kecamatan Tanjungwangi",
        gaji=2_300,
        ops=600,
        programs=KECAMATAN_PROGRAMS_DESA,
    ),
)

BPKAD_KODE = "5.02.0.00.0.00.01.0000"
SILPA = ("6.1.01.01.01.0001", "Sisa Lebih Perhitungan Anggaran Tahun Sebelumnya")


def _penunjang(opd: OpdSpec) -> Program:
    """The X.XX.01 program every OPD carries, sized from its salaries and operating budget."""
    u = opd.urusan
    ops = opd.ops
    kegiatan = [
        K(
            f"{u}.01.2.01",
            "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah",
            (
                S("0001", "Penyusunan Dokumen Perencanaan Perangkat Daerah", "perencanaan", 0),
                S(
                    "0006",
                    "Koordinasi dan Penyusunan Laporan Capaian Kinerja dan Ikhtisar Realisasi "
                    "Kinerja SKPD",
                    "perencanaan",
                    0,
                ),
            ),
        ),
        K(
            f"{u}.01.2.02",
            "Administrasi Keuangan Perangkat Daerah",
            (
                S("0001", "Penyediaan Gaji dan Tunjangan ASN", "gaji", opd.gaji),
                S(
                    "0003",
                    "Pelaksanaan Penatausahaan dan Pengujian/Verifikasi Keuangan SKPD",
                    "honor_keuangan",
                    0,
                ),
            ),
        ),
        K(
            f"{u}.01.2.06",
            "Administrasi Umum Perangkat Daerah",
            (
                S("0002", "Penyediaan Peralatan dan Perlengkapan Kantor", "atk", 0),
                S("0005", "Penyediaan Barang Cetakan dan Penggandaan", "cetak", 0),
                S("0009", "Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD", "rapat", 0),
            ),
        ),
    ]
    if opd.capex:
        kegiatan.append(
            K(
                f"{u}.01.2.07",
                "Pengadaan Barang Milik Daerah Penunjang Urusan Pemerintah Daerah",
                (S("0006", "Pengadaan Peralatan dan Mesin Lainnya", "alat", 0),),
            )
        )
    kegiatan += [
        K(
            f"{u}.01.2.08",
            "Penyediaan Jasa Penunjang Urusan Pemerintahan Daerah",
            (
                S("0002", "Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik", "utilitas", 0),
                S("0004", "Penyediaan Jasa Pelayanan Umum Kantor", "jasa_kantor", 0),
            ),
        ),
        K(
            f"{u}.01.2.09",
            "Pemeliharaan Barang Milik Daerah Penunjang Urusan Pemerintahan Daerah",
            (
                S(
                    "0002",
                    "Penyediaan Jasa Pemeliharaan, Biaya Pemeliharaan, Pajak dan Perizinan "
                    "Kendaraan Dinas Operasional atau Lapangan",
                    "pml_kendaraan",
                    0,
                ),
                S(
                    "0009",
                    "Pemeliharaan/Rehabilitasi Gedung Kantor dan Bangunan Lainnya",
                    "pml_gedung",
                    0,
                ),
            ),
        ),
        *opd.extra_penunjang,
    ]
    # The operating budget is shared out by the kind of spending; salaries are sized apart.
    shares = {
        "perencanaan": 0.04,
        "honor_keuangan": 0.06,
        "atk": 0.08,
        "cetak": 0.05,
        "rapat": 0.14,
        "alat": 0.10,
        "utilitas": 0.18,
        "jasa_kantor": 0.18,
        "pml_kendaraan": 0.08,
        "pml_gedung": 0.05,
    }
    sized = tuple(
        K(
            k.kode,
            k.nama,
            tuple(
                S(s.nomor, s.nama, s.mix, s.juta or max(25, round(ops * shares[s.mix])))
                for s in k.subs
            ),
        )
        for k in kegiatan
    )
    return P(f"{u}.01", PENUNJANG, sized)


# --------------------------------------------------------------------------------------------
# Building the lines: pagu, cash plan and realisasi
# --------------------------------------------------------------------------------------------

# Cash plan shares per quarter. Salaries are paid monthly (THR and the 13th month fall in TW II);
# goods, services and above all capital spending wait for procurement, so their plan sits in
# TW III-IV, as in most kabupaten.
CASH_PROFILE: dict[str, tuple[float, float, float, float]] = {
    "pegawai": (0.24, 0.27, 0.24, 0.25),
    "barjas": (0.12, 0.23, 0.30, 0.35),
    "modal": (0.03, 0.14, 0.36, 0.47),
    "btt": (0.10, 0.20, 0.30, 0.40),
    "transfer": (0.15, 0.30, 0.30, 0.25),
    "pad": (0.20, 0.24, 0.30, 0.26),
    "blud": (0.24, 0.25, 0.25, 0.26),
    "dau": (0.25, 0.25, 0.25, 0.25),
    "dbh": (0.15, 0.25, 0.30, 0.30),
    "dak": (0.00, 0.30, 0.45, 0.25),
    "dak_nf": (0.25, 0.30, 0.25, 0.20),
    "dana_desa": (0.20, 0.40, 0.25, 0.15),
    "bagi_hasil": (0.22, 0.26, 0.26, 0.26),
    "silpa": (1.0, 0.0, 0.0, 0.0),
}
EXACT_PROFILES = {"dau", "silpa"}  # fixed by regulation: DAU monthly, SiLPA at the start


@dataclass
class Line:
    tahun: int
    opd: OpdSpec
    account: str
    uraian: str
    kind: str  # pegawai, barjas, modal, btt, transfer, or a revenue kind
    pagu: int
    kas: list[int]
    program: Program | None = None
    kegiatan: Kegiatan | None = None
    sub: Sub | None = None

    @property
    def jenis(self) -> Jenis:
        return JENIS_BY_AKUN[self.account[0]]

    @property
    def sub_kode(self) -> str:
        return f"{self.kegiatan.kode}.{self.sub.nomor}" if self.sub else ""

    @property
    def key(self) -> str:
        return f"{self.tahun}:{self.opd.kode}:{self.sub_kode}:{self.account}"


def _belanja_kind(account: str) -> str:
    if account.startswith("5.1.01"):
        return "pegawai"
    if account.startswith("5.1"):
        return "barjas"
    if account.startswith("5.2"):
        return "modal"
    if account.startswith("5.3"):
        return "btt"
    return "transfer"


def _rng(*parts: object) -> Random:
    # A str seed is hashed with SHA-512: the same sequence on every machine and Python run.
    return Random(":".join([SEED, *map(str, parts)]))


def _thousands(amount: float) -> int:
    """A DPA amount: whole rupiah, rounded to a thousand as budgets are written."""
    return max(1, round(amount / 1000)) * 1000


def _cash_plan(pagu: int, kind: str, rng: Random | None) -> list[int]:
    """Four quarters adding up exactly to the pagu, in thousands of rupiah."""
    profile = CASH_PROFILE[kind]
    if rng is not None and kind not in EXACT_PROFILES:
        noisy = [s * rng.uniform(0.85, 1.15) for s in profile]
        total = sum(noisy)
        profile = tuple(s / total for s in noisy)
    units = pagu // 1000
    first = [int(units * s) for s in profile[:3]]
    return [u * 1000 for u in first] + [(units - sum(first)) * 1000]


def _growth(tahun: int, what: str, rng: Random) -> float:
    if tahun == YEARS[0]:
        return 1.0
    if what == "gaji":
        return rng.uniform(1.03, 1.06)  # periodic raises and new PPPK
    if what == "dau":
        return 1.03
    return rng.uniform(0.93, 1.10)


def _lines_for_year(tahun: int) -> list[Line]:
    lines: list[Line] = []
    for opd in OPDS:
        for program in (_penunjang(opd), *opd.programs):
            for kegiatan in program.kegiatan:
                for sub in kegiatan.subs:
                    rng = _rng(tahun, opd.kode, kegiatan.kode, sub.nomor)
                    amount = sub.juta * JUTA * _growth(tahun, sub.mix, rng)
                    amount *= rng.uniform(0.92, 1.08)
                    for account, share in MIXES[sub.mix]:
                        pagu = _thousands(amount * share * rng.uniform(0.9, 1.1))
                        kind = _belanja_kind(account)
                        lines.append(
                            Line(
                                tahun=tahun,
                                opd=opd,
                                account=account,
                                uraian=ACCOUNTS[account],
                                kind=kind,
                                pagu=pagu,
                                kas=_cash_plan(pagu, kind, rng),
                                program=program,
                                kegiatan=kegiatan,
                                sub=sub,
                            )
                        )
        for rev in opd.revenue:
            rng = _rng(tahun, opd.kode, rev.kode)
            pagu = _thousands(rev.juta * JUTA * _growth(tahun, rev.kind, rng))
            lines.append(
                Line(
                    tahun,
                    opd,
                    rev.kode,
                    rev.uraian,
                    rev.kind,
                    pagu,
                    _cash_plan(pagu, rev.kind, rng),
                )
            )
    lines.append(_silpa(tahun, lines))
    return lines


def _silpa(tahun: int, lines: list[Line]) -> Line:
    """The financing line that balances the APBD: belanja minus pendapatan, funded by SiLPA."""
    belanja = sum(x.pagu for x in lines if x.jenis == Jenis.BELANJA)
    pendapatan = sum(x.pagu for x in lines if x.jenis == Jenis.PENDAPATAN)
    pagu = _thousands(max(belanja - pendapatan, 25_000 * JUTA))
    bpkad = next(o for o in OPDS if o.kode == BPKAD_KODE)
    return Line(tahun, bpkad, SILPA[0], SILPA[1], "silpa", pagu, _cash_plan(pagu, "silpa", None))


def _perubahan(lines: list[Line]) -> list[Line]:
    """The DPPA after the APBD-Perubahan: some goods and capital lines move, TW I-II stay.

    The quarters already past keep their cash plan; the change goes into TW III and IV.
    """
    revised = []
    for line in lines:
        rng = _rng("dppa", line.key)
        new = replace(line, kas=list(line.kas))
        if line.kind in {"barjas", "modal", "pad"} and rng.random() < 0.15:
            delta = _thousands(line.pagu * rng.uniform(0.05, 0.2))
            if rng.random() < 0.5:
                # A cut takes at most 80% of what is still planned for TW III-IV.
                max_cut = (line.kas[2] + line.kas[3]) * 8 // 10 // 1000 * 1000
                delta = -min(delta, max_cut)
            new.pagu = line.pagu + delta
            if delta >= 0:
                add3 = delta * 4 // 10 // 1000 * 1000
                new.kas[2] += add3
                new.kas[3] += delta - add3
            else:
                cut4 = min(new.kas[3], -delta)
                new.kas[3] -= cut4
                new.kas[2] -= -delta - cut4
        revised.append(new)
    # The SiLPA is revised too, so that the APBD-Perubahan still balances.
    assert revised[-1].kind == "silpa"
    revised[-1] = _silpa(lines[0].tahun, revised[:-1])
    return revised


# How much of the pagu a line ends the year with, and how close to the cash plan it runs in
# each quarter (cumulative realisasi / cumulative plan for TW I-III), by pace and kind.
SPEND_FINAL = {
    "normal": {
        "pegawai": (0.955, 0.99),
        "barjas": (0.86, 0.97),
        "modal": (0.82, 0.985),
        "btt": (0.25, 0.45),
        "transfer": (0.985, 1.0),
    },
    "laggard": {
        "pegawai": (0.93, 0.97),
        "barjas": (0.35, 0.55),
        "modal": (0.18, 0.42),
    },
    "ahead": {
        "pegawai": (0.97, 0.995),
        "barjas": (0.93, 0.99),
        "modal": (0.95, 0.995),
    },
}
SPEND_PACE = {
    "normal": {
        "pegawai": ((0.93, 0.99), (0.94, 0.99), (0.95, 0.99)),
        "barjas": ((0.45, 0.75), (0.60, 0.85), (0.72, 0.92)),
        "modal": ((0.10, 0.50), (0.40, 0.75), (0.60, 0.85)),
        "btt": ((0.05, 0.40), (0.10, 0.50), (0.20, 0.60)),
        "transfer": ((0.80, 0.98), (0.85, 0.98), (0.90, 0.99)),
    },
    "laggard": {
        "pegawai": ((0.93, 0.99), (0.94, 0.99), (0.95, 0.99)),
        "barjas": ((0.20, 0.45), (0.25, 0.50), (0.30, 0.55)),
        "modal": ((0.00, 0.15), (0.05, 0.25), (0.10, 0.35)),
    },
    "ahead": {
        # Salaries exactly on plan; goods and works contracted early and paid ahead of plan.
        "pegawai": ((1.0, 1.0), (1.0, 1.0), (1.0, 1.0)),
        "barjas": ((1.30, 1.60), (1.25, 1.50), (1.20, 1.40)),
        "modal": ((1.30, 1.80), (1.30, 1.60), (1.20, 1.40)),
    },
}
# Revenue: the share of the target collected by the end of the year, and the pace per quarter.
REVENUE_FINAL = {
    "pad": (0.92, 1.14),
    "blud": (0.98, 1.08),
    "dau": (1.0, 1.0),
    "dbh": (0.90, 1.08),
    "dak": (0.82, 0.95),
    "dak_nf": (0.94, 1.0),
    "dana_desa": (1.0, 1.0),
    "bagi_hasil": (0.95, 1.06),
    "silpa": (1.0, 1.0),
}


def _diligence(line: Line) -> float:
    """How well an OPD executes its non-salary budget this year: the same for all its lines."""
    return _rng("diligence", line.tahun, line.opd.kode).uniform(0.88, 1.03)


def _realised(line: Line) -> list[int]:
    """Realisasi within each quarter (whole rupiah). Belanja never goes above its pagu."""
    rng = _rng("realisasi", line.key)
    cum_kas = [sum(line.kas[: q + 1]) for q in range(4)]
    if line.jenis == Jenis.BELANJA:
        pace = line.opd.pace if line.kind in SPEND_FINAL[line.opd.pace] else "normal"
        low, high = SPEND_FINAL[pace][line.kind]
        final = line.pagu * rng.uniform(low, high)
        if pace == "normal" and line.kind != "pegawai":
            final = min(final * _diligence(line), line.pagu * 0.995)
        if pace == "normal" and line.kind == "modal" and rng.random() < 0.08:
            final = line.pagu * rng.uniform(0.45, 0.7)  # a package whose tender failed once
        factors = [rng.uniform(*r) for r in SPEND_PACE[pace][line.kind]]
        cum = [min(int(cum_kas[q] * factors[q]), int(final)) for q in range(3)]
        cum.append(int(final))
    else:
        low, high = REVENUE_FINAL[line.kind]
        final = int(line.pagu * rng.uniform(low, high))
        if line.kind in EXACT_PROFILES:
            cum = [cum_kas[q] for q in range(3)] + [final]
        else:
            cum = [int(cum_kas[q] * rng.uniform(0.85, 1.12)) for q in range(3)] + [final]
    for q in range(1, 4):
        cum[q] = max(cum[q], cum[q - 1])
    if line.jenis == Jenis.BELANJA:
        assert cum[3] <= line.pagu
    return [cum[0]] + [cum[q] - cum[q - 1] for q in range(1, 4)]


# --------------------------------------------------------------------------------------------
# Import tables
# --------------------------------------------------------------------------------------------


@dataclass
class DpaStage:
    label: str
    tahun: int
    table: Table
    # The murni DPA is loaded once: once its DPPA is in, re-importing it would revise back.
    only_into_empty_year: bool = False


@dataclass
class DemoTables:
    dpa: list[DpaStage]
    realisasi: Table
    lines: dict[int, list[Line]]  # the final DPA of each year


def _dpa_table(lines: Iterable[Line]) -> Table:
    rows = []
    for n, line in enumerate(lines, start=2):
        cells = dict.fromkeys(DPA_COLUMNS, "")
        cells.update(
            tahun=str(line.tahun),
            kode_opd=line.opd.kode,
            nama_opd=line.opd.nama,
            kode_rekening=line.account,
            uraian=line.uraian,
            pagu=str(line.pagu),
            **{f"kas_tw{q + 1}": str(k) for q, k in enumerate(line.kas)},
        )
        if line.sub is not None:
            cells.update(
                kode_program=line.program.kode,
                nama_program=line.program.nama,
                kode_kegiatan=line.kegiatan.kode,
                nama_kegiatan=line.kegiatan.nama,
                kode_sub_kegiatan=line.sub_kode,
                nama_sub_kegiatan=line.sub.nama,
            )
        rows.append((n, cells))
    return Table(columns=list(DPA_COLUMNS), rows=rows)


def _realisasi_table(lines_by_year: dict[int, list[Line]]) -> Table:
    rows = []
    n = 2
    for tahun, lines in lines_by_year.items():
        for line in lines:
            for q, amount in enumerate(_realised(line)[: REPORTED_THROUGH[tahun]], start=1):
                rows.append(
                    (
                        n,
                        {
                            "tahun": str(tahun),
                            "triwulan": str(q),
                            "kode_opd": line.opd.kode,
                            "kode_sub_kegiatan": line.sub_kode,
                            "kode_rekening": line.account,
                            "realisasi": str(amount),
                        },
                    )
                )
                n += 1
    return Table(columns=list(REALISASI_COLUMNS), rows=rows)


def build_demo() -> DemoTables:
    """The demo region as import tables; no database access."""
    murni = {tahun: _lines_for_year(tahun) for tahun in YEARS}
    first, *later = YEARS
    final = {first: _perubahan(murni[first]), **{t: murni[t] for t in later}}
    stages = [
        DpaStage(f"DPA {first}", first, _dpa_table(murni[first]), only_into_empty_year=True),
        DpaStage(f"DPPA {first}", first, _dpa_table(final[first])),
        *(DpaStage(f"DPA {t}", t, _dpa_table(murni[t])) for t in later),
    ]
    return DemoTables(dpa=stages, realisasi=_realisasi_table(final), lines=final)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    group: str
    is_staff: bool = False
    is_superuser: bool = False
    opd_index: int | None = None  # treasurer of the n-th OPD of the region by code


DEMO_USERS = (
    DemoUser("bpkad", "Verifikator", "BPKAD", GROUP_BPKAD, is_staff=True, is_superuser=True),
    DemoUser("kepala", "Bupati", "Sukamaju", GROUP_KEPALA_DAERAH),
    DemoUser("bendahara1", "Bendahara", "Pengeluaran OPD 1", GROUP_BENDAHARA, opd_index=0),
    DemoUser("bendahara2", "Bendahara", "Pengeluaran OPD 2", GROUP_BENDAHARA, opd_index=1),
)


@dataclass
class DemoResult:
    region: Region
    dpa: list[tuple[str, DpaResult | None]]  # None: a murni DPA already superseded, skipped
    realisasi: RealisasiResult
    users: dict[str, str]  # username -> created | updated | unchanged
    reports: int = 0  # quarterly reports taken through the workflow by this run

    @property
    def changed(self) -> bool:
        dpa = any(r and (r.lines.created or r.lines.updated) for _label, r in self.dpa)
        real = self.realisasi.counts.created or self.realisasi.counts.updated
        users = any(s != "unchanged" for s in self.users.values())
        return bool(dpa or real or users or self.reports)


def seed_demo() -> DemoResult:
    """Load (or re-load, changing nothing) the demo region, all or nothing."""
    tables = build_demo()
    with transaction.atomic():
        dpa_results: list[tuple[str, DpaResult | None]] = []
        for stage in tables.dpa:
            if (
                stage.only_into_empty_year
                and DpaLine.objects.filter(region__kode=REGION_KODE, tahun=stage.tahun).exists()
            ):
                dpa_results.append((stage.label, None))
                continue
            result = import_dpa(table=stage.table, region_kode=REGION_KODE, region_nama=REGION_NAMA)
            dpa_results.append((stage.label, result))
        realisasi = import_realisasi(table=tables.realisasi, region_kode=REGION_KODE)
        region = Region.objects.get(kode=REGION_KODE)
        users = ensure_demo_users(region=region)
        with pghistory.context(command="seed_demo"):
            reports = seed_reports(region=region)
    return DemoResult(
        region=region, dpa=dpa_results, realisasi=realisasi, users=users, reports=reports
    )


def ensure_demo_users(*, region: Region) -> dict[str, str]:
    """The four demo users with their groups and profiles; updated in place, never duplicated.

    The password is set when a user is created (or has none usable), so that re-running the
    demo does not rewrite password hashes.
    """
    opds = list(Opd.objects.filter(region=region).order_by("kode")[:2])
    statuses = {}
    for spec in DEMO_USERS:
        group, _created = Group.objects.get_or_create(name=spec.group)
        user, created = User.objects.get_or_create(username=spec.username)
        changed = created
        wanted = {
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "is_staff": spec.is_staff,
            "is_superuser": spec.is_superuser,
            "is_active": True,
        }
        for attr, value in wanted.items():
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                changed = True
        if created or not user.password or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            changed = True
        if changed:
            user.save()
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            changed = True
        opd = opds[spec.opd_index] if spec.opd_index is not None else None
        profile = Profile.objects.filter(user=user).first()
        if profile is None:
            Profile.objects.create(user=user, region=region, opd=opd)
            changed = True
        elif profile.region_id != region.pk or profile.opd_id != (opd.pk if opd else None):
            profile.region, profile.opd = region, opd
            profile.save(update_fields=["region", "opd"])
            changed = True
        statuses[spec.username] = "created" if created else "updated" if changed else "unchanged"
    return statuses


# Why the laggards lag (the studies' categories), by OPD code; the others that fall behind
# their cash plan in a quarter cite procurement.
KENDALA_BY_OPD = {
    "1.03.0.00.0.00.01.0000": (
        ["pengadaan", "pelaksanaan"],
        "Tender jalan kabupaten gagal dua kali; kontrak baru ditandatangani Agustus.",
    ),
    "1.04.0.00.0.00.01.0000": (
        ["pengadaan", "sdm"],
        "Pokja pengadaan kekurangan personel bersertifikat; paket rumah layak huni mundur.",
    ),
    "2.11.0.00.0.00.01.0000": (
        ["juknis", "pelaksanaan"],
        "Juknis DAK persampahan terlambat terbit; pembangunan TPA belum dimulai.",
    ),
    "3.27.0.00.0.00.01.0000": (
        ["juknis", "apbd_terlambat"],
        "Juknis DAK pertanian baru diterima triwulan III.",
    ),
}
DEFAULT_KENDALA = (["pengadaan"], "Sebagian paket pengadaan masih dalam proses tender.")


def seed_reports(*, region: Region) -> int:
    """Take the demo's quarters through the workflow, with its services and rules:
    2025 and 2026 TW I-II verified; 2026 TW III submitted by most OPDs, a few still drafts,
    one returned by BPKAD. Done once: nothing happens when the region already has reports."""
    # Imports leave draft reports behind them; the workflow has run once anything moved on.
    moved = QuarterReport.objects.filter(region=region).exclude(status=QuarterReport.Status.DRAFT)
    if moved.exists():
        return 0
    bpkad = roles.actor_for(User.objects.get(username="bpkad"))
    treasurers = {
        a.opd_id: a
        for a in (
            roles.actor_for(User.objects.get(username=name))
            for name in ("bendahara1", "bendahara2")
        )
    }
    opds = list(Opd.objects.filter(region=region).order_by("kode"))
    count = 0
    for tahun, through in REPORTED_THROUGH.items():
        for triwulan in range(1, through + 1):
            capaian = {
                row.kode: row.capaian_kas for row in absorption_for_demo(region, tahun, triwulan)
            }
            for index, opd in enumerate(opds):
                who = treasurers.get(opd.pk, bpkad)
                common = {"opd": opd, "tahun": tahun, "triwulan": triwulan}
                behind = capaian.get(opd.kode) is not None and capaian[opd.kode] < 100
                kendala, catatan = (
                    KENDALA_BY_OPD.get(opd.kode, DEFAULT_KENDALA) if behind else ([], "")
                )
                existing = workflow.report_get(**common)
                saved = workflow.realisasi_save(
                    actor=who,
                    **common,
                    amounts={},
                    version=existing.version if existing else 0,
                    kendala=kendala,
                    kendala_catatan=catatan,
                )
                version = saved.version
                last_quarter = (tahun, triwulan) == (2026, 3)
                if last_quarter and index % 5 == 4:
                    count += 1
                    continue  # still a draft: not handed in yet
                report = workflow.report_submit(actor=who, **common, version=version)
                if last_quarter and opd.pk in treasurers and index == 1:
                    workflow.report_return(
                        actor=bpkad,
                        **common,
                        version=report.version,
                        reason="Realisasi belanja pegawai belum sesuai SP2D; mohon diperiksa.",
                    )
                elif not last_quarter:
                    workflow.report_verify(actor=bpkad, **common, version=report.version)
                count += 1
    return count


def absorption_for_demo(region: Region, tahun: int, triwulan: int):
    from budget.selectors import absorption

    return absorption(
        region=region, tahun=tahun, triwulan=triwulan, level="opd", jenis=Jenis.BELANJA.value
    )
