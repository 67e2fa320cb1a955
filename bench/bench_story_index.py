"""Story index bench: the cost of placing an article as its story grows, on the real Redis.

A burst of near-duplicates (one wire body, each copy with ~3% of its words dropped and two of
its own, a minute apart) and a stream of distinct articles (see `distinct`; `--crowded` adds
the worst case for the bucket caps). At the 1st, 500th, 1000th and 2000th article the index
places articles alone (`assign([one])`) and in batches of 100 (the enricher loop's path),
beside a same-run baseline on the same Redis state: raw redis-py sending the one pipelined
round trip every lookup needs at least (the article's record and its 28 LSH buckets).
Signatures are made before timing: the bench times the index, not MinHash. Each round fills
one fresh index per checkpoint (unique prefixes, deleted at the end) and then interleaves the
measurements across them; figures are medians over `--rounds` x `--window` articles from the
checkpoint on, so "1" covers the 1st to the 5th.

    .venv/bin/python bench/bench_story_index.py [--rounds 8] [--window 5] [--crowded]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.enricher.story_index import RedisStoryIndex  # noqa: E402
from services.enricher.taggers.duplicates import Placement, signature  # noqa: E402
from services.enricher.taggers.stories import buckets  # noqa: E402
from shared.keys import Keys  # noqa: E402

URL = os.environ.get("NEWSDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CHECKPOINTS = (1, 500, 1000, 2000)
BATCH = 100
LETTERS = "abcdefghijklmnopqrstuvwxyz"
T0 = datetime(2024, 6, 6, 12, 0, tzinfo=UTC)
WIRE = ROOT / "tests/data/eval/dev/04-ecb-first-rate-cut.txt"


class Counting(redis.Connection):
    """Counts round trips (one send each) and commands, to report them beside the times."""

    round_trips = 0
    commands = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        Counting.round_trips += 1
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        Counting.commands += 1
        super().send_command(*args, **kwargs)  # type: ignore[no-untyped-call]

    def pack_commands(self, commands: Any) -> Any:
        Counting.commands += len(commands)
        return super().pack_commands(commands)  # type: ignore[no-untyped-call]


def burst(n: int) -> list[Placement]:
    words = WIRE.read_text().split()
    out = []
    for i in range(n):
        rng = random.Random(i)
        edited = [w for w in words if rng.random() > 0.03]
        edited += ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(2)]
        when = T0 + timedelta(minutes=i)
        anchors = frozenset({"org:European Central Bank", "person:Christine Lagarde"})
        out.append(Placement(f"c{i}", signature(" ".join(edited)), when, anchors))
    return out


def distinct(n: int) -> list[Placement]:
    """Bodies of 250 words drawn from a Zipf-distributed vocabulary of 30,000 made-up words:
    common words are shared as in one language's news (each article meets ~30 stories in its
    LSH buckets after 200 articles; the dev set's multilingual articles meet ~2)."""
    rng = random.Random(7)
    vocab = ["".join(rng.choices(LETTERS, k=rng.randint(4, 10))) for _ in range(30_000)]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))
    return [_random_article(f"d{i}", i, vocab, cumulative, 250) for i in range(n)]


def crowded(n: int) -> list[Placement]:
    """The worst case for bucket caps: 220 words drawn by frequency from the dev set's small
    vocabulary, so every article shares buckets with hundreds of stories."""
    text = " ".join(p.read_text() for p in sorted((ROOT / "tests/data/eval/dev").glob("*.txt")))
    freq = Counter(w.lower() for w in re.findall(r"[^\W\d_]{4,}", text))
    cumulative = [float(c) for c in itertools.accumulate(freq.values())]
    return [_random_article(f"x{i}", i, list(freq), cumulative, 220) for i in range(n)]


def _random_article(
    key: str, i: int, vocab: list[str], cumulative: list[float], k: int
) -> Placement:
    body = " ".join(random.Random(10_000 + i).choices(vocab, cum_weights=cumulative, k=k))
    # Names of their own: these are other stories even where their words overlap.
    return Placement(key, signature(body), T0 + timedelta(minutes=i), frozenset({f"org:{i}"}))


