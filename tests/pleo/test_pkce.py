from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from exporthub.pleo.oauth import (
    build_authorization_request,
    code_challenge_s256,
    generate_code_verifier,
    oauth_base_url_for,
)


def test_it_computes_the_s256_challenge():
    # Computed independently: printf %s "$v" | openssl dgst -sha256 -binary | base64url, no "=".
    verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert code_challenge_s256(verifier) == "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc"


def test_it_generates_verifiers_pkce_accepts():
    verifiers = {generate_code_verifier() for _ in range(20)}

    assert len(verifiers) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", v) for v in verifiers)


def test_it_builds_the_authorize_url_with_state_and_challenge():
    request = build_authorization_request(
        oauth_base_url="https://auth.pleo.io/",
        client_id="client-1",
        redirect_uri="https://hub.example/pleo/callback",
        scopes=["export-jobs:read", "export-jobs:write"],
    )

    url = urlsplit(request.url)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert (url.scheme, url.netloc, url.path) == ("https", "auth.pleo.io", "/oauth/authorize")
    assert query == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": "https://hub.example/pleo/callback",
        "scope": "export-jobs:read export-jobs:write",
        "state": request.state,
        "code_challenge": code_challenge_s256(request.code_verifier),
        "code_challenge_method": "S256",
    }
    assert len(request.state) >= 32
    assert request.code_verifier not in request.url
    assert request.code_verifier not in repr(request)


def test_it_finds_pleos_auth_server_for_its_api_and_the_sandbox_for_itself():
    assert oauth_base_url_for("https://external.pleo.io") == "https://auth.pleo.io"
    assert oauth_base_url_for("https://external.staging.pleo.io/") == (
        "https://auth.staging.pleo.io"
    )
    assert oauth_base_url_for("http://testserver/sandbox/pleo") == "http://testserver/sandbox/pleo"
