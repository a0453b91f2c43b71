"""Pieces shared by the DPA and realisasi importers."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from budget.importing.errors import ImportRefused, RowError
from budget.models import Opd, Region
from budget.money import non_ascii_digit, non_ascii_digit_message
from budget.spreadsheet import starts_like_a_formula

T = TypeVar("T")
DEFAULT_REGION_KODE = "PEMDA"
DEFAULT_REGION_NAMA = "Pemerintah Daerah"


def check_header(
    columns: list[str], *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[RowError]:
    errors = []
    seen = set()
    for col in columns:
        if col in seen:
            errors.append(RowError(1, col, _("the column appears twice in the header")))
        seen.add(col)
    missing = [c for c in required if c not in seen]
    if missing:
        errors.append(
            RowError(1, None, _("missing columns: %(cols)s") % {"cols": ", ".join(missing)})
        )
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        errors.append(
            RowError(
                1,
                None,
                _("unknown columns (check the spelling of the header): %(cols)s")
                % {"cols": ", ".join(unknown)},
            )
        )
    return errors


# The valid spellings seen of a year and of a quarter (a handful per file): a file repeats them
# on every row, and only a refusal needs the checks below again.
_YEARS: dict[str, int] = {}
_QUARTERS: dict[str, int] = {}


def parse_year(raw: str, row: int, column: str, errors: list[RowError]) -> int | None:
    known = _YEARS.get(raw)
    if known is not None and type(raw) is str:
        return known
    year = _parse_year(raw, row, column, errors)
    if year is not None and type(raw) is str and len(_YEARS) < 1000:
        _YEARS[raw] = year
    return year


def _parse_year(raw: str, row: int, column: str, errors: list[RowError]) -> int | None:
    text = raw.strip()
    if text.endswith(".0"):  # a spreadsheet number cell read as text
        text = text[:-2]
    if (char := non_ascii_digit(text)) is not None:
        errors.append(RowError(row, column, non_ascii_digit_message(raw, char)))
        return None
    if not (text.isascii() and text.isdigit()) or not 2000 <= int(text) <= 2100:
        errors.append(
            RowError(row, column, _("%(raw)r is not a year between 2000 and 2100") % {"raw": raw})
        )
        return None
    return int(text)


def parse_quarter(raw: str, row: int, column: str, errors: list[RowError]) -> int | None:
    known = _QUARTERS.get(raw)
    if known is not None and type(raw) is str:
        return known
    quarter = _parse_quarter(raw, row, column, errors)
    if quarter is not None and type(raw) is str and len(_QUARTERS) < 1000:
        _QUARTERS[raw] = quarter
    return quarter


def _parse_quarter(raw: str, row: int, column: str, errors: list[RowError]) -> int | None:
    text = raw.strip().upper()
    if text.endswith(".0"):
        text = text[:-2]
    if (char := non_ascii_digit(text)) is not None:
        errors.append(RowError(row, column, non_ascii_digit_message(raw, char)))
        return None
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4}
    if text in roman:
        return roman[text]
    if text in {"1", "2", "3", "4"}:
        return int(text)
    errors.append(
        RowError(row, column, _("%(raw)r is not a quarter (1, 2, 3 or 4)") % {"raw": raw})
    )
    return None


def check_text(
    raw: str,
    row: int,
    column: str,
    errors: list[RowError],
    *,
    required: bool = True,
    max_length: int | None = None,
) -> str:
    if starts_like_a_formula(raw):
        # A spreadsheet reads it as a formula (a CSV-injection vector): refused, by the rule the
        # exports write such text with (budget.spreadsheet), so that both sides agree.
        errors.append(
            RowError(
                row,
                column,
                _(
                    "%(raw)r starts with %(char)r, which a spreadsheet reads as a formula; "
                    "remove that character or paste values only"
                )
                % {"raw": raw, "char": raw[:1]},
            )
        )
    elif required and not raw:
        errors.append(RowError(row, column, _("empty")))
    elif max_length is not None and len(raw) > max_length:
        # Refused here, with its row, rather than by the database in the middle of the write.
        errors.append(
            RowError(
                row,
                column,
                _("%(n)d characters, longer than the %(max)d allowed")
                % {"n": len(raw), "max": max_length},
            )
        )
    return raw


def progress_rows(rows: Iterable[T], progress: bool) -> Iterable[T]:
    """A file's rows behind a progress bar on the terminal (tqdm), when `progress`. iter(): the
    rows are counted as they are read, not by reading the file twice. tqdm is imported only
    then: the import of its version metadata alone costs a small import a tenth of its time."""
    if not progress:
        return rows
    from tqdm import tqdm

    return tqdm(iter(rows), desc="validating", unit="row")


@dataclass
class RegionChoice:
    region: Region | None
    kode: str
    nama: str
    # Set by lock_region: the region was created by this import's transaction (so it holds
    # nothing yet, and nobody else sees it before the commit).
    created: bool = False

    @property
    def is_new(self) -> bool:
        return self.region is None


def choose_region(*, kode: str | None, nama: str | None, may_create: bool) -> RegionChoice:
    """The region an import goes to.

    A named region that exists is used; the first import into an empty database creates one
    (named by the options or a neutral default); with several regions the caller must choose.
    """
    if kode:
        region = Region.objects.filter(kode=kode).first()
        if region is not None:
            return RegionChoice(region, region.kode, region.nama)
        if may_create and (nama or not Region.objects.exists()):
            return _new_region(kode, nama or kode)
        raise ImportRefused(
            [
                RowError(
                    None,
                    None,
                    _("no region with code %(kode)r") % {"kode": kode}
                    + (_("; give a name too to create it") if may_create else ""),
                )
            ]
        )
    regions = list(Region.objects.order_by("kode")[:2])
    if not regions:
        if may_create:
            return _new_region(DEFAULT_REGION_KODE, nama or DEFAULT_REGION_NAMA)
        raise ImportRefused(
            [RowError(None, None, _("the database holds no region yet: import a DPA first"))]
        )
    if len(regions) > 1:
        raise ImportRefused(
            [RowError(None, None, _("the database holds several regions: choose one"))]
        )
    return RegionChoice(regions[0], regions[0].kode, regions[0].nama)


def model_field(model: type[Model], name: str) -> Field:
    """A model's own field (`_meta.get_field` also finds the reverse side of a relation)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a reverse relation, not a field")
    return found


