"""Who may read what through the API: the rules of `budget.roles`, as the pages apply them.

- BPKAD and the head of region read everything of their region.
- A treasurer reads their own OPD's lines, realisasi and absorption, and the ranking; naming
  another OPD is refused (403), and a list without an OPD is cut to their own.
- A person whose profile names a region reads that region only (the pages never show another);
  a superuser, or a person without a profile region, reads any region.
"""

from weakref import WeakKeyDictionary

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from budget.models import Opd, Region
from budget.roles import Actor, actor_for, can_view_opd, can_view_ranking, can_view_region
from budget.selectors import region_for

NO_ROLE = "Your account has no role in Serapan (BPKAD, kepala daerah or bendahara)."
OTHER_REGION = "You may read only the data of your own region."
OTHER_OPD = "A treasurer may read only the data of their own OPD ({kode})."
WHOLE_REGION = (
    "The absorption of the whole region is for BPKAD and the head of region; "
    "a treasurer asks for their own OPD with opd={kode}."
)


# The permission classes and the view ask for the actor of one request several times.
_ACTORS: WeakKeyDictionary[Request, Actor] = WeakKeyDictionary()


def actor_of(request: Request) -> Actor:
    """The person asking, as `budget.roles` sees them; one query, once per request."""
    actor = _ACTORS.get(request)
    if actor is None:
        actor = _ACTORS[request] = actor_for(request.user)
    return actor


class HasRole(BasePermission):
    """Signed in with one of the three roles; a user with none reads nothing."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        actor = actor_of(request)
        return actor.is_bpkad or actor.is_kepala or actor.is_treasurer


class CanViewRanking(BasePermission):
    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        return can_view_ranking(actor_of(request))


def _may_read_region(actor: Actor, region_id: int) -> bool:
    return (
        actor.region_id is None
        or actor.region_id == region_id
        or getattr(actor.user, "is_superuser", False)
    )


def region_named(request: Request, kode: str | None) -> Region:
    """The region of `region=KODE`, else the one the pages show this person (their profile's,
    else the first). 400 for an unknown code, 403 for a region that is not theirs."""
    actor = actor_of(request)
    if kode:
        region = Region.objects.filter(kode=kode).first()
        if region is None:
            raise ValidationError({"region": [f"no region with code {kode!r}"]})
        if not _may_read_region(actor, region.pk):
            raise PermissionDenied(OTHER_REGION)
        return region
    region = region_for(actor)
    if region is None:
        raise NotFound("the database holds no region yet: import a DPA first")
    return region


def scope_regions(request: Request, queryset: QuerySet, *, field: str = "region_id") -> QuerySet:
    """Cut a list to the regions this person may read; refuse an explicit other region."""
    actor = actor_of(request)
    kode = request.query_params.get("region", "").strip()
    if kode:
        region = Region.objects.filter(kode=kode).only("pk").first()
        if region is not None and not _may_read_region(actor, region.pk):
            raise PermissionDenied(OTHER_REGION)
    if actor.region_id is not None and not getattr(actor.user, "is_superuser", False):
        queryset = queryset.filter(**{field: actor.region_id})
    return queryset


def scope_opd(request: Request, queryset: QuerySet, *, field: str) -> QuerySet:
    """Cut a list to the treasurer's own OPD (`field` leads to the OPD); a treasurer who names
    another OPD with `opd=` is refused rather than shown an empty list."""
    actor = actor_of(request)
    if not actor.is_treasurer:
        return queryset
    kode = request.query_params.get("opd", "").strip()
    if kode and kode != actor.opd_kode:
        raise PermissionDenied(OTHER_OPD.format(kode=actor.opd_kode))
    return queryset.filter(**{field: actor.opd_id})


def require_absorption_access(request: Request, opd: Opd | None) -> None:
    """The absorption of one OPD for whoever may open its page; of the whole region for BPKAD
    and the head of region only."""
    actor = actor_of(request)
    if opd is None:
        if not can_view_region(actor):
            raise PermissionDenied(WHOLE_REGION.format(kode=actor.opd_kode))
    elif not can_view_opd(actor, opd):
        raise PermissionDenied(OTHER_OPD.format(kode=actor.opd_kode))
