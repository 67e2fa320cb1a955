"""Every stream, consumer group and Redis key name, under one configurable prefix.

Keys are colon-separated and start with a hash tag, so that everything one atomic step
touches lives in one Redis Cluster slot. With NEWSDESK_SHARDS=1 (the default) every key
carries `{prefix}`. With N shards the streams and every key a script touches beside them
are split by article (`shard_of`): shard n's carry `{prefix:n}`, so a cluster spreads the
shards over its nodes. What no single article owns (producer keys, rate limits, feed state,
the story index) keeps `{prefix}`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from urllib.parse import quote

STREAM_RAW = "articles.raw"
STREAM_ENRICHED = "articles.enriched"
STREAM_VIEWS = "views"
STREAM_KINDS = (STREAM_RAW, STREAM_ENRICHED, STREAM_VIEWS)

GROUP_ENRICHER = "enricher"
GROUP_RANKING = "ranking"

DLQ_SUFFIX = ".dlq"


def shard_of(article_id: str, shards: int) -> int:
    """The shard of an article: the same in every process and for every version of it."""
    return zlib.crc32(article_id.encode()) % shards if shards > 1 else 0


@dataclass(frozen=True)
class ShardKeys:
    """One shard's streams and the keys its atomic steps touch beside them."""

    prefix: str = "newsdesk"
    shard: int | None = None  # None: the only shard, today's single-tag layout

    @property
    def tag(self) -> str:
        inner = self.prefix if self.shard is None else f"{self.prefix}:{self.shard}"
        return f"{{{inner}}}"

    def _k(self, *parts: str) -> str:
        return ":".join((self.tag, *parts))

    # streams -------------------------------------------------------------------------
    @property
    def raw(self) -> str:
        return self._k(STREAM_RAW)

    @property
    def enriched(self) -> str:
        return self._k(STREAM_ENRICHED)

    @property
    def views(self) -> str:
        return self._k(STREAM_VIEWS)

    def streams(self) -> list[str]:
        return [self.raw, self.enriched, self.views]

    # ingest --------------------------------------------------------------------------
    def article_version(self, article_id: str) -> str:
        """Hash: highest version seen, its content hash, killed flag (idempotency ledger)."""
        return self._k("ingest", "article", article_id)

    def view_dedupe_prefix(self, producer: str) -> str:
        """`<prefix><event id>` marks a view id `producer` chose as seen (expires): each
        producer has its own ids, so one producer's ids never suppress another's views."""
        return self._k("ingest", "view", quote(producer, safe=""), "")

    def request_chunk(self, producer: str, request: str, chunk: int) -> str:
        """String: what one chunk of an idempotent request wrote to this shard's views
        (expires), so a retry with the same Idempotency-Key and body writes nothing twice."""
        return self._k("ingest", "request", quote(producer, safe=""), request, str(chunk))

    # enricher ------------------------------------------------------------------------
    def enriched_cache(self, article_id: str) -> str:
        """Hash: content hash and tags of the last enriched version (re-enrichment skip)."""
        return self._k("enricher", "article", article_id)

    # ranking -------------------------------------------------------------------------
    def ranking(self, *parts: str) -> str:
        """Ranking key families live under `ranking:`; their layout is ranking's own."""
        return self._k("ranking", *parts)


@dataclass(frozen=True)
class Keys:
    """Names derived from one prefix and shard count; tests pass a unique prefix so runs
    never collide. With one shard, the per-shard names are also reachable here directly
    (`keys.views`...); with more, code must say which shard it means."""

    prefix: str = "newsdesk"
    shards: int = 1

    def _k(self, *parts: str) -> str:
        return ":".join((f"{{{self.prefix}}}", *parts))

    # shards --------------------------------------------------------------------------
    def shard(self, n: int) -> ShardKeys:
        if not 0 <= n < self.shards:
            raise ValueError(f"shard {n} out of 0..{self.shards - 1}")
        return ShardKeys(self.prefix, None if self.shards == 1 else n)

    def for_article(self, article_id: str) -> ShardKeys:
        return self.shard(shard_of(article_id, self.shards))

    def all_shards(self) -> list[ShardKeys]:
        return [self.shard(n) for n in range(self.shards)]

    @property
    def only(self) -> ShardKeys:
        """The one shard, where there is exactly one."""
        if self.shards != 1:
            raise ValueError(f"{self.shards} shards: name the shard (keys.shard(n))")
        return self.shard(0)

    # one shard's names, for single-shard code and tests --------------------------------
    @property
    def raw(self) -> str:
        return self.only.raw

    @property
    def enriched(self) -> str:
        return self.only.enriched

    @property
    def views(self) -> str:
        return self.only.views

    def streams(self) -> list[str]:
        """Every stream of every shard."""
        return [s for shard in self.all_shards() for s in shard.streams()]

    def article_version(self, article_id: str) -> str:
        return self.for_article(article_id).article_version(article_id)

    def enriched_cache(self, article_id: str) -> str:
        return self.for_article(article_id).enriched_cache(article_id)

    def ranking(self, *parts: str) -> str:
        return self.only.ranking(*parts)

    def view_dedupe_prefix(self, producer: str) -> str:
        return self.only.view_dedupe_prefix(producer)

    def request_chunk(self, producer: str, request: str, chunk: int) -> str:
        return self.only.request_chunk(producer, request, chunk)

    # ingest (no article owns these) ----------------------------------------------------
    def producer_keys(self) -> str:
        """Hash: sha256(key) -> JSON {name, scopes, revoked, created_at}."""
        return self._k("ingest", "producers")

    def rate_limit(self, producer: str, window: int) -> str:
        return f"{self.rate_limit_prefix()}{producer}:{window}"

    def rate_limit_prefix(self) -> str:
        """What ingest's admit script puts before `<producer>:<window>` (same slot)."""
        return self._k("ingest", "rate", "")

    def signing_nonce(self, producer: str, nonce: str) -> str:
        """Marks a signed request's nonce used (expires once its timestamp is too old)."""
        return self._k("ingest", "nonce", quote(producer, safe=""), nonce)

    def feed_state(self, url_hash: str) -> str:
        return self._k("ingest", "feed", url_hash)

    # enricher: the story index spans articles of every shard ----------------------------
    def story(self, article_id: str) -> str:
        """Hash: the story id and publication time of one article (a late version's story)."""
        return self._k("enricher", "story", article_id)

    def story_bucket(self, bucket: str) -> str:
        """Sorted set: story id -> latest publication epoch, of one LSH band bucket (capped)."""
        return self._k("enricher", "bucket", bucket)

    def story_sample(self, story_id: str) -> str:
        """Hash: a story's representatives by slot, and how many entered its ring (capped)."""
        return self._k("enricher", "sample", story_id)

    # operations ------------------------------------------------------------------------
    def all_patterns(self) -> list[str]:
        """SCAN patterns of every key under this prefix, shards included."""
        patterns = [f"{{{self.prefix}}}:*"]
        if self.shards > 1:
            patterns += [f"{{{self.prefix}:{n}}}:*" for n in range(self.shards)]
        return patterns

    def all_pattern(self) -> str:
        return f"{{{self.prefix}}}:*"
