"""Story clusters: rewrites of one story match, other stories and far-apart dates do not;
what a story keeps to be matched stays bounded."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from services.enricher.taggers.duplicates import (
    MemoryStoryIndex,
    Placement,
    StoryMatch,
    assign_story,
    shingles,
    signature,
)
from services.enricher.taggers.scripts import CJK_RUN
from services.enricher.taggers.stories import (
    BANDS,
    CANDIDATES,
    REPRESENTATIVES,
    ROWS,
    STORIES_PER_BUCKET,
    StoryState,
    buckets,
)

WIRE = Path(__file__).resolve().parents[2] / "data" / "wire"
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


def _rewrites(n: int) -> list[Placement]:
    """Copies of one story, each with one word of its own, a minute apart."""
    return [
        Placement(
            f"c{i}",
            signature(f"{WIRE_A} Update{'x' * (i % 7)}{chr(97 + i % 26)}."),
            T0 + timedelta(minutes=i),
            ANCHORS,
        )
        for i in range(n)
    ]


def test_a_story_is_compared_through_its_first_and_latest_articles() -> None:
    index = MemoryStoryIndex()
    matches = index.assign(_rewrites(50))
    assert {m.story_id for m in matches} == {"c0"}
    sample = index.state.samples["c0"]
    assert sample.members()[0].key == "c0"  # slot 0, the story's first article
    latest = {f"c{i}" for i in range(50 - REPRESENTATIVES + 1, 50)}
    assert {m.key for m in sample.members()} == {"c0", *latest}


def test_a_new_version_replaces_its_representative() -> None:
    index = MemoryStoryIndex()
    index.assign(_rewrites(3))
    update = assign_story(index, "c0", signature(WIRE_B), T0, ANCHORS)
    assert update == StoryMatch("c0", None, "c0")
    members = index.state.samples["c0"].members()
    assert [m.key for m in members] == ["c0", "c1", "c2"]
    assert (members[0].hashvalues == signature(WIRE_B).hashvalues).all()


def test_stories_sharing_the_rarest_buckets_are_proposed_first() -> None:
    state = StoryState(clock=lambda: 0.0)
    crowded = {f"s{i}": float(i) for i in range(STORIES_PER_BUCKET)}
    state.buckets = {"0:common": dict(crowded), "1:common": dict(crowded), "2:rare": {"r": 0.0}}
    proposed = state.candidates(["0:common", "1:common", "2:rare"])
    assert proposed[0] == "r"
    assert len(proposed) == CANDIDATES
    assert proposed[1:3] == [f"s{STORIES_PER_BUCKET - 1}", f"s{STORIES_PER_BUCKET - 2}"]


def test_a_bucket_keeps_the_latest_stories() -> None:
    state = StoryState(clock=lambda: 0.0)
    for i in range(STORIES_PER_BUCKET + 3):
        text = f"{OTHER} {'Aftershock' * (i + 1)}"
        state.place(
            Placement(f"s{i}", signature(text), T0 + timedelta(minutes=i), frozenset({f"org:{i}"}))
        )
    sizes = {len(held) for held in state.buckets.values()}
    assert max(sizes) == STORIES_PER_BUCKET
    full = next(held for held in state.buckets.values() if len(held) == STORIES_PER_BUCKET)
    assert "s0" not in full
    assert f"s{STORIES_PER_BUCKET + 2}" in full


def test_an_undated_article_counts_as_the_latest_dated_one_offline() -> None:
    """No wall clock in the in-memory index: `newsdesk tag` gives the same output every run."""
    index = MemoryStoryIndex()
    assign_story(index, "a", signature(WIRE_A), T0, ANCHORS)
    assign_story(index, "q", signature(OTHER), None, frozenset({"place:Taiwan"}))
    scores = {s for held in index.state.buckets.values() for s in held.values()}
    assert scores == {T0.timestamp()}


# What shingles are, written plainly: the tagger finds the same set faster (it skips the CJK
# scans of text that has no CJK or Hangul), and every signature
# stored in a story index was made from this set, so it must not change by one word.
_REFERENCE_WORD = re.compile(r"[^\W\d_]{4,}")
_REFERENCE_HANGUL = re.compile(r"[가-힣]{2,}")


def _reference_shingles(text: str) -> set[str]:
    norm = unicodedata.normalize("NFKC", text).lower()
    out: set[str] = set()
    for run in CJK_RUN.findall(norm):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    spaced = CJK_RUN.sub(" ", norm)
    out.update(_REFERENCE_WORD.findall(spaced))
    out.update(_REFERENCE_HANGUL.findall(spaced))
    return out


_SCRIPTS = st.sampled_from(
    [
        "abcdé",
        "word",
        "ab",
        "々々",
        "Straße",
        "1_2 3",
        " ,.-’",
        "東京都",
        "カタカナー々",
        "서울시장",
        "Ωμέγα",
        "ｶﾀｶﾅ",
        "ǅ",
    ]
)


@example("々々 is a run of its own")  # the lowest code point the CJK scans must not skip
@example("서울 abc abcd 1234 東京都")
@given(st.lists(_SCRIPTS | st.text(max_size=8), max_size=30).map("".join))
def test_shingles_are_the_plain_definitions_set(text: str) -> None:
    assert shingles(text) == _reference_shingles(text)


def test_shingles_of_every_wire_fixture_are_the_plain_definitions() -> None:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(WIRE.rglob("*")) if p.is_file()]
    assert len(texts) > 80
    for text in texts:
        assert shingles(text) == _reference_shingles(text)


def test_bucket_names_are_the_ones_stored_in_redis() -> None:
    """The story index names its Redis keys by these digests: another digest for the same
    signature would cut every live story off from the articles that follow it."""
    names = buckets(signature(WIRE_A).hashvalues)
    assert len(names) == BANDS
    assert (names[0], names[-1]) == ("0:39cc85a5eed183c33cad", "27:f6062e881d1e17c0b425")


def test_bucket_names_are_the_digests_of_each_band_of_rows() -> None:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(WIRE.rglob("*")) if p.is_file()]
    for text in texts:
        values = signature(text).hashvalues
        assert buckets(values) == _reference_buckets(values)


def _reference_buckets(values: Any) -> list[str]:
    """Each band's rows copied out on their own, as the story index first named them."""
    out = []
    for band in range(BANDS):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        out.append(f"{band}:{hashlib.blake2b(rows, digest_size=10).hexdigest()}")
    return out
