"""`newsdesk status`, `newsdesk dlq …` and `newsdesk replay`: the operator's commands."""

from __future__ import annotations

import argparse
import asyncio
import sys

import httpx
import orjson

from newsdesk.runner import SERVICES
from services.ranking.store.shards import RankingShards
from shared.broker import RedisClient, make_redis
from shared.deadletter import (
    get_dead_letter,
    list_dead_letters,
    purge_dead_letters,
    retry_dead_letters,
)
from shared.keys import GROUP_ENRICHER, GROUP_RANKING
from shared.operations import id_from, rewind_group, stream_status
from shared.payloads import entry_json
from shared.settings import Settings

STREAM_GROUPS = {
    "articles.raw": GROUP_ENRICHER,
    "articles.enriched": GROUP_RANKING,
    "views": GROUP_RANKING,
}


def _streams(settings: Settings, short: str, shard: int | None = None) -> list[str]:
    """Every shard's stream of a kind, or the one shard asked for (`--shard`)."""
    if short not in STREAM_GROUPS:
        raise SystemExit(f"newsdesk: unknown stream {short!r}; one of {', '.join(STREAM_GROUPS)}")
    keys = settings.keys
    if shard is not None and not 0 <= shard < keys.shards:
        raise SystemExit(f"newsdesk: --shard must be 0..{keys.shards - 1}")
    shards = keys.all_shards() if shard is None else [keys.shard(shard)]
    return [{"articles.raw": s.raw, "articles.enriched": s.enriched, "views": s.views}[short]
            for s in shards]  # fmt: skip


