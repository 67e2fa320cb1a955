"""The pipeline bench's building blocks (bench/pipeline): the articles it sends, the figures it
computes from arrival times, what it reads off the services. The bench itself runs the whole
system and is not run here; no timing is asserted."""

from __future__ import annotations

import itertools
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.pipeline import corpus, report
from bench.pipeline.observe import enricher_durations, redis_per_article
from bench.pipeline.phases import cpu_per_article
from bench.pipeline.sampling import frame_name, summarize
from bench.pipeline.stats import (
    decile_rates,
    edge_rates,
    edges,
    percentiles,
    split_by_windows,
    window_rate,
)
from bench.pipeline.system import cpu_seconds, memory_kb
from services.enricher.taggers.duplicates import (
    MemoryStoryIndex,
    assign_story,
    shingles,
    signature,
)
from services.enricher.taggers.stories import MIN_JACCARD

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pool() -> corpus.Pool:
    return corpus.load_pool(ROOT)


def text(article: dict[str, object]) -> str:
    return f"{article['headline']}\n\n{article['body_text']}"


def jaccard(a: dict[str, object], b: dict[str, object]) -> float:
    x, y = shingles(text(a)), shingles(text(b))
    return len(x & y) / len(x | y)


def stories(articles: list[dict[str, object]]) -> list[str]:
    """Story ids the enricher's clustering gives the articles, in order."""
    index = MemoryStoryIndex()
    return [
        assign_story(index, f"k{n}", signature(text(a)), NOW).story_id
        for n, a in enumerate(articles)
    ]


def test_pool_is_english_wire_sentences(pool: corpus.Pool) -> None:
    assert len(pool.sentences) > 500
    assert all(40 <= len(s) <= 300 and "\n" not in s for s in pool.sentences)
    assert {"said", "that", "with"} <= pool.common


def test_distinct_stories_are_news_sized_and_not_clustered(pool: corpus.Pool) -> None:
    made = corpus.distinct_stories(pool, 80, run="r", seed=1, published=NOW)
    sizes = [len(str(a["body_text"]).encode()) for a in made]
    assert min(sizes) >= 1300
    assert max(sizes) <= 2200
    assert len({a["guid"] for a in made}) == 80
    assert max(jaccard(a, b) for a, b in itertools.combinations(made, 2)) < MIN_JACCARD
    assert len(set(stories(made))) == 80
    assert str(made[0]["body_text"]).startswith(tuple(corpus.DATELINES))


def test_same_seed_gives_the_same_stories(pool: corpus.Pool) -> None:
    def make(seed: int) -> list[dict[str, object]]:
        return corpus.distinct_stories(pool, 5, run="r", seed=seed, published=NOW)

    assert make(3) == make(3)
    assert make(3) != make(4)


def test_near_duplicates_differ_per_copy_and_form_one_story(pool: corpus.Pool) -> None:
    copies = corpus.near_duplicates(pool, 40, run="r", seed=2, published=NOW)
    assert len({a["guid"] for a in copies}) == 40
    assert len({a["body_text"] for a in copies}) == 40
    assert len({a["headline"] for a in copies}) > 20
    numbers = {str(a["body_text"]).split("At least ")[1].split()[0] for a in copies}
    assert len(numbers) > 30
    assert min(jaccard(copies[0], b) for b in copies[1:]) >= MIN_JACCARD
    assert len(set(stories(copies))) == 1


def test_vary_swaps_uncommon_words_within_their_class() -> None:
    pool = corpus.build_pool(["Officials said the flooding damaged bridges and highways."])
    assert corpus.vary(pool.sentences[0], random.Random(1), pool, share=0.0) == pool.sentences[0]
    pool = corpus.Pool(
        pool.sentences,
        {"ing": ("raining",), "s": ("tunnels",), "ed": ("closed",), "Name": ("Tokyo",)},
        frozenset({"said"}),
    )
    varied = corpus.vary("Officials said the flooding damaged bridges.", random.Random(1), pool, 1)
    assert varied == "Officials said the raining closed tunnels."


