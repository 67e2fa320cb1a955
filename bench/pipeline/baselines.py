"""Same-run baselines for the service figures: the enricher's taggers alone in this process
(as bench_enricher.py runs them), and raw redis-py stream calls on the same payloads."""

from __future__ import annotations

import time
from typing import Any, cast

import redis.asyncio as aioredis

from bench.pipeline.stats import edges, median_or_none, percentiles, rate
from shared.models import Article, RawArticle, article_id


def offline_tagger(
    articles: list[dict[str, Any]], ids: list[str], edge: int, batch: int = 100
) -> dict[str, Any]:
    """tag_batch on the articles in order, in batches of `batch` (as the service reads and
    tags them) with one MemoryStoryIndex; `ids` are the ids ingest gave them, so stories
    match. Each article is charged its batch's time over the batch's size."""
    from services.enricher.taggers.duplicates import MemoryStoryIndex
    from services.enricher.taggers.pipeline import tag_batch

    models = [Article.model_validate(a) for a in articles]
    tag_batch([(models[0], "warm-up")], index=MemoryStoryIndex())
    index = MemoryStoryIndex()
    spent: list[float] = []
    pairs = list(zip(models, ids, strict=True))
    start, cpu = time.perf_counter(), time.process_time()
    for n in range(0, len(pairs), batch):
        chunk = pairs[n : n + batch]
        t0 = time.perf_counter()
        tag_batch(chunk, index=index)
        spent += [(time.perf_counter() - t0) * 1000 / len(chunk)] * len(chunk)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    first, last = edges(spent, edge)
    return {
        "articles": len(models),
        "rate": rate(len(models), total),
        "cpu_ms_per_article": cpu * 1000 / len(models),
        "ms": {"first": median_or_none(first), "last": median_or_none(last)} | percentiles(spent),
    }


def raw_payloads(articles: list[dict[str, Any]], producer: str) -> list[str]:
    """What ingest XADDs for each article: the RawArticle JSON in `__data__`."""
    out = []
    for doc in articles:
        model = Article.model_validate(doc)
        raw = RawArticle(
            id=article_id(producer, model.guid),
            producer=producer,
            content_hash=model.content_hash(),
            article=model,
        )
        out.append(raw.model_dump_json())
    return out


async def raw_redis(
    client: aioredis.Redis, stream: str, payloads: list[str], batch: int
) -> dict[str, Any]:
    """XADD pipelined `batch` at a time, then XREADGROUP `batch` entries + one XACK each
    time until every entry is acked: the floor under any service loop on these payloads."""
    start = time.perf_counter()
    for i in range(0, len(payloads), batch):
        async with client.pipeline(transaction=False) as pipe:
            for payload in payloads[i : i + batch]:
                pipe.xadd(stream, {"__data__": payload})
            await pipe.execute()
    added = time.perf_counter() - start
    await client.xgroup_create(stream, "bench", id="0")
    start, done = time.perf_counter(), 0
    while done < len(payloads):
        reply = cast(
            list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]],
            await client.xreadgroup("bench", "bench-1", {stream: ">"}, count=batch),
        )
        entries = reply[0][1]
        await client.xack(stream, "bench", *(entry_id for entry_id, _ in entries))
        done += len(entries)
    read = time.perf_counter() - start
    await client.delete(stream)
    return {
        "articles": len(payloads),
        "batch": batch,
        "payload_bytes": sum(len(p) for p in payloads) // len(payloads),
        "xadd_rate": rate(len(payloads), added),
        "read_ack_rate": rate(len(payloads), read),
        "rate": rate(len(payloads), added + read),
    }