def health_state(service: str, resp: httpx.Response) -> str:
    """What a readiness answer says; an answer that is not this service's own (another
    program on the port, a proxy's error page) says so instead of passing for one."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("service") != service:
        kind = resp.headers.get("content-type", "no content type").split(";")[0]
        return (
            f"NOT newsdesk {service}: something else answers here (HTTP {resp.status_code}, {kind})"
        )
    if resp.status_code == 200:
        return "ready"
    return f"NOT READY: {'; '.join(map(str, body.get('reasons') or [])) or resp.status_code}"


def _service_health(settings: Settings) -> list[str]:
    lines = []
    for service in SERVICES:
        url = f"http://{settings.host}:{settings.port_for(service)}/health/ready"
        try:
            state = health_state(service, httpx.get(url, timeout=1.0))
        except httpx.HTTPError:
            state = "down (no answer)"
        lines.append(f"{service:<9} {url}  {state}")
    return lines


async def _status(settings: Settings) -> int:
    redis = make_redis(settings)
    try:
        rows = await stream_status(redis, settings.keys.streams())
        held = await RankingShards.of(redis, settings.keys).held_articles()
    finally:
        await redis.aclose()
    print(
        f"{'stream':<28} {'group':<9} {'length':>8} {'lag':>6} {'pending':>7} "
        f"{'oldest':>8} {'consumers':>9} {'dlq':>5}"
    )
    for r in rows:
        oldest = f"{r.oldest_pending_age_s:.0f}s" if r.oldest_pending_age_s is not None else "-"
        lag = "-" if r.lag is None else str(r.lag)
        print(
            f"{r.stream:<28} {r.group:<9} {r.length:>8} {lag:>6} {r.pending:>7} "
            f"{oldest:>8} {r.consumers:>9} {r.dlq:>5}"
        )
    print()
    print(_held_line(held, settings))
    print()
    print("\n".join(_service_health(settings)))
    return 0


def _held_line(held: int, settings: Settings) -> str:
    """Why it matters: a count near the cap means views of new articles start counting
    nowhere; a count that never falls means articles whose views arrive never do."""
    hold_h = settings.views_hold_s / 3600
    return (
        f"views held for articles ranking does not know yet: {held} articles "
        f"(cap {settings.views_hold_max_articles}, each held {hold_h:g} h from its first view)"
    )


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_status(settings))


async def _dlq(args: argparse.Namespace, settings: Settings) -> int:
    streams = _streams(settings, args.stream, getattr(args, "shard", None))
    redis = make_redis(settings)
    try:
        if args.action == "list":
            return await _dlq_list(redis, streams, args.count)
        if args.action == "show":
            return await _dlq_show(redis, streams, args.id)
        ids = None if args.all else args.ids
        if args.action == "retry":
            done = [
                d
                for s in streams
                for d in await retry_dead_letters(redis, s, ids, dry_run=args.dry_run)
            ]
            verb = "would re-publish" if args.dry_run else "re-published"
            where = ", ".join(streams)
            print(f"{verb} {len(done)} entr{'y' if len(done) == 1 else 'ies'} to {where}")
        else:
            count = sum(
                [await purge_dead_letters(redis, s, ids, dry_run=args.dry_run) for s in streams]
            )
            print(f"{'would purge' if args.dry_run else 'purged'} {count} dead letter(s)")
        return 0
    finally:
        await redis.aclose()


async def _dlq_list(redis: RedisClient, streams: list[str], count: int) -> int:
    for stream in streams:
        letters = await list_dead_letters(redis, stream, count=count)
        if not letters:
            print(f"no dead letters in {stream}.dlq")
        for d in letters:
            print(
                f"{d.id}  from {d.source_id}  attempts={d.attempts}  {d.service}  "
                f"{d.failed_at}  {d.error}"
            )
    return 0


async def _dlq_show(redis: RedisClient, streams: list[str], dlq_id: str) -> int:
    for stream in streams:
        letter = await get_dead_letter(redis, stream, dlq_id)
        if letter is None:
            continue
        try:
            body = entry_json(letter.fields, max_bytes=1 << 30).decode(errors="replace")
        except Exception as exc:
            body = f"<undecodable: {exc}>"
        doc = {**letter.__dict__, "fields": None, "body": body}
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"newsdesk dlq: no dead letter {dlq_id} in {', '.join(streams)}", file=sys.stderr)
    return 1


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    if args.action in ("retry", "purge") and not (args.all or args.ids):
        print("newsdesk dlq: name the ids, or --all", file=sys.stderr)
        return 2
    return asyncio.run(_dlq(args, settings))


async def _replay(args: argparse.Namespace, settings: Settings) -> int:
    streams = _streams(settings, args.stream, getattr(args, "shard", None))
    group = args.group or STREAM_GROUPS[args.stream]
    start = id_from(args.start)
    redis = make_redis(settings)
    try:
        for stream in streams:
            before = await rewind_group(redis, stream, group, start)
            print(f"group {group} on {stream} will re-deliver every entry after {before}")
    finally:
        await redis.aclose()
    return 0


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    if args.stream == "views" and not args.i_know_views_recount:
        print(
            "newsdesk replay: replaying views counts them again on top of the current totals; "
            "clear the ranking counters first, then pass --i-know-views-recount",
            file=sys.stderr,
        )
        return 2
    try:
        return asyncio.run(_replay(args, settings))
    except ValueError as exc:
        print(f"newsdesk replay: --from: {exc}", file=sys.stderr)
        return 2


def _detail(resp: httpx.Response) -> str:
    """FastAPI's error detail in words: each refused parameter with the reason."""
    try:
        detail = resp.json().get("detail")
    except ValueError:
        return resp.text[:200]
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail
        )
    return str(detail)


def cmd_top(args: argparse.Namespace, settings: Settings) -> int:
    """The lists the site shows, as a table, read from the ranking service's API."""
    base = args.ranking_url or f"http://{settings.host}:{settings.ranking_port}"
    if args.trending:
        path, params = "/v1/trending", {"type": args.trending, "window": args.window or "1h"}
    elif args.section:
        path, params = "/v1/popular", {"section": args.section, "window": args.window or "24h"}
    else:
        path, params = "/v1/ranking", {"window": args.window or "24h"}
    try:
        resp = httpx.get(base + path, params={**params, "limit": args.limit}, timeout=5)
    except httpx.HTTPError as exc:
        print(f"newsdesk top: ranking at {base} did not answer: {exc}", file=sys.stderr)
        return 1
    if resp.status_code != 200:
        print(
            f"newsdesk top: ranking answered {resp.status_code}: {_detail(resp)}", file=sys.stderr
        )
        return 1
    title = (
        f"trending {args.trending}"
        if args.trending
        else f'"{args.section}" popular articles'
        if args.section
        else "access ranking"
    )
    print(f"{title} ({params['window']})")
    print(f"{'#':>3} {'views':>7} {'score':>8}  headline")
    for item in resp.json()["items"]:
        print(f"{item['rank']:>3} {item['views']:>7} {item['score']:>8.2f}  {item['headline']}")
    return 0
