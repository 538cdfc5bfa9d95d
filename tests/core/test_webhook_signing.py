from __future__ import annotations

import base64

import pytest

from exporthub.core.webhook_signing import InvalidSignature, sign, verify

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
BODY = b'{"type":"v1.export-job.created","data":{"id":"x"}}'


def test_it_accepts_what_it_signed():
    headers = sign(SECRET, BODY, now=1_700_000_000)
    assert verify(SECRET, headers, BODY, now=1_700_000_010) == headers["webhook-id"]


def test_it_matches_the_standard_webhooks_reference_vector():
    # Test vector from the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    headers = sign(secret, body, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", now=1614265330)
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: {**h, "webhook-signature": "v1,AAAA"},
        lambda h: {k: v for k, v in h.items() if k != "webhook-signature"},
        lambda h: {**h, "webhook-timestamp": "1600000000"},
        lambda h: {**h, "webhook-timestamp": "soon"},
        lambda h: {**h, "webhook-id": "msg_other"},
        lambda h: {**h, "webhook-signature": "v1,\u00e9"},  # non-ASCII, as latin-1 headers decode
        lambda h: {**h, "webhook-timestamp": "\u00b2"},
    ],
)
def test_it_rejects_tampered_or_missing_headers(tamper):
    headers = sign(SECRET, BODY, now=1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify(SECRET, tamper(headers), BODY, now=1_700_000_000)


def test_it_rejects_a_changed_body():
    headers = sign(SECRET, BODY, now=1_700_000_000)
    with pytest.raises(InvalidSignature):
        verify(SECRET, headers, BODY + b" ", now=1_700_000_000)


def test_it_trusts_nothing_without_a_secret():
    with pytest.raises(InvalidSignature, match="No webhook secret"):
        verify("", sign(SECRET, BODY), BODY)
