"""Request signatures of producers with a signing secret (pure: no I/O, used by ingest and by
the client alike).

The HMAC-SHA256 covers a timestamp, a nonce and the exact body ("<timestamp>.<nonce>.<body>"),
so a captured request cannot be sent again: an old timestamp is refused outright, and a
recent one only once per nonce (ingest remembers nonces as long as their timestamps pass).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Newsdesk-Signature"
TIMESTAMP_HEADER = "X-Newsdesk-Timestamp"
NONCE_HEADER = "X-Newsdesk-Nonce"
MAX_SKEW_S = 300
# A nonce is remembered while a request carrying it could still pass the clock check.
NONCE_TTL_S = 2 * MAX_SKEW_S
_NONCE = re.compile(r"[A-Za-z0-9_\-]{16,128}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class SignatureError(Exception):
    """The request's signature headers are missing, malformed, forged or stale."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode(), hashlib.sha256)
    mac.update(body)
    return "sha256=" + mac.hexdigest()


def signed_headers(
    secret: str, body: bytes, *, now: float | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The three headers of one signed request; every attempt needs its own."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_urlsafe(18)
    return {
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, timestamp, nonce, body),
    }


def verify(secret: str, body: bytes, headers: Mapping[str, str], *, now: float) -> str:
    """The request's nonce, still to be claimed once; SignatureError names the header at fault."""
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    nonce = (headers.get(NONCE_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not given:
        raise SignatureError(
            f"missing {SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "
            f"'<{TIMESTAMP_HEADER}>.<{NONCE_HEADER}>.<body>'>"
        )
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError(f"missing or malformed {TIMESTAMP_HEADER}: Unix seconds expected")
    if not _NONCE.fullmatch(nonce):
        raise SignatureError(
            f"missing or malformed {NONCE_HEADER}: 16-128 characters of A-Z a-z 0-9 _ - expected"
        )
    if not hmac.compare_digest(signature(secret, timestamp, nonce, body), given):
        raise SignatureError(
            f"{SIGNATURE_HEADER} does not match: it must sign "
            f"'<{TIMESTAMP_HEADER}>.<{NONCE_HEADER}>.<body>' with the producer's secret"
        )
    skew = abs(now - int(timestamp))
    if skew > MAX_SKEW_S:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {skew:.0f} s away from the server's clock; "
            f"at most {MAX_SKEW_S} s are accepted"
        )
    return nonce
