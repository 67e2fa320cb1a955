"""tag_article composes the taggers into Tags with ninjs subjects and story placement."""

from __future__ import annotations

from datetime import UTC, datetime

from services.enricher.taggers.duplicates import MemoryStoryIndex
from services.enricher.taggers.pipeline import (
    ENRICHER_VERSION,
    tag_article,
    tag_batch,
    tagging_text,
)
from shared.models import Article, Subject

ARTICLE = Article(
    guid="urn:test:1",
    headline="Powerful earthquake strikes Taiwan, killing at least nine",
    body_text=(
        "TAIPEI, Taiwan (AP) — A magnitude 7.4 earthquake struck eastern Taiwan on Wednesday, "
        "killing at least nine people, the National Fire Agency said.\n\n"
        "President Tsai Ing-wen said the government had set up an emergency centre."
    ),
    language="en",
    subjects=[Subject(code="medtop:03000000")],
    published_at=datetime(2024, 4, 3, 3, 5, tzinfo=UTC),
)


def test_tags_of_one_article() -> None:
    tags = tag_article(ARTICLE, index=None, article_id="id1")
    assert tags.language == "en"
    assert (tags.dateline, tags.dateline_agency) == ("TAIPEI", "AP")
    assert tags.topics[0].code == "medtop:03000000"
    names = {(e.type, e.name) for e in tags.entities}
    assert {("place", "Taipei"), ("place", "Taiwan"), ("person", "Tsai Ing-wen")} <= names
    assert ("org", "National Fire Agency") in names
    assert not any(e.name in {"AP", "Associated Press"} for e in tags.entities)
    assert tags.word_count > 30
    assert tags.reading_time_s > 0
    assert tags.summary.startswith("A magnitude 7.4 earthquake")
    assert (tags.story_id, tags.duplicate_of) == ("id1", None)


def test_entity_spans_index_the_tagging_text() -> None:
    text, _ = tagging_text(ARTICLE)
    for entity in tag_article(ARTICLE, index=None, article_id="x").entities:
        assert text[entity.start : entity.end] == entity.text


def test_subjects_use_medtop_uris_and_name_their_creator() -> None:
    subject = tag_article(ARTICLE, index=None, article_id="x").subjects[0]
    assert subject.uri == "http://cv.iptc.org/newscodes/mediatopic/03000000"
    assert subject.creator == f"newsdesk-enricher/topics@{ENRICHER_VERSION}"
    assert subject.confidence == 100


def test_tagging_is_deterministic() -> None:
    first = tag_article(ARTICLE, index=MemoryStoryIndex(), article_id="x")
    again = tag_article(ARTICLE, index=MemoryStoryIndex(), article_id="x")
    assert first == again


def test_kill_notice_joins_its_story_without_matching_others() -> None:
    index = MemoryStoryIndex()
    tag_article(ARTICLE, index=index, article_id="id1")
    kill = ARTICLE.model_copy(update={"version": 2, "pubstatus": "canceled", "body_text": "KILL."})
    tags = tag_article(kill, index=index, article_id="id1")
    assert (tags.story_id, tags.duplicate_of) == ("id1", None)


def test_a_batch_is_tagged_as_one_by_one() -> None:
    """A rewrite joins the story started earlier in the same batch; a kill finds its story."""
    rewrite = ARTICLE.model_copy(
        update={
            "guid": "urn:test:2",
            "headline": "Taiwan quake kills nine",
            "body_text": ARTICLE.body_text.replace("Wednesday", "Wednesday morning"),
        }
    )
    kill = ARTICLE.model_copy(update={"version": 2, "pubstatus": "canceled", "body_text": "KILL."})
    batch = [(ARTICLE, "id1"), (rewrite, "id2"), (kill, "id1"), (ARTICLE, "id3")]
    batched = tag_batch(batch, index=MemoryStoryIndex())
    index = MemoryStoryIndex()
    assert batched == [tag_article(a, index=index, article_id=key) for a, key in batch]
    assert [(t.story_id, t.duplicate_of) for t in batched] == [
        ("id1", None),
        ("id1", "id1"),
        ("id1", None),
        ("id1", "id1"),
    ]
