"""Settings from `NEWSDESK_*` environment variables, with safe defaults for a local run.

Validated at start-up so a bad value stops the process with a message naming the setting,
instead of failing on the first message an hour later.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.keys import Keys

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class FeedSource(BaseModel):
    """One RSS/Atom feed `newsdesk ingest` polls (NEWSDESK_FEEDS is a JSON list of these)."""

    url: str = Field(pattern=r"^https?://")
    interval_s: float | None = Field(default=None, gt=0)
    producer: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore", frozen=True)

    redis_url: str = DEFAULT_REDIS_URL
    redis_username: str | None = None
    redis_password: SecretStr | None = None
    key_prefix: str = Field(default="newsdesk", pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    # A Redis Cluster: NEWSDESK_REDIS_URL names any one node; the client finds the others.
    redis_cluster: bool = False
    # Replicas that must acknowledge an accepted article or view before its 202 (WAIT on
    # the connection that wrote it); 0 leaves Redis's asynchronous replication alone.
    write_replicas: int = Field(default=0, ge=0, le=16)
    write_wait_ms: int = Field(default=200, ge=1, le=10_000)
    # Streams and the keys one atomic step touches are split by article into this many
    # shards, each under its own hash tag ({prefix:<shard>}), so a cluster spreads them.
    shards: int = Field(default=1, ge=1, le=1024)

    host: str = "127.0.0.1"
    ingest_port: int = Field(default=8000, ge=1, le=65535)
    enricher_port: int = Field(default=8001, ge=1, le=65535)
    ranking_port: int = Field(default=8002, ge=1, le=65535)
    ingest_workers: int = Field(default=1, ge=1, le=64)
    # Enricher processes sharing its port, each a consumer of the group: tagging is
    # single-threaded CPU, so a machine with cores to spare scales it out.
    enricher_workers: int = Field(default=1, ge=1, le=64)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    # consumers
    consumer_name: str | None = None
    batch_size: int = Field(default=100, ge=1, le=10_000)
    views_batch_size: int = Field(default=1000, ge=1, le=10_000)
    # How often ranking folds counted views into its lists: their freshness, against Redis
    # time (a fold's cost is per article, so folding rarer is cheaper under heavy traffic).
    views_fold_interval_s: float = Field(default=1.0, gt=0, le=60)
    block_ms: int = Field(default=1000, ge=1)
    min_idle_ms: int = Field(default=30_000, ge=100)
    max_deliveries: int = Field(default=5, ge=1)
    shutdown_timeout_s: float = Field(default=10.0, gt=0)

    # streams
    stream_retention_s: int = Field(default=7 * 24 * 3600, ge=0)
    trim_interval_s: float = Field(default=60.0, gt=0)
    redis_fsync: Literal["everysec", "always", "no"] = "everysec"
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    # ingest
    require_auth: bool = True
    rate_limit_per_s: int = Field(default=500, ge=0)
    dedupe_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    view_dedupe_window_s: int = Field(default=900, ge=1)
    # Work per request is bounded so that memory and Redis time stay bounded too: a body
    # past these is refused (413) before anything is written.
    max_views_per_request: int = Field(default=10_000, ge=1, le=1_000_000)
    max_articles_per_request: int = Field(default=1_000, ge=1, le=100_000)
    # One article is one Lua call that copies it (~2 ms per MiB): larger ones are refused.
    max_article_bytes: int = Field(default=1024 * 1024, ge=1024, le=16 * 1024 * 1024)

    # ingest pull transports
    feeds: list[FeedSource] = Field(default_factory=list)
    feed_default_interval_s: float = Field(default=300.0, gt=0)
    feed_quiet_after_s: float = Field(default=6 * 3600.0, gt=0)
    feed_producer: str = "feeds"
    drop_dir: Path | None = None
    drop_poll_s: float = Field(default=2.0, gt=0)
    drop_producer: str = "dropfolder"

    # ranking
    timezone: str = "Asia/Tokyo"
    trending_half_life_s: float = Field(default=3600.0, gt=0)
    reader_repeat_interval_s: int = Field(default=1800, ge=0)
    # Lists asked for are held in memory and recomputed this often (their freshness, and
    # what a kill handled by another ranking replica takes to reach this one's lists).
    list_refresh_s: float = Field(default=1.0, gt=0, le=60)
    # Views of an article ranking does not know yet are held this long (from its first view)
    # and counted when it arrives; at most this many articles are held at once.
    views_hold_s: int = Field(default=3600, ge=0, le=7 * 24 * 3600)
    views_hold_max_articles: int = Field(default=100_000, ge=0)
    # Articles published longer ago than this and not read in the last 7 days are dropped
    # from ranking (lists, counts, display data): 0 keeps every article forever.
    ranking_retain_days: int = Field(default=0, ge=0, le=36_500)

    @field_validator("ranking_retain_days")
    @classmethod
    def _retain_past_windows(cls, value: int) -> int:
        if 0 < value < 8:
            raise ValueError("must be 0 (keep forever) or at least 8 (the 7d window, and a day)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @cached_property
    def keys(self) -> Keys:
        return Keys(self.key_prefix, self.shards)

    def port_for(self, service: str) -> int:
        ports = {
            "ingest": self.ingest_port,
            "enricher": self.enricher_port,
            "ranking": self.ranking_port,
        }
        return ports[service]
