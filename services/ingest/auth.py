"""Producer keys: who may write, and as whom their articles are recorded.

Only a SHA-256 of each key is stored; the key itself is shown once when it is made. Lookup is
by hash and the stored hash is compared again with `hmac.compare_digest`, so no timing
difference reveals how much of a guessed key was right.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

import orjson

from services.ingest.ratelimit import WINDOW_TTL_S
from services.ingest.signatures import NONCE_HEADER, NONCE_TTL_S, SignatureError, verify
from shared.broker import RedisClient
from shared.keys import Keys

Scope = Literal["articles", "views"]
ALL_SCOPES: tuple[Scope, ...] = ("articles", "views")
KEY_PREFIX = "ndk_"
# One round trip per request: the record of a key hash and, for a key not revoked, its
# producer's request count in this second's window (the rate limiter's own counter key).
# KEYS[1] producers hash; ARGV: key hash, rate key prefix, window, counter TTL.
_ADMIT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {false, 0} end
local producer = cjson.decode(raw)
if producer.revoked then return {raw, 0} end
local key = ARGV[2] .. producer.name .. ':' .. ARGV[3]
local n = redis.call('INCR', key)
if n == 1 then redis.call('EXPIRE', key, ARGV[4]) end
return {raw, n}
"""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Producer:
    name: str
    key_hash: str
    scopes: list[str] = field(default_factory=lambda: list(ALL_SCOPES))
    revoked: bool = False
    created_at: str = ""
    signing_secret: str | None = None
    rate_per_s: int | None = None

    @property
    def key_id(self) -> str:
        return self.key_hash[:10]


class AuthError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ProducerRegistry:
    def __init__(self, redis: RedisClient, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self.key = keys.producer_keys()
        self._rate_prefix = keys.rate_limit_prefix()
        self._admit = redis.register_script(_ADMIT)

    async def add(
        self, name: str, *, scopes: list[str], signing: bool = False, rate_per_s: int | None = None
    ) -> tuple[str, Producer]:
        if any(p.name == name and not p.revoked for p in await self.list()):
            raise ValueError(f"producer {name!r} already has an active key; revoke it first")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        producer = Producer(
            name=name,
            key_hash=hash_key(key),
            scopes=scopes,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            signing_secret=secrets.token_hex(32) if signing else None,
            rate_per_s=rate_per_s,
        )
        await self.redis.hset(self.key, producer.key_hash, orjson.dumps(asdict(producer)))
        return key, producer

    async def list(self) -> list[Producer]:
        rows = await self.redis.hgetall(self.key)
        return sorted(
            (Producer(**orjson.loads(v)) for v in rows.values()), key=lambda p: p.created_at
        )

    async def revoke(self, name: str) -> int:
        count = 0
        for producer in await self.list():
            if producer.name == name and not producer.revoked:
                revoked = Producer(**{**asdict(producer), "revoked": True})
                await self.redis.hset(self.key, producer.key_hash, orjson.dumps(asdict(revoked)))
                count += 1
        return count

    async def verify(
        self, authorization: str | None, scope: Scope, *, window: int
    ) -> tuple[Producer, int]:
        """The producer of a request's key, and its requests so far in `window` (this
        one included) for the rate limit: one round trip."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise AuthError(401, "missing producer key: send 'Authorization: Bearer <key>'")
        digest = hash_key(authorization[7:].strip())
        raw, count = await self._admit(
            keys=[self.key],
            args=[digest, self._rate_prefix, window, WINDOW_TTL_S],
        )
        if not raw:
            raise AuthError(401, "unknown producer key")
        producer = Producer(**orjson.loads(raw))
        if not hmac.compare_digest(producer.key_hash, digest):
            raise AuthError(401, "unknown producer key")
        if producer.revoked:
            raise AuthError(403, f"the key of producer {producer.name!r} was revoked")
        if scope not in producer.scopes:
            raise AuthError(403, f"producer {producer.name!r} may not write {scope}")
        return producer, int(count)

    async def check_signature(
        self,
        producer: Producer,
        body: bytes,
        headers: Mapping[str, str],
        *,
        now: float | None = None,
    ) -> None:
        """A producer with a signing secret signs every request anew (timestamp, nonce,
        body): a forged, stale or replayed request is 401 naming the header at fault."""
        if producer.signing_secret is None:
            return
        try:
            nonce = verify(
                producer.signing_secret, body, headers, now=time.time() if now is None else now
            )
        except SignatureError as exc:
            raise AuthError(401, exc.reason) from exc
        # Claimed only once the signature holds, so nobody else can use up a producer's nonces.
        key = self.keys.signing_nonce(producer.name, nonce)
        if not await self.redis.set(key, 1, nx=True, ex=NONCE_TTL_S):
            raise AuthError(
                401, f"{NONCE_HEADER} {nonce!r} was already used: every request needs a new one"
            )
