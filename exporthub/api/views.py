"""The API tokens page: every signed-in user makes and revokes their own; admins see and may
revoke everyone's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exporthub.api.forms import TokenForm
from exporthub.api.models import ApiToken
from exporthub.api.tokens import create_token, revoke_token
from exporthub.core.access import ADMIN, has_role

TEMPLATE = "api/tokens.html"


def _visible(user):
    tokens = ApiToken.objects.select_related("user")
    return tokens if has_role(user, ADMIN) else tokens.filter(user=user)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _token, secret = create_token(request.user, form.cleaned_data["name"])
            form = TokenForm()
        else:
            status = 422
    context = {
        "form": form,
        "secret": secret,  # shown on this answer only; the hub keeps just its digest
        "tokens": _visible(request.user).order_by("-created_at", "-id"),
        "is_admin": has_role(request.user, ADMIN),
    }
    return render(request, TEMPLATE, context, status=status)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_visible(request.user), pk=pk)
    revoke_token(token, user=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api-tokens")
