"""What every endpoint shares: scoped lookups that answer 404, and the Pleo error answer."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from exporthub.api.problems import Problem
from exporthub.dashboard import scope
from exporthub.pleo.errors import ExportAlreadyInProgress, PleoError


def one(rows: QuerySet, what: str, **lookup):
    """The row of `rows` matching `lookup`, or a 404 problem (outside the user's companies too)."""
    found = rows.filter(**lookup).first()
    if found is None:
        raise Problem(404, _("No such %(what)s.") % {"what": what}, slug="not-found")
    return found


def integration_of(request, pk: int):
    return one(scope.integrations(request.auth), "company", pk=pk)


def pleo_problem(error: PleoError) -> Problem:
    """Pleo refused or did not answer: 409 when another export runs, else 502."""
    if isinstance(error, ExportAlreadyInProgress):
        return Problem(409, str(error), slug="export-in-progress")
    return Problem(502, str(error), slug="pleo-error", title=_("Pleo did not do it"))