def _new_region(kode: str, nama: str) -> RegionChoice:
    errors = []
    for name, value in (("kode", kode), ("nama", nama)):
        limit = model_field(Region, name).max_length
        if limit is not None and len(value) > limit:
            errors.append(
                RowError(
                    None,
                    None,
                    _("the region's %(field)s %(value)r is longer than %(max)d characters")
                    % {"field": name, "value": value, "max": limit},
                )
            )
    if errors:
        raise ImportRefused(errors)
    return RegionChoice(None, kode, nama)


def lock_region(choice: RegionChoice) -> Region:
    """Create the region if needed and lock its row: imports into one region run one at a time."""
    if not transaction.get_connection().in_atomic_block:
        # The lock would end with the statement: the import must hold it until it commits.
        raise transaction.TransactionManagementError("lock_region runs inside transaction.atomic()")
    if choice.region is None:
        region, choice.created = Region.objects.get_or_create(
            kode=choice.kode, defaults={"nama": choice.nama}
        )
    else:
        region = choice.region
    return Region.objects.select_for_update().get(pk=region.pk)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def check_own_opd(rows: Iterable[tuple[int, str]], actor) -> None:
    """Refuse every row (its number, its kode_opd) of an OPD other than the actor's own: a
    treasurer imports for their own OPD only; BPKAD for any (budget.roles.Actor)."""
    if actor.is_bpkad:
        return
    own = (
        None  # no OPD of their own (a head of region): every row is refused
        if actor.opd_id is None
        else Opd.objects.filter(pk=actor.opd_id).values_list("kode", flat=True).first()
    )
    foreign = [
        RowError(row, "kode_opd", _("you may import the realisasi of your own OPD only"))
        for row, opd in rows
        if opd != own
    ]
    if foreign:
        raise ImportRefused(foreign)
