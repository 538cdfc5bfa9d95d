"""Your own system: post each journal entry as signed JSON to an HTTP endpoint you run.

The wire protocol is documented in docs/http-endpoint.md, the body in
docs/http-endpoint/journal-entry.v1.schema.json. In short, for the endpoint URL `{url}`:

  POST {url}              one entry (schema v1); `Idempotency-Key: <Pleo id>`;
                          2xx + {"externalId", "externalUrl"} = written (also when it already was)
  GET  {url}/{pleoId}     find: 200 + {"externalId", "externalUrl"}, or 404
  GET  {url}              connection check: 2xx; the body may publish {"accounts": [...],
                          "taxCodes": [...]}, then entries are checked against them before posting

Every request is signed with Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`; a GET signs the empty body) with the connection's `signing_secret`.
A refusal is an RFC 9457 problem (`application/problem+json`) whose `type` names one of Pleo's
reason types (`PROBLEM_TYPES`); 408, 429 and 5xx are retried when `Retry-After` says. Redirects
are never followed: the secret is bound to the configured URL.

Settings: url (required), timeout (seconds, default 30), receipt_link_days (default 7).
Secret: signing_secret (`whsec_<base64>`, as Standard Webhooks secrets are written).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx
from django import forms
from django.utils.translation import gettext_lazy as _

from exporthub.connectors import receipt_links
from exporthub.connectors.base import (
    Account,
    AccountUnknownError,
    AuthenticationError,
    AuthorizationError,
    ConfigError,
    Connector,
    ConnectorError,
    ExternalRef,
    JournalEntry,
    MissingConfigError,
    PermanentError,
    RateLimitedError,
    ReceiptTooLargeError,
    ReceiptUploadError,
    SystemTimeoutError,
    TagUnknownError,
    Tax,
    TaxCodeUnknownError,
    UnreachableError,
    VendorUnknownError,
)
from exporthub.core import webhook_signing
from exporthub.core.money import currency_exponent
from exporthub.core.retry_after import parse_retry_after

SCHEMA_VERSION = 1
USER_AGENT = "exporthub-http-endpoint/1"
PROBLEM_TYPE_PREFIX = "urn:exporthub:problem:"
MAX_MESSAGE = 1000

# A problem's `type` is PROBLEM_TYPE_PREFIX + one of Pleo's item reason types; this table says
# which of them a receiver may send and how the engine then treats the item (docs/http-endpoint.md
# shows it). Any other type, or none, is a plain refusal: accounting_system_validation_failure.
PROBLEM_ERRORS: dict[str, type[ConnectorError]] = {
    "accounting_system_validation_failure": PermanentError,
    "validation_failure": PermanentError,
    "account_unknown": AccountUnknownError,
    "tax_code_unknown": TaxCodeUnknownError,
    "tag_unknown": TagUnknownError,
    "vendor_unknown": VendorUnknownError,
    "receipt_download_failure": ReceiptUploadError,
    "receipt_upload_failure": ReceiptUploadError,
    "receipt_conversion_failure": ReceiptUploadError,
    "receipt_file_size_limit_exceeded": ReceiptTooLargeError,
    "invalid_configuration": ConfigError,
    "missing_configuration": MissingConfigError,
    "accounting_system_authentication_failure": AuthenticationError,
    "authorization_failure": AuthorizationError,
}
PROBLEM_TYPES = {f"{PROBLEM_TYPE_PREFIX}{reason}": reason for reason in PROBLEM_ERRORS}


class HttpEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        assume_scheme="https",
        help_text=_("Entries are posted here, e.g. https://erp.example.com/pleo/entries"),
    )
    signing_secret = forms.CharField(
        label=_("Signing secret"), widget=forms.PasswordInput, required=False
    )
    timeout = forms.IntegerField(
        label=_("Timeout (seconds)"), initial=30, min_value=1, max_value=300
    )
    receipt_link_days = forms.IntegerField(
        label=_("Receipt links work for (days)"),
        initial=7,
        min_value=1,
        max_value=receipt_links.MAX_LINK_DAYS,
    )

    def clean_signing_secret(self) -> str:
        secret = self.cleaned_data["signing_secret"]
        problem = webhook_signing.secret_problem(secret)
        if problem:
            raise forms.ValidationError(
                _("This secret cannot sign anything: %(problem)s.") % {"problem": problem}
            )
        return secret


class HttpEndpointConnector(Connector):
    kind = "http_endpoint"
    label = "HTTP endpoint (your own system)"
    config_form = HttpEndpointForm
    secret_fields = ("signing_secret",)
    endpoint_settings = ("url",)

    def __init__(self, config) -> None:
        super().__init__(config)
        self.url = str(self.settings.get("url") or "").rstrip("/")
        self.secret = config.secret("signing_secret")
        missing = [
            name
            for name, value in (("url", self.url), ("signing_secret", self.secret))
            if not value
        ]
        if missing:
            raise MissingConfigError(f"Set {', '.join(missing)} for this HTTP endpoint connector.")
        problem = webhook_signing.secret_problem(self.secret)
        if problem:
            raise ConfigError(f"The signing secret cannot sign anything: {problem}.")
        timeout = float(self.settings.get("timeout") or 30)
        self.receipt_link_seconds = float(self.settings.get("receipt_link_days") or 7) * 86400
        self.http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    # -- the receiver's description: connection check and optional master data ------------------

    def check_connection(self) -> None:
        self.__dict__.pop("_description", None)
        self._description  # noqa: B018  (reading it is the check)

    @cached_property
    def _description(self) -> dict[str, Any]:
        response = self._request("GET", self.url)
        if response.status_code == 404:
            raise ConfigError(
                f"{self.url} answered 404 Not Found; check the endpoint URL.",
                detail=_snippet(response),
            )
        self._raise_for_status(response)
        body = _json_object(response)
        return body if body is not None else {}

    def accounts(self) -> list[Account]:
        return [
            Account(str(row["code"]), str(row.get("name") or ""), str(row.get("kind") or ""))
            for row in self._listed("accounts")
        ]

    def taxes(self) -> list[Tax]:
        return [
            Tax(str(row["code"]), str(row.get("name") or "")) for row in self._listed("taxCodes")
        ]

    def _listed(self, name: str) -> list[dict[str, Any]]:
        """The receiver's published `name` list: its rows that have a code (none if absent)."""
        rows = self._description.get(name)
        if not isinstance(rows, list):
            return []
        return [row for row in rows if isinstance(row, dict) and row.get("code")]

    def validate(self, entry: JournalEntry) -> list[ConnectorError]:
        """The common checks, plus accounts and tax codes when the receiver publishes them."""
        problems = super().validate(entry)
        accounts = {account.code for account in self.accounts()}
        taxes = {tax.code for tax in self.taxes()}
        for line in entry.lines:
            if accounts and line.account and line.account not in accounts:
                problems.append(
                    AccountUnknownError(
                        f"The receiving system has no account {line.account!r}.",
                        erp_key=line.account,
                    )
                )
            if taxes and line.tax_code and line.tax_code not in taxes:
                problems.append(
                    TaxCodeUnknownError(
                        f"The receiving system has no tax code {line.tax_code!r}.",
                        erp_key=line.tax_code,
                    )
                )
        return problems

    # -- writing ------------------------------------------------------------------------------

    def find(self, pleo_id: str) -> ExternalRef | None:
        response = self._request("GET", f"{self.url}/{quote(pleo_id, safe='')}")
        if response.status_code == 404:
            return None
        self._raise_for_status(response)
        return self._ref(response)

    def post(self, entry: JournalEntry) -> ExternalRef:
        found = self.find(entry.pleo_id)
        if found is not None:
            return found
        self.ensure_valid(entry)
        body = json.dumps(self.body(entry), ensure_ascii=False, separators=(",", ":")).encode()
        response = self._request(
            "POST",
            self.url,
            content=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": entry.pleo_id},
        )
        self._raise_for_status(response)
        return self._ref(response)

    def attach_receipts(self, ref: ExternalRef, entry: JournalEntry) -> None:
        """Receipts travel as signed links inside the posted entry; the receiver fetches them."""

    def body(self, entry: JournalEntry) -> dict[str, Any]:
        """The entry as schema v1 JSON (decimal strings at the currency's precision)."""
        exponent = currency_exponent(entry.currency)

        def money(value: Decimal) -> str:
            return _decimal(value, exponent)

        party = entry.party
        return {
            "schemaVersion": SCHEMA_VERSION,
            "pleoId": entry.pleo_id,
            "kind": entry.kind,
            "date": entry.date.isoformat(),
            "currency": entry.currency,
            "text": entry.text,
            "reference": entry.reference,
            "companyRef": entry.company_ref,
            "invoiceNumber": entry.invoice_number,
            "dueDate": entry.due_date.isoformat() if entry.due_date else None,
            "sourceUrl": entry.source_url,
            "party": {
                "name": party.name,
                "code": party.code,
                "externalId": party.external_id,
                "country": party.country,
                "taxId": party.tax_id,
                "registrationNumber": party.registration_number,
            }
            if party
            else None,
            "walletAmount": _amount(entry.wallet_amount),
            "supplierAmount": _amount(entry.supplier_amount),
            "lines": [
                {
                    "account": line.account,
                    "debit": money(line.debit),
                    "credit": money(line.credit),
                    "text": line.text,
                    "taxCode": line.tax_code,
                    "taxAmount": money(line.tax_amount) if line.tax_amount is not None else None,
                    "isTax": line.is_tax,
                    "dimensions": dict(line.dimensions),
                }
                for line in entry.lines
            ],
            "receipts": [self._receipt(receipt) for receipt in entry.receipts],
            "metadata": dict(entry.metadata),
        }

    def _receipt(self, receipt) -> dict[str, Any]:
        stored = receipt_links.publish(
            receipt.read(), receipt.name, receipt.content_type, valid_for=self.receipt_link_seconds
        )
        return {
            "name": stored.name,
            "contentType": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
            "url": stored.url,
            "expiresAt": stored.expires_at,
        }

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, content: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = {**(headers or {}), **webhook_signing.sign(self.secret, content)}
        try:
            return self.http.request(method, url, content=content or None, headers=signed)
        except httpx.TimeoutException as exc:
            raise SystemTimeoutError(
                f"The receiving system at {self.url} did not answer in time.", detail=repr(exc)
            ) from exc
        except httpx.TransportError as exc:
            raise UnreachableError(
                f"Cannot reach the receiving system at {self.url}.", detail=repr(exc)
            ) from exc

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        where = f"{response.request.method} {response.request.url}"
        if 300 <= status < 400:
            raise ConfigError(
                f"The receiving system redirected {where} to "
                f"{response.headers.get('Location', '?')!r}; redirects are not followed (the "
                "signing secret belongs to the configured URL). Set the final URL instead.",
            )
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 408:
            raise SystemTimeoutError(
                f"The receiving system timed out ({where}).",
                retry_after=retry_after,
                detail=_snippet(response),
            )
        if status == 429:
            raise RateLimitedError(
                "The receiving system asked us to slow down.",
                retry_after=retry_after,
                detail=_snippet(response),
            )
        if status >= 500:
            raise UnreachableError(
                f"The receiving system failed with HTTP {status}.",
                retry_after=retry_after,
                detail=_snippet(response),
            )
        raise self._problem(response)

    def _problem(self, response: httpx.Response) -> ConnectorError:
        """A 4xx answer as the error its RFC 9457 problem names (status-based without one)."""
        status = response.status_code
        problem = _json_object(response) if _is_json(response) else None
        if problem is None:
            fallback: type[ConnectorError] = {
                401: AuthenticationError,
                403: AuthorizationError,
                404: ConfigError,
            }.get(status, PermanentError)
            return fallback(
                f"The receiving system refused the entry with HTTP {status}.",
                detail=_snippet(response),
            )
        reason = PROBLEM_TYPES.get(str(problem.get("type") or ""))
        if reason is None:
            reason = {
                401: "accounting_system_authentication_failure",
                403: "authorization_failure",
            }.get(status, "accounting_system_validation_failure")
        text = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        erp_key = problem.get("erpKey")
        return PROBLEM_ERRORS[reason](
            text[:MAX_MESSAGE],
            reason_type=reason,
            erp_key=str(erp_key)[:255] if isinstance(erp_key, str) else "",
            detail=_snippet(response),
        )

    def _ref(self, response: httpx.Response) -> ExternalRef:
        body = _json_object(response)
        external_id = body.get("externalId") if body else None
        if (
            not isinstance(external_id, str | int)
            or isinstance(external_id, bool)
            or not str(external_id)
        ):
            raise ConnectorError(
                f"The receiving system answered HTTP {response.status_code} without an "
                'externalId; it must answer with JSON {"externalId", "externalUrl"}.',
                detail=_snippet(response),
            )
        url = body.get("externalUrl")
        label = body.get("label")
        return ExternalRef(
            id=str(external_id),
            url=url if isinstance(url, str) else "",
            label=label if isinstance(label, str) else "",
        )


def _decimal(value: Decimal, exponent: int) -> str:
    return format(value.quantize(Decimal(1).scaleb(-exponent)), "f")


def _amount(amount) -> dict[str, str] | None:
    if amount is None:
        return None
    return {
        "value": _decimal(amount.value, currency_exponent(amount.currency)),
        "currency": amount.currency,
    }


def _is_json(response: httpx.Response) -> bool:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return kind in {"application/problem+json", "application/json"}


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def _snippet(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:2000]}"
