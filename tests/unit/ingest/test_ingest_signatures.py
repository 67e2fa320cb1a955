"""Signed requests: what a signature covers, and every refusal naming its header."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.ingest.signatures import (
    MAX_SKEW_S,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signed_headers,
    verify,
)

SECRET = "s3cret"
BODY = b'{"guid": "urn:1"}'
NOW = 1_800_000_000.0


def test_a_fresh_signature_verifies_and_gives_its_nonce() -> None:
    headers = signed_headers(SECRET, BODY, now=NOW, nonce="n" * 24)
    assert verify(SECRET, BODY, headers, now=NOW + MAX_SKEW_S) == "n" * 24


def test_each_signing_has_its_own_nonce() -> None:
    assert len({signed_headers(SECRET, BODY)[NONCE_HEADER] for _ in range(20)}) == 20


def tampered(**change: str) -> dict[str, str]:
    headers = signed_headers(SECRET, BODY, now=NOW, nonce="a" * 24)
    headers.update(change)
    return {k: v for k, v in headers.items() if v}


@pytest.mark.parametrize(
    ("headers", "now", "named", "reason"),
    [
        (tampered(**{SIGNATURE_HEADER: ""}), NOW, SIGNATURE_HEADER, "missing"),
        (tampered(**{TIMESTAMP_HEADER: ""}), NOW, TIMESTAMP_HEADER, "missing"),
        (tampered(**{TIMESTAMP_HEADER: "yesterday"}), NOW, TIMESTAMP_HEADER, "malformed"),
        (tampered(**{NONCE_HEADER: ""}), NOW, NONCE_HEADER, "missing"),
        (tampered(**{NONCE_HEADER: "short"}), NOW, NONCE_HEADER, "malformed"),
        (tampered(**{NONCE_HEADER: "b" * 24}), NOW, SIGNATURE_HEADER, "does not match"),
        (tampered(**{TIMESTAMP_HEADER: str(int(NOW) + 1)}), NOW, SIGNATURE_HEADER, "match"),
        (tampered(), NOW + MAX_SKEW_S + 1, TIMESTAMP_HEADER, f"at most {MAX_SKEW_S} s"),
        (tampered(), NOW - MAX_SKEW_S - 1, TIMESTAMP_HEADER, f"at most {MAX_SKEW_S} s"),
    ],
)
def test_refusals_name_the_header(
    headers: dict[str, str], now: float, named: str, reason: str
) -> None:
    with pytest.raises(SignatureError) as refused:
        verify(SECRET, BODY, headers, now=now)
    assert named in refused.value.reason
    assert reason in refused.value.reason


def test_a_signature_of_the_body_alone_no_longer_passes() -> None:
    """The old scheme signed the body only, so a captured request could be sent again."""
    headers = tampered()
    headers[SIGNATURE_HEADER] = (
        "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    )
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, headers, now=NOW)


def test_another_body_or_secret_does_not_verify() -> None:
    headers = tampered()
    for secret, body in ((SECRET, BODY + b" "), ("other", BODY)):
        with pytest.raises(SignatureError):
            verify(secret, body, headers, now=NOW)
