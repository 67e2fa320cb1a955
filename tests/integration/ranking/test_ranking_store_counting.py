"""Counting against a real Redis: totals, lists, unknown articles, bots, repeat readers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.ranking.domain.repeat_filter import bloom_word, reader_token
from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CHATGPT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0)"
CHROME = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"


async def test_views_land_in_every_list_and_the_total(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await store.upsert_article(article("a2", section="Business", people=("Toyoda",)))
    result = await feed.views(
        [view("a1", reader=f"r{n}", user_agent=CHROME) for n in range(10)]
        + [view("a2") for _ in range(3)]
    )
    assert (result.counted, result.total) == (13, 13)
    for window in ("1h", "24h", "7d", "today", "week", "all"):
        items = await store.top(scope="site", window=window, limit=5, now=NOW)
        assert [(i.id, i.views) for i in items] == [("a1", 10), ("a2", 3)], window
    world = await store.top(scope="section:WORLD", window="24h", limit=5, now=NOW)
    assert [(i.rank, i.id, i.headline, i.section, i.views) for i in world] == [
        (1, "a1", "Headline a1", "World", 10)
    ]
    assert world[0].url == "https://news.example/a1"
    assert world[0].score > 0
    about = await store.top(scope="person:Fumio Kishida", window="1h", limit=5, now=NOW)
    assert [i.id for i in about] == ["a1"]
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert (stats["views"], stats["unique_readers"]) == (10, 10)
    assert stats["windows"]["yesterday"] == 0
    assert stats["rank_in_section"]["rank"] == 1


async def test_a_killed_article_is_acked_and_appears_nowhere(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("nope", status="canceled"))
    result = await feed.views([view("nope"), view("nope")])
    assert (result.unknown, result.counted, result.held) == (2, 0, 0)
    assert await store.top(scope="site", window="all", limit=5, now=NOW) == []
    assert await store.article_stats("nope", NOW) is None
    assert await feed.redis.xpending(feed.keys.views, "ranking") == {
        "pending": 0,
        "min": None,
        "max": None,
        "consumers": [],
    }


async def test_bots_are_rejected_but_acked(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    result = await feed.views(
        [view("a1", user_agent=GOOGLEBOT), view("a1", user_agent=CHATGPT), view("a1")]
    )
    assert (result.rejected_bots, result.counted) == (2, 1)
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert stats["views"] == 1
    assert (await feed.redis.xpending(feed.keys.views, "ranking"))["pending"] == 0


async def test_a_repeat_reader_counts_once_per_interval(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await store.upsert_article(article("a2"))
    first = await feed.views([view("a1", reader="r1"), view("a1", reader="r1")])
    assert (first.counted, first.rejected_repeat) == (1, 1)
    later = NOW + timedelta(minutes=20)
    again = await feed.views(
        [view("a1", reader="r1", ts=later), view("a2", reader="r1", ts=later)], later
    )
    assert (again.counted, again.rejected_repeat) == (1, 1)  # a2 is another article
    much_later = NOW + timedelta(hours=2)
    back = await feed.views([view("a1", reader="r1", ts=much_later)], much_later)
    assert back.counted == 1
    stats = await store.article_stats("a1", much_later)
    assert stats is not None
    assert stats["views"] == 4  # every human view of a known article
    assert stats["windows"]["all"] == 2  # the lists count the reader once per interval
    assert stats["unique_readers"] == 1


async def test_views_without_reader_are_not_filtered(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    result = await feed.views([view("a1") for _ in range(5)])
    assert result.counted == 5


async def test_a_late_view_is_judged_by_its_own_slot(store: RankingStore, feed: Feed) -> None:
    """Slots of 30 min: a view timed in the previous slot is a repeat only if the reader
    was seen in that slot, and it marks that slot, not the current one."""
    await store.upsert_article(article("a1"))
    slot_s = store.params.reader_repeat_interval_s
    start = datetime.fromtimestamp(NOW.timestamp() // slot_s * slot_s, UTC)  # a slot begins
    before, after = start - timedelta(minutes=5), start + timedelta(minutes=5)
    assert (await feed.views([view("a1", reader="r1", ts=before)], before)).counted == 1
    late = await feed.views([view("a1", reader="r1", ts=before)], after)  # seen in its slot
    assert (late.counted, late.rejected_repeat) == (0, 1)
    assert (await feed.views([view("a1", reader="r2", ts=after)], after)).counted == 1
    late_new = await feed.views([view("a1", reader="r2", ts=before)], after)
    assert late_new.counted == 1  # r2 is in the current slot only: new to the previous one
    again = await feed.views([view("a1", reader="r2", ts=before)], after)
    assert again.rejected_repeat == 1  # ... and now marked there


async def test_a_reader_marks_the_bloom_word_python_names(store: RankingStore, feed: Feed) -> None:
    """Python sends each reader's word, Lua takes the bits from the token: the one bitmap
    written holds exactly those 3 bits in that word (the contract between the two)."""
    await store.upsert_article(article("a1"))
    await feed.views([view("a1", reader="r1")])
    bits = store.params.repeat_filter_bits_log2
    word, mask = bloom_word(reader_token("r1", "a1"), bits)
    slot = int(NOW.timestamp()) // store.params.reader_repeat_interval_s
    bitmap = await feed.redis.get(feed.keys.ranking("seen", str(slot)))
    assert bitmap is not None
    assert len(bitmap) <= (1 << bits) // 8
    marked = int.from_bytes(bitmap.ljust((1 << bits) // 8, b"\0"), "big")
    assert marked == mask << (((1 << bits) // 32 - 1 - word) * 32)
