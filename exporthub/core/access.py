"""Roles (viewer < accountant < admin, as Django groups) and which companies a user may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from exporthub.core.models import CompanyAccess

VIEWER, ACCOUNTANT, ADMIN = "viewer", "accountant", "admin"
ROLES = (VIEWER, ACCOUNTANT, ADMIN)
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def role_of(user) -> str | None:
    """The user's highest role, or None; superusers are admins. Cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, "_exporthub_role"):
        if user.is_superuser:
            role = ADMIN
        else:
            names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
            role = max(names, key=_RANK.__getitem__, default=None)
        user._exporthub_role = role
    return user._exporthub_role


def has_role(user, role: str) -> bool:
    """True when the user's role is `role` or a higher one."""
    actual = role_of(user)
    return actual is not None and _RANK[actual] >= _RANK[role]


def visible_company_ids(user) -> list[UUID] | None:
    """The Pleo company ids the user may see; None means all of them (admins)."""
    if has_role(user, ADMIN):
        return None
    if role_of(user) is None:
        return []
    if not hasattr(user, "_exporthub_companies"):
        user._exporthub_companies = list(
            CompanyAccess.objects.filter(user=user).values_list("company_id", flat=True)
        )
    return user._exporthub_companies


def role_required(role: str) -> Callable:
    """View decorator: anonymous users go to the login page; users below `role` get 403."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not has_role(request.user, role):
                raise PermissionDenied(_("This page needs the %(role)s role.") % {"role": role})
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


@transaction.atomic
def assign_access(user, *, role: str | None, company_ids: Iterable[UUID | str]) -> None:
    """Give the user exactly `role` (or none) and exactly these companies."""
    if role is not None and role not in ROLES:
        raise ValueError(f"Unknown role {role!r}.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    if role is not None:
        # get_or_create: the data migration made the groups, but someone may have deleted one.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    wanted = {UUID(str(company)) for company in company_ids}
    CompanyAccess.objects.filter(user=user).exclude(company_id__in=wanted).delete()
    have = set(CompanyAccess.objects.filter(user=user).values_list("company_id", flat=True))
    CompanyAccess.objects.bulk_create(
        CompanyAccess(user=user, company_id=company) for company in wanted - have
    )
    for cached in ("_exporthub_role", "_exporthub_companies"):
        user.__dict__.pop(cached, None)
