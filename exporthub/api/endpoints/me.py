"""Who the token acts as."""

from __future__ import annotations

from ninja import Router

from exporthub.api.auth import role
from exporthub.api.schemas import MeOut
from exporthub.core.access import VIEWER, role_of, visible_company_ids

router = Router(tags=["me"])


@router.get("/me", response=MeOut, auth=role(VIEWER))
def get_me(request):
    """The token's user, role and companies."""
    user = request.auth
    return {
        "username": user.get_username(),
        "role": role_of(user),
        "company_ids": visible_company_ids(user),
        "token_name": user.api_token.name,
        "token_prefix": user.api_token.prefix,
    }
