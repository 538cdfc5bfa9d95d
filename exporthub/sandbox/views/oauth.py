"""OAuth 2 endpoints: a consent page at /oauth/authorize and the token endpoint."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from exporthub.sandbox import oauth


def _redirect(uri: str, **params) -> HttpResponseRedirect:
    separator = "&" if "?" in uri else "?"
    return HttpResponseRedirect(f"{uri}{separator}{urlencode(params)}")


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    try:
        grant = oauth.check_authorization_request(params)
    except oauth.OAuthError as error:
        if error.error in ("invalid_client",) or "redirect_uri" in error.description:
            # Never redirect to a URI we could not verify: show the error instead.
            return render(request, "sandbox/oauth_error.html", {"error": error}, status=400)
        client = oauth.OAuthClient.objects.get(client_id=params.get("client_id"))
        return _redirect(
            client.redirect_uri,
            error=error.error,
            error_description=error.description,
            state=params.get("state", ""),
        )
    if request.method == "GET":
        return render(request, "sandbox/oauth_authorize.html", {"grant": grant, "params": params})
    if request.POST.get("decision") != "approve":
        return _redirect(grant.redirect_uri, error="access_denied", state=grant.state)
    return _redirect(grant.redirect_uri, code=oauth.issue_code(grant), state=grant.state)


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise oauth.OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
        return unquote(client_id), unquote(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    try:
        client = oauth.authenticate_client(*_client_credentials(request))
        grant_type = request.POST.get("grant_type")
        if grant_type == "authorization_code":
            tokens = oauth.exchange_code(
                client,
                code=request.POST.get("code", ""),
                redirect_uri=request.POST.get("redirect_uri", ""),
                verifier=request.POST.get("code_verifier", ""),
            )
        elif grant_type == "refresh_token":
            tokens = oauth.refresh(client, refresh_token=request.POST.get("refresh_token", ""))
        else:
            raise oauth.OAuthError(
                "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}."
            )
    except oauth.OAuthError as error:
        response = JsonResponse(error.body(), status=error.status)
        if error.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="pleo-sandbox"'
        return _no_store(response)
    return _no_store(JsonResponse(tokens))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
