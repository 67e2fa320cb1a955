"""Counting views into Redis: a batch script that counts and acks, a fold into the lists.

`count` is the hot path: one Lua script per batch acks it and counts only the entries that
script acked (exactly once in effect), and leaves one pending count per (article, minute)
for the lists. `fold` adds pending counts to every list, window and ledger, a few
shards per script so that no script holds Redis for long; the consumer folds every
`fold_interval_s`, so lists trail the stream by about that much (they are cached for a few
seconds anyway), while per-article totals fold their own shard on read and are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.ranking.domain import windows as win
from services.ranking.domain.bots import BotFilter
from services.ranking.domain.decay import Decay
from services.ranking.domain.repeat_filter import RepeatFilter, reader_token, word_offset
from services.ranking.domain.results import CountResult
from services.ranking.domain.view_entries import View
from services.ranking.store.scripts import HeldViews, RankingScripts, text
from shared.consumer.handler import FreshRead

FOLD_BUDGET_ROWS = 400  # ~25 µs a row: a fold script holds Redis ~10 ms at most
# (article, minute) -> entry ids, reader tokens, and their Bloom word offsets (filter on)
Groups = dict[tuple[str, int], tuple[list[bytes | str], list[bytes], list[bytes]]]


class ViewCounter:
    """Writes of the views path; every key under `prefix` (one hash tag: one cluster slot)."""

    def __init__(
        self,
        scripts: RankingScripts,
        *,
        clock: win.DayClock,
        decay: Decay,
        repeat: RepeatFilter,
        bots: BotFilter,
        held: HeldViews,
    ) -> None:
        self.scripts = scripts
        self.clock = clock
        self.decay = decay
        self.repeat = repeat
        self.bots = bots
        self.held = held

    async def count(
        self,
        stream: str,
        group: str,
        views: Sequence[View],
        now: datetime,
        fresh: FreshRead | None = None,
    ) -> CountResult:
        """Counts a batch and XACKs it in one script: each entry counts once or not at all.

        `fresh` says the batch is one XREADGROUP '>' of that consumer, which lets the script
        ack it with one XACK when nobody can have claimed any of it (see counting.lua)."""
        if not views:
            return CountResult()
        now_ts = now.timestamp()
        bots, groups = self._group(views, now_ts)
        args: list[Any] = [group, now_ts, self.repeat.interval_s, *(fresh or ("", 0))]
        args += [self.held.hold_s, self.held.max_articles]
        ids = bots[:]
        for group_ids, _, _ in groups.values():
            ids += group_ids
        args += [len(bots), len(ids), *ids]
        day_of = self.clock.day_of_minute
        for (article_id, minute), (_, tokens, offsets) in groups.items():
            args += [article_id, minute, day_of(minute), len(tokens), *tokens, *offsets]
        return CountResult(*await self.scripts.count(stream, args))

    def _group(self, views: Sequence[View], now_ts: float) -> tuple[list[bytes | str], Groups]:
        """Bots apart; the rest grouped per (article, minute) so Lua adds each count once.
        While the repeat filter is on, each reader token comes with its Bloom word offset."""
        is_bot = self.bots.is_bot
        bits, filtering = self.repeat.bits_log2, self.repeat.enabled
        bots: list[bytes | str] = []
        groups: Groups = {}
        for entry_id, article_id, ts, reader_id, user_agent in views:
            if user_agent and is_bot(user_agent):
                bots.append(entry_id)
                continue
            key = (article_id, int((now_ts if ts > now_ts else ts) // 60))
            group = groups.get(key)
            if group is None:
                group = groups[key] = ([], [], [])
            group[0].append(entry_id)
            token = reader_token(reader_id, article_id) if reader_id else b""
            group[1].append(token)
            if filtering:
                group[2].append(word_offset(token, bits) if token else b"")
        return bots, groups

    async def fold(
        self, now: datetime, *, articles: Sequence[str] = (), budget: int = FOLD_BUDGET_ROWS
    ) -> int:
        """Folds every pending shard (or only those of `articles`); returns rows folded."""
        clock = self.clock.now(now)
        folded, _calls, t0 = await self.scripts.fold(
            clock, self.decay.rate, budget, articles=articles
        )
        if t0 is not None and self.decay.needs_rebase(t0, clock.ts):
            await self.rebase(now)
        return folded

    async def rebase(self, now: datetime) -> bool:
        """Moves the trending landmark to `now`; a no-op if another process just did."""
        old = await self.scripts.redis.get(self.scripts.key("trend", "t0"))
        if old is None:
            return False
        new_t0 = int(now.timestamp())
        factor = self.decay.rebase_factor(float(old), new_t0)
        purge = self.decay.purge_threshold()
        return await self.scripts.rebase(text(old), new_t0, factor, purge)
