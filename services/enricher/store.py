"""Redis side of the enricher: the tag cache and the exactly-once publish of results."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import cast

import redis.asyncio as aioredis

from shared.keys import Keys
from shared.models import EnrichedArticle, Tags

_SCRIPT = resources.files(__package__).joinpath("publish.lua").read_text()
CACHE_TTL_S = 30 * 24 * 3600


@dataclass(frozen=True)
class CachedTags:
    content_hash: str
    enricher_version: str
    tags: Tags


class EnricherStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, group: str) -> None:
        self.redis = redis
        self.keys = keys
        self.group = group
        self._publish = redis.register_script(_SCRIPT)

    async def cached_tags(self, article_id: str) -> CachedTags | None:
        raw = cast(
            dict[bytes, bytes], await self.redis.hgetall(self.keys.enriched_cache(article_id))
        )
        if not raw:
            return None
        return CachedTags(
            content_hash=raw[b"hash"].decode(),
            enricher_version=raw[b"version"].decode(),
            tags=Tags.model_validate_json(raw[b"tags"]),
        )

    async def publish(self, enriched: EnrichedArticle, entry_id: str) -> bool:
        """True when published; False when the raw entry had already been acked elsewhere."""
        done = await self._publish(
            keys=[self.keys.raw, self.keys.enriched, self.keys.enriched_cache(enriched.id)],
            args=[
                self.group,
                entry_id,
                enriched.model_dump_json(),
                enriched.content_hash,
                enriched.enricher_version,
                enriched.tags.model_dump_json(),
                CACHE_TTL_S,
            ],
        )
        return bool(done)
