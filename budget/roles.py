"""Who may see and do what. Every service that reads or writes for a person asks here, so the
pages, the admin, the commands and the API obey the same rules.

Roles are Django groups; a treasurer's OPD is on their `Profile`:
- BPKAD (verifier and admin): every OPD, every year; verifies, returns, reopens, imports.
- Kepala Daerah (head of region and secretary): reads everything, changes nothing.
- Bendahara (SKPD treasurer): reads and enters the realisasi of their own OPD only; reads the
  region's public ranking.
A superuser counts as BPKAD.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

GROUP_BPKAD = "BPKAD"
GROUP_KEPALA = "Kepala Daerah"
GROUP_BENDAHARA = "Bendahara"
ROLE_GROUPS = (GROUP_BPKAD, GROUP_KEPALA, GROUP_BENDAHARA)


class NotAllowed(PermissionDenied):
    """The person may not do this; the message says why, in the UI's language."""


@dataclass(frozen=True)
class Actor:
    """A person as the rules see them. `user` is None for a command run on the server by its
    operator (who has shell access and so every right BPKAD has)."""

    user: "User | None"
    is_bpkad: bool
    is_kepala: bool
    opd_id: int | None  # the treasurer's OPD
    region_id: int | None
    opd_kode: str | None = None

    @property
    def is_treasurer(self) -> bool:
        return self.opd_id is not None and not self.is_bpkad

    @property
    def name(self) -> str:
        return getattr(self.user, "username", "") or "sistem"


SYSTEM = Actor(user=None, is_bpkad=True, is_kepala=False, opd_id=None, region_id=None)


def actor_for(user: "User | AnonymousUser | None") -> Actor:
    """One query: the user's groups and profile (a row per group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Actor(user=None, is_bpkad=False, is_kepala=False, opd_id=None, region_id=None)
    from django.contrib.auth import get_user_model

    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            "groups__name",
            "serapan_profile__opd_id",
            "serapan_profile__region_id",
            "serapan_profile__opd__kode",
        )
    )
    groups = {row[0] for row in rows if row[0]}
    opd_id, region_id, opd_kode = rows[0][1:] if rows else (None, None, None)
    treasurer = GROUP_BENDAHARA in groups
    return Actor(
        user=user,
        is_bpkad=user.is_superuser or GROUP_BPKAD in groups,
        is_kepala=GROUP_KEPALA in groups,
        opd_id=opd_id if treasurer else None,
        region_id=region_id,
        opd_kode=opd_kode if treasurer else None,
    )


def can_view_region(actor: Actor) -> bool:
    """The region overview: BPKAD and the head of region."""
    return actor.is_bpkad or actor.is_kepala


def can_view_ranking(actor: Actor) -> bool:
    """The ranking is public inside the pemda: every signed-in role."""
    return actor.is_bpkad or actor.is_kepala or actor.opd_id is not None


def can_view_opd(actor: Actor, opd) -> bool:
    return actor.is_bpkad or actor.is_kepala or actor.opd_id == opd.pk


def can_enter_realisasi(actor: Actor, opd) -> bool:
    return actor.is_bpkad or (actor.opd_id is not None and actor.opd_id == opd.pk)


def can_import_dpa(actor: Actor) -> bool:
    return actor.is_bpkad


def can_import_realisasi(actor: Actor) -> bool:
    """BPKAD for any OPD; a treasurer for their own OPD (the importer checks every row)."""
    return actor.is_bpkad or actor.is_treasurer


def can_verify(actor: Actor) -> bool:
    return actor.is_bpkad


def can_see_history(actor: Actor) -> bool:
    return actor.is_bpkad


def can_administer(actor: Actor) -> bool:
    """The admin (master data, corrections under the same rules as the entry page): BPKAD."""
    return actor.is_bpkad


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise NotAllowed(message or _("You are not allowed to do this."))
