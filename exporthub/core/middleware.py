"""Response headers that every page of the hub needs."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    """Signed-in pages and downloads (CSV exports) are never kept by a browser or proxy cache.

    What a signed-in user sees (entries, suppliers, amounts, the activity log) must not be
    readable from a shared computer's cache after sign-out, nor be served by a proxy to someone
    else. Anonymous answers (the login page, static files, webhooks) are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
