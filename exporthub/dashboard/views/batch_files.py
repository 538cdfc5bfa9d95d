from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from exporthub.core.access import VIEWER, role_required
from exporthub.dashboard.batch_files import FileUnavailable, batch_content, visible_batch


@role_required(VIEWER)
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A file journal's batch file, for the users who may see its export job."""
    batch = visible_batch(request.user, pk)
    if batch is None:
        raise Http404(_("No such file."))
    try:
        content, content_type = batch_content(batch)
    except FileUnavailable as error:
        raise Http404(str(error)) from error
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
