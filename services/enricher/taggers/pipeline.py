"""Compose the taggers into the `Tags` of one article; the only place that knows their order."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from services.enricher.taggers import topics
from services.enricher.taggers.datelines import Dateline, find_dateline
from services.enricher.taggers.duplicates import Placement, StoryIndex, StoryMatch, signature
from services.enricher.taggers.entities import extract_entities
from services.enricher.taggers.keywords import extract_keywords
from services.enricher.taggers.language import detect_language
from services.enricher.taggers.stats import counts, lead_summary, reading_time_s
from shared.models import Article, Entity, Tags, TagSubject, Topic

# Bump whenever a tagger, its data or its thresholds change: replays then re-tag, and stored
# tags say which rules made them.
ENRICHER_VERSION = "1.2.0"
HEADLINE_SEPARATOR = "\n\n"


def creator(tagger: str) -> str:
    return f"newsdesk-enricher/{tagger}@{ENRICHER_VERSION}"


def tagging_text(article: Article) -> tuple[str, int]:
    """What the taggers read: headline, a blank line, the body. Entity spans index into it."""
    return article.headline + HEADLINE_SEPARATOR + article.body_text, len(article.headline) + 2


class Timed:
    """Adds the seconds its block took to `timings[name]` when timings are collected.

    A class rather than a generator-based context manager: it is entered eight times an
    article, and a generator costs several times as much to enter and leave. The enricher
    also times a batch's own steps with it (its `busy_ms`).
    """

    __slots__ = ("name", "start", "timings")

    def __init__(self, timings: dict[str, float] | None, name: str) -> None:
        self.timings = timings
        self.name = name
        self.start = 0.0

    def __enter__(self) -> None:
        if self.timings is not None:
            self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if self.timings is not None:
            spent = time.perf_counter() - self.start
            self.timings[self.name] = self.timings.get(self.name, 0.0) + spent


def tag_article(
    article: Article,
    *,
    index: StoryIndex | None,
    article_id: str,
    timings: dict[str, float] | None = None,
) -> Tags:
    """Tags for one article; `index` places it in a story (None: it is its own story).

    Pure apart from `index`, which the caller owns; `timings`, when given, collects the seconds
    each tagger took (the benchmark reads it).
    """
    return tag_batch([(article, article_id)], index=index, timings=timings)[0]


def tag_batch(
    articles: Sequence[tuple[Article, str]],
    *,
    index: StoryIndex | None,
    timings: dict[str, float] | None = None,
) -> list[Tags]:
    """Tags for (article, article id) pairs, equal to tagging them one by one in order.

    The index places the whole batch in one call, so a Redis index costs a few round trips
    per batch instead of per article; articles of the batch may join stories started in it.
    """
    drafts = [draft_article(article, key, index is not None, timings) for article, key in articles]
    with Timed(timings, "duplicates"):
        placements = [d.placement for d in drafts]
        stories = [_alone(p) for p in placements] if index is None else index.assign(placements)
    return [tags_of(d, story) for d, story in zip(drafts, stories, strict=True)]


class Draft(NamedTuple):
    """Every tag of an article but its story, and what placing it in a story needs: the
    costly part of tagging, which needs no story index (the enricher drafts one batch while
    the one before it is placed)."""

    fields: dict[str, Any]
    placement: Placement


def tags_of(draft: Draft, story: StoryMatch) -> Tags:
    return Tags(**draft.fields, story_id=story.story_id, duplicate_of=story.duplicate_of)


def draft_article(
    article: Article, key: str, sign: bool, timings: dict[str, float] | None = None
) -> Draft:
    """Every tag but the story; `sign`: compute the signature a story index places by."""
    text, body_at = tagging_text(article)
    with Timed(timings, "language"):
        language = detect_language(text, article.language)
    with Timed(timings, "dateline"):
        dateline = find_dateline(article.body_text)
    with Timed(timings, "topics"):
        hints = [article.section or "", *article.keywords]
        found_topics = topics.classify(
            article.headline, article.body_text, article.subjects, hints, language
        )
    with Timed(timings, "entities"):
        entities = _entities(text, language, _shift(dateline, body_at), len(article.headline))
    story_from = dateline.end if dateline else 0
    with Timed(timings, "keywords"):
        lead = f"{article.headline}. {article.body_text[story_from:]}"
        keywords = extract_keywords(lead, language)
    with Timed(timings, "stats"):
        measured = counts(text)
        summary = lead_summary(article.body_text, story_from)
    with Timed(timings, "duplicates"):
        anchors = frozenset(f"{e.type}:{e.name}" for e in entities)
        placement = _placement(article, key, text, anchors, sign)
    fields = {
        "language": language,
        "topics": [topics_model(t) for t in found_topics],
        "entities": entities,
        "keywords": keywords,
        # The wire's own dateline when it carries one (ingest keeps the body's spelling of
        # the same place), else the one the body opens with.
        "dateline": article.dateline or (dateline.place if dateline else None),
        "dateline_agency": dateline.agency if dateline else None,
        "word_count": sum(measured),
        "reading_time_s": reading_time_s(text, measured),
        "summary": summary,
        "subjects": [_subject(t) for t in found_topics],
    }
    return Draft(fields, placement)


def topics_model(found: topics.TopicScore) -> Topic:
    return Topic(code=found.code, label=found.label, score=found.score)


def _subject(found: topics.TopicScore) -> TagSubject:
    return TagSubject(
        uri=topics.MEDTOP_URI + found.code.removeprefix("medtop:"),
        name=found.label,
        creator=creator("topics"),
        confidence=round(found.score * 100),
    )


def _shift(dateline: Dateline | None, offset: int) -> Dateline | None:
    """The dateline found in the body, with offsets into the tagging text."""
    if dateline is None:
        return None
    return replace(dateline, start=dateline.start + offset, end=dateline.end + offset)


def _entities(
    text: str, language: str | None, dateline: Dateline | None, headline_end: int
) -> list[Entity]:
    """'(AP)' in a dateline credits the wire; it is not something the story names."""
    entities = extract_entities(text, language, dateline, headline_end)
    if dateline is None or dateline.agency is None:
        return entities
    return [
        e for e in entities if not (dateline.start < e.start < dateline.end and e.type == "org")
    ]


def _published(article: Article) -> datetime | None:
    return article.published_at or article.versioncreated or article.firstcreated


def _placement(
    article: Article, key: str, text: str, anchors: frozenset[str], sign: bool
) -> Placement:
    """Kill notices join the story of their guid but never start or match one: no signature.

    Without an index nothing reads the signature, so it is not computed.
    """
    minhash = signature(text) if sign and article.pubstatus != "canceled" else None
    return Placement(key, minhash, _published(article), anchors)


def _alone(placement: Placement) -> StoryMatch:
    return StoryMatch(placement.key, None, None)
