"""Which locale a page writes money and dates in: the locale of the company it shows.

The rule, per request:

- A page about one company (its queue or mappings, one of its jobs or items, its Pleo
  connection or company settings) uses that company's locale (`PleoConnection.locale`).
- A page over several companies (overview, job and failure lists, activity) uses the locale the
  companies the user may see share; when they differ, the reader's interface language decides,
  so one page never mixes two ways of writing numbers. Each amount still names its currency.
- A company without a locale, and anything outside the dashboard, follows the reader's
  interface language (Danish → `1.234,56 kr.`, English → `DKK1,234.56`).

The locale is looked up lazily, with one query on the first amount or date a page formats, and
only among the companies the user may see.
"""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from exporthub.core.access import visible_company_ids
from exporthub.core.formatting import formatting_locale
from exporthub.pleo.models import PleoConnection
from exporthub.sync.models import ExportItem, ExportJob


def _by_integration(pk) -> QuerySet[PleoConnection]:
    return PleoConnection.objects.filter(integration__pk=pk)


def _by_job(pk) -> QuerySet[PleoConnection]:
    return PleoConnection.objects.filter(
        company_id=Subquery(ExportJob.objects.filter(pk=pk).values("company_id")[:1])
    )


def _by_item(pk) -> QuerySet[PleoConnection]:
    owner = ExportItem.objects.filter(pk=pk).values("job__company_id")[:1]
    return PleoConnection.objects.filter(company_id=Subquery(owner))


def _by_connection(pk) -> QuerySet[PleoConnection]:
    return PleoConnection.objects.filter(pk=pk)


# URL routes about one company, by the start of their route, and how to find its connection.
ONE_COMPANY_ROUTES = (
    ("companies/<int:pk>/", _by_integration),
    ("settings/companies/<int:pk>/", _by_integration),
    ("jobs/<int:pk>/", _by_job),
    ("items/<int:pk>/", _by_item),
    ("settings/pleo/<int:pk>/", _by_connection),
)


def page_locale(request) -> str | None:
    """The locale for this request's page, or None for the reader's language (see above)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    ids = visible_company_ids(user)
    if ids == []:
        return None
    connections = _connections_on_page(request)
    if ids is not None:
        connections = connections.filter(company_id__in=ids)
    locales = list(connections.order_by().values_list("locale", flat=True).distinct()[:2])
    return locales[0] or None if len(locales) == 1 else None  # "" (not chosen) is None too


def _connections_on_page(request) -> QuerySet[PleoConnection]:
    match = getattr(request, "resolver_match", None)
    if match is not None and "pk" in match.kwargs:
        for prefix, connections_of in ONE_COMPANY_ROUTES:
            if match.route.startswith(prefix):
                return connections_of(match.kwargs["pk"])
    return PleoConnection.objects.all()


class CompanyLocaleMiddleware:
    """Formats every page's money and dates in the locale of the company it shows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with formatting_locale(lambda: page_locale(request)):
            return self.get_response(request)
