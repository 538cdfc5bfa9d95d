"""The address a request came from, for sign-in throttling.

Behind reverse proxies every request arrives from the nearest proxy's address, so throttling by
address would lump all clients together. With EXPORTHUB_TRUSTED_PROXIES=N (the number of proxies
in front of the hub, each appending to X-Forwarded-For), the client is the N-th address from the
right of that header: the entries further left are whatever the client sent and are not trusted.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
