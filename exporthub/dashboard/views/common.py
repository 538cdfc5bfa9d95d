"""What every dashboard view shares: picking the HTMX fragment, and paging."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def render_page(
    request: HttpRequest, template: str, context: dict, fragment: str | None = None, **kwargs
) -> HttpResponse:
    """The whole page, or only `fragment` of it when HTMX asks (and did not boost the link)."""
    htmx = getattr(request, "htmx", None)
    if fragment and htmx and not htmx.boosted and htmx.target == fragment:
        template = f"{template}#{fragment}"
    return render(request, template, context, **kwargs)


def page_of(request: HttpRequest, rows, per_page: int = 25, count: int | None = None):
    """One page of `rows`; pass `count` when it is already known, to save a COUNT query."""
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.__dict__["count"] = count
    return paginator.get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` field of a POST when it points into this site, else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def query_without_page(request: HttpRequest) -> str:
    """The query string without what picks the page (a number, or a keyset cursor)."""
    params = request.GET.copy()
    for name in ("page", "after", "before"):
        params.pop(name, None)
    return params.urlencode()
