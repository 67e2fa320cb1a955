"""Scope lists (a section, a person) and an article's rank in its section, checked against
the same order worked out here from what was sent: a large scope is answered by walking the
site-wide list, a small one from its own members, and both must agree with brute force."""

from __future__ import annotations

import pytest

from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view

ARTICLES = 80


def sent_views(n: int) -> int:
    return n % 17 + 1  # ties on purpose: equal counts keep Redis's order (id descending)


def expected(ids: list[str]) -> list[tuple[str, int]]:
    rows = [(aid, sent_views(int(aid[1:]))) for aid in ids]
    return sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)


@pytest.fixture
async def scoped(store: RankingStore, feed: Feed) -> dict[str, list[str]]:
    scopes: dict[str, list[str]] = {"section:world": [], "section:sports": [], "person:Small": []}
    for n in range(ARTICLES):
        section = "World" if n % 4 else "Sports"
        people = ("Small",) if n in (7, 8) else ("Big",)
        await store.upsert_article(article(f"a{n:02}", section=section, people=people))
        scopes[f"section:{section.lower()}"].append(f"a{n:02}")
        if people == ("Small",):
            scopes["person:Small"].append(f"a{n:02}")
    views = [
        view(f"a{n:02}", reader=f"r{n}-{k}") for n in range(ARTICLES) for k in range(sent_views(n))
    ]
    await feed.views(views)
    return scopes


@pytest.mark.parametrize("limit", [1, 5, 30, 100])
@pytest.mark.parametrize("scope", ["section:world", "section:sports", "person:Small"])
async def test_scope_lists_match_brute_force(
    store: RankingStore, scoped: dict[str, list[str]], scope: str, limit: int
) -> None:
    got = await store.top(scope=scope, window="24h", limit=limit, now=NOW)
    assert [(i.id, i.views) for i in got] == expected(scoped[scope])[:limit]
    assert [i.rank for i in got] == list(range(1, len(got) + 1))


async def test_rank_in_section_matches_brute_force(
    store: RankingStore, scoped: dict[str, list[str]]
) -> None:
    for section in ("section:world", "section:sports"):
        order = [aid for aid, _ in expected(scoped[section])]
        for aid in order[:3] + order[len(order) // 2 : len(order) // 2 + 2] + order[-2:]:
            stats = await store.article_stats(aid, NOW)
            assert stats is not None
            assert stats["rank_in_section"]["rank"] == order.index(aid) + 1, aid
