"""Idempotency-Key on the API's writes: the same key, user and request replay the first answer.

A client that did not hear the answer to a write sends it again with the same key: the hub
answers with the stored response instead of doing the work twice. The same key with another
method, path or body is refused (422); a key whose first request is still running answers 409.
Keys are kept for `KEY_LIFETIME`; server errors are not stored, so the write can be tried again.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.api import problems, tokens
from exporthub.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PREFIX = "/api/"


def fingerprint(request: HttpRequest) -> str:
    hashed = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        hashed.update(len(part).to_bytes(8, "big"))
        hashed.update(part)
    return hashed.hexdigest()


def _user(request: HttpRequest):
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None


def _refuse(request, status: int, slug: str, detail: str) -> HttpResponse:
    return problems.response(request, problems.Problem(status, detail, slug=slug))


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith(PREFIX):
            return self.get_response(request)
        user = _user(request)
        if user is None:  # the API itself answers 401
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return _refuse(
                request,
                400,
                "bad-idempotency-key",
                _("Idempotency-Key must be 1 to 255 characters."),
            )
        try:
            print_ = fingerprint(request)
        except RequestDataTooBig:
            return _refuse(request, 413, "request-too-large", _("The request body is too large."))
        IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
        mine = IdempotentRequest.objects.filter(user=user)
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(user=user, key=key, fingerprint=print_)
        except IntegrityError:
            return self._replay(request, mine.filter(key=key).first(), print_)
        answer = self.get_response(request)
        if answer.status_code >= 500 or answer.streaming:
            record.delete()
            return answer
        record.status = answer.status_code
        record.content_type = answer.get("Content-Type", "")
        record.location = answer.get("Location", "")
        record.body = answer.content
        record.save(update_fields=["status", "content_type", "location", "body"])
        return answer

    def _replay(self, request, record, print_) -> HttpResponse:
        if record is None:  # expired and deleted between the two statements
            return _refuse(request, 409, "idempotency-key-in-use", _("Send the request again."))
        if record.fingerprint != print_:
            return _refuse(
                request,
                422,
                "idempotency-key-reused",
                _("This Idempotency-Key was used for a different request."),
            )
        if record.status is None:
            return _refuse(
                request,
                409,
                "idempotency-key-in-use",
                _("The first request with this Idempotency-Key is still being processed."),
            )
        answer = HttpResponse(bytes(record.body), status=record.status)
        answer["Content-Type"] = record.content_type
        if record.location:
            answer["Location"] = record.location
        answer["Idempotent-Replayed"] = "true"
        return answer