def test_percentiles_are_inclusive_and_end_at_the_max() -> None:
    got = percentiles([float(n) for n in range(1, 101)])
    assert got == {"p50": 50.5, "p95": pytest.approx(95.05), "p99": 99.01, "max": 100.0}
    assert percentiles([7.0]) == {"p50": 7.0, "p95": 7.0, "p99": 7.0, "max": 7.0}
    assert percentiles([]) == {}


def test_rates_from_arrival_times() -> None:
    times = [n / 10 for n in range(20)]  # 10 per second
    assert window_rate(times, 0, 9) == pytest.approx(10)
    assert window_rate(times, 5, 5) is None
    first, last = edge_rates(list(reversed(times)), 100)  # halved: 10 and 10, never overlapping
    assert first == pytest.approx(10)
    assert last == pytest.approx(10)
    assert edges([1, 2, 3, 4, 5], 100) == ([1, 2], [4, 5])
    slowing = [sum(1 + k // 10 for k in range(n)) / 100 for n in range(100)]
    deciles = decile_rates(slowing)
    assert deciles[0] == pytest.approx(100)
    assert deciles[-1] == pytest.approx(10)


def test_enricher_durations_in_the_order_asked(tmp_path: Path) -> None:
    log = tmp_path / "enricher.log"
    log.write_text(
        '{"event":"service.started"}\n'
        '{"event":"article.enriched","article_id":"a","duration_ms":5.5}\n'
        '{"event":"article.already_enriched","article_id":"b","duration_ms":1}\n'
        '{"event":"article.enriched","article_id":"b","duration_ms":7}\n'
    )
    assert enricher_durations(log, ["b", "a", "missing"]) == [7.0, 5.5]


def test_enricher_durations_count_a_batch_busy_not_its_wait_for_the_one_before(
    tmp_path: Path,
) -> None:
    log = tmp_path / "enricher.log"
    log.write_text(
        '{"event":"article.enriched","article_id":"a","duration_ms":900,"busy_ms":400,"batch":100}\n'
    )
    assert enricher_durations(log, ["a"]) == [4.0]


def test_memory_of_a_live_process() -> None:
    mine = memory_kb(os.getpid())
    assert 0 < mine["anon_kb"] < mine["rss_kb"] <= mine["hwm_kb"]
    assert memory_kb(2**22 + 1) == {"rss_kb": 0, "hwm_kb": 0, "anon_kb": 0}


def test_memory_line_shows_anonymous_memory_beside_rss() -> None:
    peak = {
        "enricher": {"rss_kb": 204_800, "hwm_kb": 215_040, "anon_kb": 153_600},
        "ranking": {"rss_kb": 80_000, "hwm_kb": 81_920},  # saved before RssAnon was read
    }
    final = {"enricher": {"rss_kb": 196_608}}
    line = report._memory_lines({"peak": peak, "final": final})[0]
    assert "enricher 210 / 192 / 150" in line
    assert "ranking 80 / 0 / -" in line


def test_cpu_per_article_leaves_out_restarted_processes() -> None:
    before = {"enricher": 10.0, "ranking": 2.0, "gone": 1.0}
    after = {"enricher": 1.0, "ranking": 3.0, "ingest": 4.0}
    assert cpu_per_article(before, after, 100) == {"ranking": 10.0}
    assert cpu_seconds(os.getpid()) > 0
    assert cpu_seconds(2**22 + 1) == 0.0


def test_py_spy_stacks_summarised_per_function() -> None:
    raw = (
        "run (threading.py:10);tag_article (a/pipeline.py:5);get (a/story_index.py:70) 6\n"
        "run (threading.py:10);tag_article (a/pipeline.py:9) 4\n"
    )
    got = summarize(raw)
    assert got["samples"] == 10
    assert dict(got["inclusive"]) == {"tag_article (pipeline.py)": 1.0, "get (story_index.py)": 0.6}
    assert got["self"][0] == ("get (story_index.py)", 0.6)
    assert frame_name("MinHash.__init__ (/x/minhash.py:12)") == "MinHash.__init__ (minhash.py)"


def test_latency_curve_names_the_highest_rate_within_budget() -> None:
    def paced(rate: float, p99: float) -> dict[str, object]:
        return {
            "target_rate": rate,
            "ranked_rate": rate,
            "e2e_ms": {"p50": p99 / 3, "p99": p99},
            "cpu_ms_per_article": {"ingest": 2.0, "enricher": 5.0, "bench": 0.5},
        }

    lines = report._curve_lines([paced(100, 35.0), paced(150, 49.9), paced(200, 6000.0)])
    assert lines[1] == "     100/s -> 100.0/s, p50 11.7 / p99 35.0 ms, CPU 7.50 ms"
    assert lines[-2] == "  highest rate with p99 <= 50 ms: 150/s"
    none = report._curve_lines([paced(150, 51.0), paced(200, 6000.0)])
    assert none[-2] == "  highest rate with p99 <= 50 ms: none of these rates"
    assert report._curve_lines([paced(200, 6000.0)]) == []  # one rate: no curve


def test_latencies_split_by_the_rewrites_near_them() -> None:
    at = {"a": 10.0, "b": 12.5, "c": 13.9, "d": 14.1, "e": 20.0}
    values = {"a": 5.0, "b": 90.0, "c": 60.0, "d": 7.0, "e": 6.0}
    near, away = split_by_windows(at, values, [(12.0, 12.9)], after_s=1.0)
    assert sorted(near) == [60.0, 90.0]  # inside it, and 1.0 s after its end
    assert sorted(away) == [5.0, 6.0, 7.0]
    assert split_by_windows(at, values, [], after_s=1.0) == ([], list(values.values()))
    phase = {
        "aof_rewrites_s": [[2.0, 2.6]],
        "e2e_near_rewrites_ms": {"p50": 30.0, "p95": 80.0, "p99": 90.0, "max": 95.0, "articles": 2},
        "e2e_away_from_rewrites_ms": {
            "p50": 6.0,
            "p95": 7.0,
            "p99": 7.0,
            "max": 7.0,
            "articles": 3,
        },
    }
    (line,) = report._rewrite_split_lines(phase)
    assert "AOF rewrites at 2.0-2.6 s into the phase" in line
    assert "of the 2 articles POSTed during one or in the second after: p50 30.0" in line
    assert "of the other 3: p50 6.0 p95 7.0 p99 7.0 max 7.0 ms" in line
    no_rewrite = {**phase, "e2e_near_rewrites_ms": {"articles": 0}}
    assert report._rewrite_split_lines(no_rewrite) == []


def test_redis_commands_per_article_costliest_first() -> None:
    before = {"evalsha": (10, 5_000), "xadd": (4, 100), "ping": (1, 10)}
    after = {"evalsha": (30, 25_000), "xadd": (14, 600), "ping": (1, 10), "del": (10, 1_500)}
    rows = redis_per_article(before, after, count=10, top=2)
    assert rows == [
        {"command": "evalsha", "calls": 2.0, "usec": 2000.0},
        {"command": "del", "calls": 1.0, "usec": 150.0},
    ]
    assert redis_per_article(before, before, count=10) == []


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--burst", "0"], "argument --burst: must be more than 0, not 0"),
        (["--distinct", "-3"], "argument --distinct: must be more than 0, not -3"),
        (["--paced-rate", "50", "0"], "argument --paced-rate: must be more than 0, not 0"),
        (["--paced-rate", "1", "--paced-seconds", "1"], "sends fewer than 2 articles"),
    ],
)
def test_a_phase_left_with_nothing_to_measure_is_refused_by_name(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import bench_pipeline

    with pytest.raises(SystemExit):
        bench_pipeline.parse_args(argv)
    assert says in capsys.readouterr().err


def test_the_quick_run_passes_its_own_checks() -> None:
    from bench import bench_pipeline

    args = bench_pipeline.parse_args(["--quick"])
    assert (args.distinct, args.burst, args.paced_seconds) == (200, 100, 2.0)