def baseline(client: redis.Redis, keys: Keys, placement: Placement) -> None:
    """The least a lookup sends: the article's record and its buckets, one round trip."""
    with client.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.story(placement.key), ["story_id", "published_at"])
        for bucket in buckets(placement.hashvalues()):
            pipe.zrange(keys.story_bucket(bucket), 0, -1, withscores=True)
        pipe.execute()


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, this process's CPU) seconds: the CPU part is what other load on the machine
    inflates least."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class Point:
    """What the rounds measured at one checkpoint: seconds per article."""

    alone: list[float] = field(default_factory=list)
    alone_cpu: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)  # the same article, just before
    batched: list[float] = field(default_factory=list)  # per article of a batch of BATCH
    trips: list[int] = field(default_factory=list)  # per article placed alone
    commands: list[int] = field(default_factory=list)
    batch_trips: list[int] = field(default_factory=list)


Points = dict[int, Point]


def place_alone(client: redis.Redis, index: RedisStoryIndex, p: Placement, point: Point) -> None:
    point.baseline.append(timed(lambda: baseline(client, index.keys, p))[0])
    trips, commands = Counting.round_trips, Counting.commands
    wall, cpu = timed(lambda: index.assign([p]))
    point.alone.append(wall)
    point.alone_cpu.append(cpu)
    point.trips.append(Counting.round_trips - trips)
    point.commands.append(Counting.commands - commands)


def one_round(client: redis.Redis, articles: list[Placement], window: int, out: Points) -> None:
    """One index per checkpoint, each filled to it; then every measurement is interleaved
    across them, so the machine's drift weighs on every checkpoint alike."""
    indexes = {
        at: RedisStoryIndex(client, Keys(prefix=f"bench-story-{uuid.uuid4().hex[:8]}"))
        for at in CHECKPOINTS
    }
    try:
        for at, index in indexes.items():
            for start in range(0, at - 1, BATCH):
                index.assign(articles[start : min(start + BATCH, at - 1)])
        for step in range(window):
            for at, index in indexes.items():
                place_alone(client, index, articles[at - 1 + step], out[at])
        for at, index in indexes.items():
            batch = articles[at - 1 + window : at - 1 + window + BATCH]
            trips = Counting.round_trips
            out[at].batched.append(timed(partial(index.assign, batch))[0] / BATCH)
            out[at].batch_trips.append(Counting.round_trips - trips)
    finally:
        for index in indexes.values():
            found = list(client.scan_iter(match=index.keys.all_pattern(), count=1000))
            for start in range(0, len(found), 1000):
                client.delete(*found[start : start + 1000])


def report(name: str, points: Points, target: str) -> None:
    print(f"\n{name}: ms per article (medians)")
    print(
        f"{'article':>8} {'alone':>7} {'CPU':>6} {'baseline':>9} {'ratio':>6} {'batched':>8}"
        "  round trips (commands)"
    )
    alone, cpu = {}, {}
    for at, point in points.items():
        alone[at] = statistics.median(point.alone) * 1000
        cpu[at] = statistics.median(point.alone_cpu) * 1000
        base = statistics.median(point.baseline) * 1000
        batched = statistics.median(point.batched) * 1000
        print(
            f"{at:>8} {alone[at]:7.3f} {cpu[at]:6.3f} {base:9.3f} {alone[at] / base:6.2f}"
            f" {batched:8.3f}  {max(point.trips)} ({max(point.commands)}) per article,"
            f" {max(point.batch_trips)} per batch of {BATCH}"
        )
    last = CHECKPOINTS[-1]
    print(
        f"article {last} / article 1, alone: {alone[last] / alone[1]:.2f}x wall,"
        f" {cpu[last] / cpu[1]:.2f}x CPU{target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--crowded", action="store_true", help="add the worst case for caps")
    args = parser.parse_args()
    size = CHECKPOINTS[-1] + args.window + BATCH
    pool = redis.ConnectionPool.from_url(URL, connection_class=Counting)
    client = redis.Redis(connection_pool=pool)
    # Distinct articles cost more as the buckets fill up to their caps, then stay there.
    sets = [
        ("near-duplicates of one story", burst(size), " (target <= 1.5x)"),
        ("distinct articles", distinct(size), ""),
    ]
    if args.crowded:
        sets.append(("distinct articles, crowded buckets", crowded(size), ""))
    for name, articles, target in sets:
        points: Points = {at: Point() for at in CHECKPOINTS}
        for _ in range(args.rounds):
            one_round(client, articles, args.window, points)
        report(name, points, target)
    client.close()


if __name__ == "__main__":
    main()
