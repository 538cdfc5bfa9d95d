"""Bearer-token authentication with each operation's least role (core/access.py's roles).

Every operation names its role: `auth=role(VIEWER)`. No token, or an unknown or revoked one,
answers 401; a valid token of a user below the role answers 403.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from exporthub.api import tokens
from exporthub.api.problems import Problem
from exporthub.core.access import has_role


class RoleBearer(HttpBearer):
    def __init__(self, least_role: str):
        super().__init__()
        self.least_role = least_role

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.authenticate(token)
        if user is None:
            return None
        request.user = user
        if not has_role(user, self.least_role):
            raise Problem(
                403,
                _("This operation needs the %(role)s role.") % {"role": self.least_role},
                slug="role-required",
                extra={"required_role": self.least_role},
            )
        return user


_ROLES: dict[str, RoleBearer] = {}


def role(least_role: str) -> RoleBearer:
    """The auth of an operation open to `least_role` and above."""
    return _ROLES.setdefault(least_role, RoleBearer(least_role))
