from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from exporthub.sandbox.faults import injected_fault
from exporthub.sandbox.receipts import receipt_bytes, receipt_from_token


@require_GET
def receipt_file(request: HttpRequest, token: str) -> HttpResponse:
    """A receipt behind a signed, 24-hour URL (like Pleo's pre-signed file links).

    The company's injected faults (latency, rate limits, errors) apply here too: file downloads
    are calls to Pleo's side like any other, and a real one takes its time."""
    receipt = receipt_from_token(token)
    if receipt is None:
        raise Http404("This file link is invalid or has expired.")
    fault = injected_fault(receipt.entry.company_id)
    if fault is not None:
        return fault
    response = HttpResponse(receipt_bytes(receipt.kind), content_type=receipt.mime_type)
    response["Content-Disposition"] = f'inline; filename="receipt-{receipt.uuid}.{receipt.kind}"'
    return response
