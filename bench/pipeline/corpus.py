"""Articles for the pipeline bench: distinct stories, and a burst of near-copies of one story.

Bodies are real English wire sentences (from tests/data) drawn at random behind a generated
dateline, about 1.5 KB each: the taggers see real vocabulary, names and places, and two
distinct stories share about as many words as two real unrelated stories do. Only LSH's
proposals grow with the count: shingles are content words and its threshold favours
recall, so as thousands of stories accumulate their buckets fill (an article's buckets name
~10 earlier articles among the first 500, ~230 by the 5,000th) until the index's caps hold
them, as a busy day's real index would. A near-copy is the story as another desk rewrites
it: a new headline, a sentence or two swapped, a different number.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.models import Article

TARGET_BYTES = 1500
SHARE_SWAPPED = 0.6
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘])")
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "was",
        "for",
        "that",
        "with",
        "on",
        "by",
        "from",
        "has",
        "have",
    ]
)
DATELINES = (
    "LONDON", "PARIS", "BERLIN", "TOKYO", "SEOUL", "NAIROBI", "CAIRO", "LIMA", "MADRID",
    "ROME", "OTTAWA", "CANBERRA", "JAKARTA", "MANILA", "WARSAW", "ATHENS", "DUBLIN", "OSLO",
    "BRUSSELS", "GENEVA", "LAGOS", "MEXICO CITY", "SAO PAULO", "BUENOS AIRES", "NEW DELHI",
)  # fmt: skip
AGENCIES = ("Reuters", "AP", "AFP", "Newsdesk")
SECTIONS = ("World", "Business", "Politics", "Sports", "Technology", "Health", "Science")
DESKS = ("UPDATE 1", "UPDATE 2", "REFILE", "Breaking", "Live", "Analysis", "Explainer")
COUNTED = ("people", "residents", "workers", "families", "officials", "passengers", "homes")
MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.")


# Words a shingle is made of; the most frequent ones are the language's, so they stay.
_WORD = re.compile(r"\b[A-Za-z][a-z]{3,}\b")
KEEP_COMMON = 150
_SUFFIXES = ("ing", "ed", "ly", "tion", "ment", "ness", "ity", "al", "ous", "ive", "er", "s")


def word_class(word: str) -> str:
    """A rough part of speech by spelling, so a swapped word keeps the sentence's shape."""
    if word[0].isupper():
        return "Name"
    return next((s for s in _SUFFIXES if word.endswith(s)), "")


@dataclass(frozen=True)
class Pool:
    """Real English sentences, and their vocabulary by word class for `vary`."""

    sentences: tuple[str, ...]
    words: dict[str, tuple[str, ...]]
    common: frozenset[str]


def build_pool(sentences: list[str]) -> Pool:
    counts = Counter(m.group(0) for s in sentences for m in _WORD.finditer(s))
    lower = Counter({w: n for w, n in counts.items() if w.islower()})
    common = frozenset(w for w, _ in lower.most_common(KEEP_COMMON))
    classes: dict[str, list[str]] = {}
    for word in sorted(counts):
        if word not in common:
            classes.setdefault(word_class(word), []).append(word)
    return Pool(tuple(sentences), {k: tuple(v) for k, v in classes.items()}, common)


