"""The story index in Redis, so every enricher replica places articles in the same clusters.

LSH bands are Redis sets (`…:lsh:<band>:<hash>` → article keys) that expire with the
clustering window; each article's signature and story id live in a hash that outlives it,
so a late correction still finds the story of its first version. Blocking calls: the
enricher runs tagging in a worker thread.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import cast

import numpy as np
import orjson
import redis
from datasketch import MinHash, MinHashLSH
from redis.typing import EncodableT, FieldT

from services.enricher.taggers.duplicates import (
    LSH_THRESHOLD,
    NUM_PERM,
    SEED,
    WINDOW,
    StoryRecord,
)
from shared.broker import make_sync_redis
from shared.keys import Keys
from shared.settings import Settings

RECORD_TTL_S = 30 * 24 * 3600
BAND_TTL_S = int(WINDOW.total_seconds()) + 3600


def _bands() -> tuple[int, int]:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


class RedisStoryIndex:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self.bands, self.rows = _bands()

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStoryIndex:
        return cls(make_sync_redis(settings), settings.keys)

    def _band_keys(self, minhash: MinHash) -> list[str]:
        values = np.asarray(minhash.hashvalues)
        out = []
        for band in range(self.bands):
            chunk = values[band * self.rows : (band + 1) * self.rows].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=10).hexdigest()
            out.append(f"{self.keys.lsh_prefix()}:{band}:{digest}")
        return out

    def query(self, minhash: MinHash) -> list[str]:
        members = cast(set[bytes], self.client.sunion(self._band_keys(minhash)))
        return sorted(m.decode() for m in members)

    def insert(self, key: str, minhash: MinHash) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for band_key in self._band_keys(minhash):
                pipe.sadd(band_key, key)
                pipe.expire(band_key, BAND_TTL_S)
            pipe.execute()

    def get(self, key: str) -> StoryRecord | None:
        raw = cast(dict[bytes, bytes], self.client.hgetall(self.keys.story(key)))
        if not raw:
            return None
        published = raw.get(b"published_at", b"").decode()
        hashvalues = np.frombuffer(raw[b"hv"], dtype=np.dtype(raw[b"dtype"].decode()))
        return StoryRecord(
            key=key,
            story_id=raw[b"story_id"].decode(),
            published_at=datetime.fromisoformat(published) if published else None,
            anchors=frozenset(orjson.loads(raw.get(b"anchors", b"[]"))),
            minhash=MinHash(
                num_perm=NUM_PERM, seed=SEED, hashvalues=hashvalues, scheme=raw[b"scheme"].decode()
            ),
        )

    def put(self, record: StoryRecord) -> None:
        key = self.keys.story(record.key)
        values = np.asarray(record.minhash.hashvalues)
        published = record.published_at.isoformat() if record.published_at else ""
        fields: dict[FieldT, EncodableT] = {
            "story_id": record.story_id,
            "published_at": published,
            "hv": values.tobytes(),
            "dtype": values.dtype.str,
            "scheme": str(record.minhash.scheme),
            "anchors": orjson.dumps(sorted(record.anchors)),
        }
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, RECORD_TTL_S)
            pipe.execute()
