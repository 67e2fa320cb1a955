"""Redis side of the enricher: the tag cache and the exactly-once publish of results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from shared.broker import RedisClient
from shared.keys import Keys, ShardKeys
from shared.models import EnrichedArticle, Tags

_SCRIPT = resources.files(__package__).joinpath("publish.lua").read_text()
CACHE_TTL_S = 30 * 24 * 3600
# Articles per publish script: a 5 MB article is the most ingest accepts, so a script call
# stays within a few ms of Redis time even for long bodies.
PUBLISH_CHUNK = 25


@dataclass(frozen=True)
class CachedTags:
    content_hash: str
    enricher_version: str
    tags: Tags


class EnricherStore:
    def __init__(self, redis: RedisClient, keys: Keys | ShardKeys, *, group: str) -> None:
        self.redis = redis
        self.keys = keys
        self.group = group
        self._publish = redis.register_script(_SCRIPT)

    async def cached_tags(self, article_ids: Sequence[str]) -> list[CachedTags | None]:
        """The last tags of each article, in one round trip for the batch."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for article_id in article_ids:
                pipe.hmget(self.keys.enriched_cache(article_id), "hash", "version", "tags")
            rows: list[list[Any]] = await pipe.execute()
        return [
            CachedTags(h.decode(), v.decode(), Tags.model_validate_json(t)) if t else None
            for h, v, t in rows
        ]

    async def publish(self, batch: Sequence[tuple[EnrichedArticle, bytes]]) -> list[bool]:
        """Publishes each (article, raw entry id) and acks its entry in the same step; False
        where the entry had already been acked elsewhere (published by someone else)."""
        out: list[bool] = []
        for start in range(0, len(batch), PUBLISH_CHUNK):
            keys: list[Any] = [self.keys.raw, self.keys.enriched]
            args: list[Any] = [self.group, CACHE_TTL_S]
            for enriched, entry_id in batch[start : start + PUBLISH_CHUNK]:
                keys.append(self.keys.enriched_cache(enriched.id))
                args += [
                    entry_id,
                    enriched.model_dump_json(),
                    enriched.content_hash,
                    enriched.enricher_version,
                    enriched.tags.model_dump_json(),
                ]
            flags = await self._publish(keys=keys, args=args)
            out += [bool(flag) for flag in flags]
        return out
