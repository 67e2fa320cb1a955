"""Every stream, consumer group and Redis key name, under one configurable prefix.

Keys are colon-separated. Ranking keys that one atomic step touches together share the
``{prefix}`` hash tag so the same code runs on a Redis Cluster (one slot per prefix).
"""

from __future__ import annotations

from dataclasses import dataclass

STREAM_RAW = "articles.raw"
STREAM_ENRICHED = "articles.enriched"
STREAM_VIEWS = "views"

GROUP_ENRICHER = "enricher"
GROUP_RANKING = "ranking"

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Keys:
    """Names derived from one prefix; tests pass a unique prefix so runs never collide."""

    prefix: str = "newsdesk"

    def _k(self, *parts: str) -> str:
        return ":".join((f"{{{self.prefix}}}", *parts))

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

    def producer_keys(self) -> str:
        """Hash: sha256(key) -> JSON {name, scopes, revoked, created_at}."""
        return self._k("ingest", "producers")

    def rate_limit(self, producer: str, window: int) -> str:
        return self._k("ingest", "rate", producer, str(window))

    def view_dedupe_prefix(self) -> str:
        """`<prefix><event id>` marks a producer-chosen view id seen (expires)."""
        return self._k("ingest", "view", "")

    def feed_state(self, url_hash: str) -> str:
        return self._k("ingest", "feed", url_hash)

    # enricher ------------------------------------------------------------------------
    def enriched_cache(self, article_id: str) -> str:
        """Hash: content hash and tags of the last enriched version (re-enrichment skip)."""
        return self._k("enricher", "article", article_id)

    def story(self, article_id: str) -> str:
        """Hash: the story id and publication time of one article (a late version's story)."""
        return self._k("enricher", "story", article_id)

    def story_bucket(self, bucket: str) -> str:
        """Sorted set: story id -> latest publication epoch, of one LSH band bucket (capped)."""
        return self._k("enricher", "bucket", bucket)

    def story_sample(self, story_id: str) -> str:
        """Hash: a story's representatives by slot, and how many entered its ring (capped)."""
        return self._k("enricher", "sample", story_id)

    # ranking -------------------------------------------------------------------------
    def ranking(self, *parts: str) -> str:
        """Ranking key families live under `ranking:`; their layout is ranking's own."""
        return self._k("ranking", *parts)

    def all_pattern(self) -> str:
        return f"{{{self.prefix}}}:*"
