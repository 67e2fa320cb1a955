"""Enricher tagging throughput: articles/s per process, p50/p99 latency, cost per tagger, RSS.

Tags ~1.5 KB articles built from the labelled dev set and the wire fixtures (parsed with the
ingest parsers), in one process, single-threaded. The story index is reset at each pass over
the corpus so every article is a new story, as most are in a real feed.

    .venv/bin/python bench/bench_enricher.py [--articles 3000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline.corpus import repo_articles  # noqa: E402
from services.enricher.taggers import compiled  # noqa: E402
from services.enricher.taggers.duplicates import MemoryStoryIndex  # noqa: E402
from services.enricher.taggers.pipeline import tag_article  # noqa: E402
from shared.models import Article  # noqa: E402

TARGET_BYTES = 1500


def corpus() -> list[Article]:
    """Parsed in a child process: an enricher receives articles, it never loads the parsers,
    so their libraries must not count in the resident memory measured here."""
    dumped = subprocess.run(
        [sys.executable, __file__, "--dump-corpus"], check=True, capture_output=True
    ).stdout
    return [Article.model_validate_json(line) for line in dumped.splitlines()]


def _build_corpus() -> list[Article]:
    """Real articles, each cut or repeated to about 1.5 KB of body text."""
    out: list[Article] = []
    for article in repo_articles(ROOT):
        if len(article.body_text.encode()) < 300:
            continue
        body = article.body_text
        while len(body.encode()) < TARGET_BYTES:
            body += "\n\n" + article.body_text
        body = body.encode()[:TARGET_BYTES].decode("utf-8", "ignore")
        out.append(article.model_copy(update={"body_text": body}))
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--dump-corpus", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump_corpus:
        for article in _build_corpus():
            sys.stdout.write(article.model_dump_json() + "\n")
        return
    articles = corpus()
    start = time.perf_counter()
    tag_article(articles[0], index=MemoryStoryIndex(), article_id="warm-up")
    warm_s = time.perf_counter() - start
    timings: dict[str, float] = {}
    latencies: list[float] = []
    index = MemoryStoryIndex()
    begin = time.perf_counter()
    for n in range(args.articles):
        if n % len(articles) == 0:
            index = MemoryStoryIndex()
        article = articles[n % len(articles)]
        t0 = time.perf_counter()
        tag_article(article, index=index, article_id=f"a{n}", timings=timings)
        latencies.append(time.perf_counter() - t0)
    total = time.perf_counter() - begin
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"corpus: {len(articles)} distinct articles of ~{TARGET_BYTES} bytes;"
        f" tagged {args.articles}"
    )
    print(f"start-up (automata, lingua, first article): {warm_s * 1000:.0f} ms")
    print(f"taggers: {compiled.describe()}")
    print(f"throughput: {args.articles / total:.0f} articles/s per process")
    print(
        f"latency per article: p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
        f" max {latencies[-1] * 1000:.2f} ms"
    )
    print("cost per tagger (mean ms per article, share):")
    spent = sum(timings.values())
    for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<11} {seconds / args.articles * 1000:6.3f} ms  {seconds / spent:6.1%}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
