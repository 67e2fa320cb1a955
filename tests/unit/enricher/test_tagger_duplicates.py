"""Story clusters: rewrites of one story match, other stories and far-apart dates do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.enricher.taggers.duplicates import MemoryStoryIndex, assign_story, shingles, signature

T0 = datetime(2024, 6, 6, 12, 0, tzinfo=UTC)
WIRE_A = (
    "ECB cuts rates for first time since 2019. The European Central Bank cut its key interest "
    "rate on Thursday for the first time in almost five years, lowering the deposit rate by a "
    "quarter point to 3.75% as inflation in the euro zone moved closer to its 2% target. "
    "President Christine Lagarde said the decision was not unanimous."
)
WIRE_B = (
    "European Central Bank lowers rates as inflation eases. The European Central Bank on "
    "Thursday lowered borrowing costs for the first time since 2019, trimming its deposit rate "
    "by 25 basis points to 3.75% after inflation in the euro zone fell. President Christine "
    "Lagarde told reporters that one member had opposed the move."
)
OTHER = (
    "Powerful earthquake strikes Taiwan. A magnitude 7.4 earthquake struck eastern Taiwan on "
    "Wednesday morning, killing at least nine people and triggering tsunami warnings in Japan "
    "and the Philippines. Rescuers searched collapsed buildings in Hualien."
)
ANCHORS = frozenset({"org:European Central Bank", "person:Christine Lagarde", "place:euro zone"})


def test_rewrite_by_another_wire_is_a_near_duplicate() -> None:
    index = MemoryStoryIndex()
    first = assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    second = assign_story(index, "b", signature(WIRE_B), T0 + timedelta(minutes=13), ANCHORS)
    assert (first.story_id, first.duplicate_of) == ("a", None)
    assert (second.story_id, second.duplicate_of, second.supersedes) == ("a", "a", None)


def test_unrelated_story_starts_its_own_cluster() -> None:
    index = MemoryStoryIndex()
    assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    other = assign_story(index, "c", signature(OTHER), T0, frozenset({"place:Taiwan"}))
    assert (other.story_id, other.duplicate_of) == ("c", None)


def test_same_words_months_apart_are_another_story() -> None:
    index = MemoryStoryIndex()
    assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    later = assign_story(index, "b", signature(WIRE_B), T0 + timedelta(days=60), ANCHORS)
    assert later.duplicate_of is None


def test_template_story_about_another_company_is_not_a_duplicate() -> None:
    index = MemoryStoryIndex()
    assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    names = frozenset({"org:Bank of England", "person:Andrew Bailey"})
    other = assign_story(index, "b", signature(WIRE_B), T0, names)
    assert other.duplicate_of is None


def test_new_version_of_a_guid_supersedes() -> None:
    index = MemoryStoryIndex()
    assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    update = assign_story(index, "a", signature(WIRE_A + " Corrects rate."), T0, ANCHORS)
    assert (update.story_id, update.duplicate_of, update.supersedes) == ("a", None, "a")


def test_signature_is_deterministic_and_script_agnostic() -> None:
    assert (signature(WIRE_A).hashvalues == signature(WIRE_A).hashvalues).all()
    assert {"能登", "登半", "半島"} <= shingles("能登半島")
    assert "합계출산율이" in shingles("합계출산율이 떨어졌다")
