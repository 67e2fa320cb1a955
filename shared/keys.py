"""Every stream, consumer group and Redis key name, under one configurable prefix.

Keys are colon-separated. Ranking keys that one atomic step touches together share the
``{prefix}`` hash tag so the same code runs on a Redis Cluster (one slot per prefix).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

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

    def dlq(self, stream: str) -> str:
        return f"{stream}{DLQ_SUFFIX}"

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

    def view_dedupe_prefix(self, producer: str) -> str:
        """`<prefix><event id>` marks a view id `producer` chose as seen (expires): each
        producer has its own ids, so one producer's ids never suppress another's views."""
        return self._k("ingest", "view", quote(producer, safe=""), "")

    def request_chunk(self, producer: str, request: str, chunk: int) -> str:
        """String: what one chunk of an idempotent request wrote (expires), so a retry of the
        request with the same Idempotency-Key and body writes nothing twice."""
        return self._k("ingest", "request", quote(producer, safe=""), request, str(chunk))

    def signing_nonce(self, producer: str, nonce: str) -> str:
        """Marks a signed request's nonce used (expires once its timestamp is too old)."""
        return self._k("ingest", "nonce", quote(producer, safe=""), nonce)

    def feed_state(self, url_hash: str) -> str:
        return self._k("ingest", "feed", url_hash)

    # enricher ------------------------------------------------------------------------
    def enriched_cache(self, article_id: str) -> str:
        """Hash: content hash and tags of the last enriched version (re-enrichment skip)."""
        return self._k("enricher", "article", article_id)

    def lsh_prefix(self) -> str:
        return self._k("enricher", "lsh")

    def story(self, article_id: str) -> str:
        return self._k("enricher", "story", article_id)

    # ranking -------------------------------------------------------------------------
    def ranking(self, *parts: str) -> str:
        """Ranking key families live under `ranking:`; their layout is ranking's own."""
        return self._k("ranking", *parts)

    def all_pattern(self) -> str:
        return f"{{{self.prefix}}}:*"