def vary(sentence: str, rng: random.Random, pool: Pool, share: float) -> str:
    """Swaps about `share` of the uncommon words for others of their class: the pool has
    ~1,400 sentences, too few for thousands of stories that share no more than real ones."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if match.start() == 0 or word in pool.common or rng.random() >= share:
            return word
        return rng.choice(pool.words.get(word_class(word)) or (word,))

    return _WORD.sub(swap, sentence)


def english_sentences(bodies: Iterable[str]) -> list[str]:
    """Sentences of 40-300 characters that read as English (two common function words)."""
    out: set[str] = set()
    for body in bodies:
        for sentence in _SPLIT.split(body):
            flat = " ".join(sentence.split())
            words = set(flat.lower().split())
            if 40 <= len(flat) <= 300 and len(words & _FUNCTION_WORDS) >= 2:
                out.add(flat)
    return sorted(out)


def repo_articles(root: Path) -> Iterator[Article]:
    """Every article the labelled dev set and the wire fixtures in `root` parse into."""
    from services.ingest.parsers import parse_bytes
    from shared.errors import ParseError

    for folder in ("tests/data/eval/dev", "tests/data/wire"):
        for path in sorted((root / folder).rglob("*")):
            if not path.is_file() or path.suffix in {".md", ".jsonl"}:
                continue
            try:
                items = parse_bytes(path.read_bytes(), filename=path.name)
            except ParseError:
                continue
            yield from (i.article for i in items if i.article is not None)


def load_pool(root: Path) -> Pool:
    """Every English sentence of the wire fixtures and the labelled dev set in `root`."""
    return build_pool(english_sentences(a.body_text for a in repo_articles(root)))


def _headline(sentence: str, rng: random.Random) -> str:
    words = sentence.rstrip('.!?"”').split()
    return " ".join(words[: rng.randint(7, 11)])


def _dateline(rng: random.Random, published: datetime) -> str:
    month = MONTHS[(published.month - 1) % len(MONTHS)]
    return f"{rng.choice(DATELINES)}, {month} {published.day} ({rng.choice(AGENCIES)}) - "


def _body(sentences: list[str], dateline: str) -> str:
    """Paragraphs of two or three sentences, the first behind the dateline."""
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return dateline + "\n\n".join(paragraphs)


def _sentence(pool: Pool, rng: random.Random) -> str:
    return vary(rng.choice(pool.sentences), rng, pool, SHARE_SWAPPED)


def _fill(pool: Pool, rng: random.Random, start: list[str]) -> list[str]:
    """Adds random (varied) pool sentences until the body reaches about TARGET_BYTES."""
    chosen = list(start)
    size = sum(len(s.encode()) + 1 for s in chosen)
    while size < TARGET_BYTES - 60:
        sentence = _sentence(pool, rng)
        chosen.append(sentence)
        size += len(sentence.encode()) + 1
    return chosen


def article(
    guid: str, headline: str, body: str, section: str, published: datetime
) -> dict[str, Any]:
    """A canonical JSON article as a producer posts it (no language: the enricher detects it)."""
    return {
        "guid": guid,
        "version": 1,
        "headline": headline,
        "byline": "Bench Reporter",
        "section": section,
        "published_at": published.isoformat().replace("+00:00", "Z"),
        "body_text": body,
    }


def distinct_stories(
    pool: Pool, count: int, *, run: str, seed: int, published: datetime, tag: str = "d"
) -> list[dict[str, Any]]:
    """`count` unrelated stories; the same seed gives the same stories."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        sentences = _fill(pool, rng, [])
        out.append(
            article(
                f"urn:bench:{run}:{tag}:{n}",
                _headline(sentences[0], rng),
                _body(sentences, _dateline(rng, published)),
                rng.choice(SECTIONS),
                published,
            )
        )
    return out


def _number_sentence(rng: random.Random) -> str:
    return (
        f"At least {rng.randint(12, 9_999):,} {rng.choice(COUNTED)} were affected, "
        "officials said on Tuesday."
    )


def near_duplicates(
    pool: Pool, count: int, *, run: str, seed: int, published: datetime
) -> list[dict[str, Any]]:
    """`count` versions of one story by different desks, each a separate article (own guid):
    a new headline, one or two sentences replaced, and a different number of those hit."""
    rng = random.Random(seed)
    base = _fill(pool, rng, [_number_sentence(rng)])
    headline = _headline(base[1], rng)
    dateline = _dateline(rng, published)
    section = rng.choice(SECTIONS)
    out = []
    for n in range(count):
        sentences = [_number_sentence(rng), *base[1:]]
        for position in rng.sample(range(1, len(sentences)), rng.randint(1, 2)):
            sentences[position] = _sentence(pool, rng)
        title = f"{rng.choice(DESKS)}: {headline} ({rng.randint(2, 99)} reports)"
        out.append(
            article(
                f"urn:bench:{run}:burst:{n}",
                title,
                _body(sentences, dateline),
                section,
                published,
            )
        )
    return out
