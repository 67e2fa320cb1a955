"""Message contracts between the services: what travels on each stream, versioned.

Every message carries ``schema_version``. Readers accept any version up to the current one;
a message from the future is a permanent error (dead-lettered), because guessing at fields a
newer writer meant is how data gets silently corrupted.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1
_LAYOUT_SPACE = re.compile(r"[^\S\u3000]+")

PubStatus = Literal["usable", "withheld", "canceled"]


# Two days inside what `datetime` holds: a time in this range exists in every time zone and
# has a previous and a next calendar day there, so no reader's conversion can overflow.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9999, 12, 29, 23, 59, 59, 999999, tzinfo=UTC)
# Versions are compared in Lua, whose numbers are doubles: exact only up to 2**53 - 1.
MAX_VERSION = 2**53 - 1


def _to_utc(value: datetime) -> datetime:
    """Naive times are refused upstream; aware ones are normalised so comparisons are exact.
    Out-of-range times are a ValueError (so pydantic names the field), never OverflowError."""
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a time zone (e.g. 2024-01-01T12:00:00Z)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(
            f"timestamp out of range: must lie between {EARLIEST.date().isoformat()} and "
            f"{LATEST.date().isoformat()} in UTC"
        )
    return utc


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def article_id(producer: str, guid: str) -> str:
    """Stable across versions: the same (producer, guid) always names the same article."""
    digest = hashlib.sha256(f"{producer}\x1f{guid}".encode()).hexdigest()
    return digest[:20]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False, str_strip_whitespace=False)


class Subject(_Model):
    """A subject code as the wire sent it (IPTC subject/mediatopic, or a wire's own scheme)."""

    code: str
    name: str | None = None
    scheme: str | None = None


class Image(_Model):
    url: str | None = None
    caption: str | None = None
    byline: str | None = None
    mime_type: str | None = None


class Article(_Model):
    """The canonical article every wire format is parsed into (ninjs / NewsML-G2 vocabulary)."""

    guid: Annotated[str, Field(min_length=1, max_length=1024)]
    version: Annotated[int, Field(ge=0, le=MAX_VERSION)] = 1
    pubstatus: PubStatus = "usable"
    urgency: Annotated[int, Field(ge=0, le=9)] | None = None
    headline: Annotated[str, Field(max_length=2000)] = ""
    subheadline: str | None = None
    byline: str | None = None
    dateline: str | None = None
    language: str | None = None
    section: str | None = None
    url: str | None = None
    firstcreated: UtcDatetime | None = None
    versioncreated: UtcDatetime | None = None
    published_at: UtcDatetime | None = None
    body_text: str = ""
    body_html: str | None = None
    subjects: list[Subject] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)

    @field_validator("headline")
    @classmethod
    def _headline_single_line(cls, value: str) -> str:
        # The ideographic space (U+3000) is punctuation in CJK headlines, not layout.
        return _LAYOUT_SPACE.sub(" ", value).strip(" \t\r\n")

    def content_hash(self) -> str:
        """Hash of what taggers read; an update with the same hash keeps its tags."""
        text = f"{self.headline}\n{self.body_text}\n{self.language or ''}"
        return hashlib.sha256(text.encode()).hexdigest()


class RawArticle(_Model):
    """`articles.raw`: an accepted article as ingest published it."""

    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    id: str
    producer: str
    format: str = "json"
    received_at: UtcDatetime = Field(default_factory=utcnow)
    content_hash: str
    article: Article


class Topic(_Model):
    code: str
    label: str
    score: Annotated[float, Field(ge=0.0, le=1.0)]


class Entity(_Model):
    type: Literal["person", "org", "place"]
    name: str
    text: str
    start: int
    end: int


class TagSubject(_Model):
    """A ninjs-style subject the enricher assigned: who said so and how sure it is."""

    uri: str
    name: str
    creator: str
    confidence: Annotated[int, Field(ge=0, le=100)]


class Tags(_Model):
    language: str | None = None
    topics: list[Topic] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    dateline: str | None = None
    dateline_agency: str | None = None
    word_count: int = 0
    reading_time_s: int = 0
    summary: str = ""
    story_id: str | None = None
    duplicate_of: str | None = None
    subjects: list[TagSubject] = Field(default_factory=list)


class EnrichedArticle(_Model):
    """`articles.enriched`: the article with its tags and the enricher version that made them."""

    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    event_id: str
    id: str
    producer: str
    received_at: UtcDatetime
    enriched_at: UtcDatetime = Field(default_factory=utcnow)
    enricher_version: str
    content_hash: str
    article: Article
    tags: Tags


class ViewEvent(_Model):
    """`views`: one page view by a reader. Only `article_id` is required from producers."""

    schema_version: Annotated[int, Field(ge=1, le=SCHEMA_VERSION)] = SCHEMA_VERSION
    event_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        default_factory=lambda: uuid.uuid4().hex
    )
    article_id: Annotated[str, Field(min_length=1, max_length=128)]
    ts: UtcDatetime = Field(default_factory=utcnow)
    reader_id: Annotated[str, Field(max_length=256)] | None = None
    user_agent: Annotated[str, Field(max_length=1024)] | None = None
    referrer: Annotated[str, Field(max_length=2048)] | None = None
    producer: str | None = None
