from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from exporthub.connectors.receipt_links import LinkExpired, LinkInvalid, open_link


@require_GET
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """A receipt behind a signed link: no session needed, the signature is the permission."""
    try:
        path, name, content_type = open_link(token)
    except LinkExpired:
        return _plain(
            410, _("This receipt link has expired; export the entry again for a new one.")
        )
    except LinkInvalid:
        return _plain(403, _("This receipt link is not valid."))
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return _plain(404, _("This receipt is no longer kept by the hub."))
    response = FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
    # The file comes from a third party: never let a browser run it on the hub's origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
