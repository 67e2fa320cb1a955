"""The pipeline bench's table on stdout and its JSON in build/bench/."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pcts(p: dict[str, float], unit: str = "ms") -> str:
    if not p:
        return "-"
    return " ".join(f"{k} {_n(p[k], 1)}" for k in ("p50", "p95", "p99", "max")) + f" {unit}"


def _throughput_row(name: str, r: dict[str, Any]) -> str:
    e, spent = r["enriched"], r["enricher_ms"]
    flag = "" if r["drained"] else f"  NOT DRAINED ({e['count']} enriched)"
    return (
        f"{name:<24} {r['articles']:>8} {_n(r['ingest']['rate']):>9} {_n(e['rate'], 1):>10} "
        f"{_n(r['ranked']['rate'], 1):>9} {_n(e['first_rate'], 1):>10} {_n(e['last_rate'], 1):>10}"
        f"   {_n(spent['first'], 1):>6} -> {_n(spent['last'], 1):<7} {_cpu(r)}{flag}"
    )


def _cpu(r: dict[str, Any]) -> str:
    cpu = r["cpu_ms_per_article"]
    services = ("ingest", "enricher", "ranking", "redis")
    shown = " ".join(f"{n} {_n(cpu.get(n), 2)}" for n in services)
    return f"{shown} (bench client {_n(cpu.get('bench'), 2)})"


def _offline_row(name: str, r: dict[str, Any]) -> str:
    ms = r["ms"]
    return (
        f"{name:<24} {r['articles']:>8} {_n(r['rate'], 1):>10}/s   {_n(ms['first'], 2)} -> "
        f"{_n(ms['last'], 2)} ms p50 (first -> last), CPU {r['cpu_ms_per_article']:.2f} "
        "ms/article (batches of 100, as the service tags)"
    )


def _views_row(name: str, r: dict[str, Any]) -> str:
    share = r["counted_share"]
    outcomes = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(r["ranking_outcomes"].items()) if v)
    return (
        f"  {name:<30} counted {r['views_counted']:,} of {r['views_sent']:,} "
        f"({_n(share * 100 if share is not None else None, 1)}%), articles with every view "
        f"{r['articles_fully_counted']}/{r['articles']}; ranking saw: {outcomes or '-'}"
    )


def _memory_lines(memory: dict[str, Any]) -> list[str]:
    peak, last = memory["peak"], memory["final"]
    cells = []
    for name in ("ingest", "enricher", "ranking", "redis"):
        if name in peak:
            now = last.get(name, {}).get("rss_kb", 0)
            anon = peak[name].get("anon_kb")  # absent from results saved before it was read
            shown = _n(anon / 1024 if anon is not None else None)
            cells.append(f"{name} {peak[name]['hwm_kb'] / 1024:.0f} / {now / 1024:.0f} / {shown}")
    return [
        "resident memory MB (peak VmHWM / VmRSS at the end / highest RssAnon sampled): "
        + ", ".join(cells),
        "  VmRSS counts the library pages a process touched as well as what it allocated;",
        "  how many depends on the page cache (more right after pip wrote them), RssAnon not",
    ]


def _header(meta: dict[str, Any]) -> list[str]:
    index = "kept across phases" if meta["args"]["keep_index"] else "emptied before each phase"
    return [
        f"pipeline bench {meta['commit']} on {meta['cores']} cores (load {meta['load']:.2f} at "
        f"start), {meta['seconds']:.0f} s; story index {index}; taggers {meta['taggers']}",
        "",
    ]


def _service_lines(result: dict[str, Any], args: dict[str, Any]) -> list[str]:
    raw = result["raw_redis"]
    return [
        f"through the service: POST (batches of {args['batch']}, {args['in_flight']} in "
        "flight) -> articles.enriched -> ranking; rates in articles/s",
        f"{'':<24} {'articles':>8} {'ingest':>9} {'enriched':>10} {'ranked':>9} "
        f"{'first':>10} {'last':>10}   enricher ms (first -> last)  CPU ms/article",
        _throughput_row("distinct stories", result["distinct"]),
        _throughput_row("near-duplicate burst", result["burst"]),
        f"first/last: the phase's first and last {args['edge']} articles (half the "
        "phase when it is smaller); enricher ms: p50 of each article's share of its batch's "
        "logged busy time (its own steps; two batches overlap, so the shares add up to more "
        "than the wall time); "
        "CPU ms/article: each process's user+system CPU over the phase / its articles",
        "",
        "same run, same articles, offline tagger in this process (MemoryStoryIndex):",
        _offline_row("tagger, distinct", result["offline_tagger"]["distinct"]),
        _offline_row("tagger, burst", result["offline_tagger"]["burst"]),
        f"raw redis-py, same payloads ({raw['payload_bytes']} B) and Redis, batches of "
        f"{raw['batch']}: XADD + XREADGROUP + XACK {_n(raw['rate'])}/s "
        f"(XADD {_n(raw['xadd_rate'])}/s, read + ack {_n(raw['read_ack_rate'])}/s)",
        "",
    ]


def _paced_lines(p: dict[str, Any]) -> list[str]:
    hops = p["hops_ms"]
    return [
        f"end to end, paced {p['target_rate']:g} articles/s ({p['articles']} single POSTs, sent "
        f"at {_n(p['sent_rate'], 1)}/s), POST -> visible in GET /v1/articles/{{id}}:",
        f"  {_pcts(p['e2e_ms'])}   ({p['ranked']}/{p['articles']} ranked, at "
        f"{_n(p['ranked_rate'], 1)}/s from the first POST)",
        f"  POST -> raw {_pcts(hops['post_to_raw'])}",
        f"  raw -> enriched {_pcts(hops['raw_to_enriched'])}",
        f"  enriched -> ranked {_pcts(hops['enriched_to_ranked'])}",
        f"  POST 202 {_pcts(p['post_202_ms'])}",
        f"  CPU ms/article: {_cpu(p)}",
        "  Redis µs/article (calls): "
        + ", ".join(
            f"{row['command']} {row['usec']:.0f} ({row['calls']:.1f})"
            for row in p.get("redis_usec_per_article", [])
        ),
        *_fork_line(p),
        *_rewrite_split_lines(p),
        "",
    ]


def _rewrite_split_lines(p: dict[str, Any]) -> list[str]:
    near, away = p.get("e2e_near_rewrites_ms"), p.get("e2e_away_from_rewrites_ms")
    if not near or not near.get("articles") or not away:
        return []
    spans = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in p["aof_rewrites_s"])
    return [
        f"  AOF rewrites at {spans} into the phase; POST -> ranked of the "
        f"{near['articles']} articles POSTed during one or in the second after: "
        f"{_pcts(near)}; of the other {away['articles']}: {_pcts(away)}"
    ]


def _fork_line(p: dict[str, Any]) -> list[str]:
    forks = p.get("redis_forks")
    if not forks:
        return [] if forks is None else ["  Redis did not fork (no AOF rewrite) during the phase"]
    return [
        f"  Redis forked {forks} time(s) for an AOF rewrite during the phase (the last fork "
        f"held it {p['redis_last_fork_ms']:.1f} ms; the rewrite then takes CPU beside the services)"
    ]


def _curve_lines(curve: list[dict[str, Any]], budget_ms: float = 50.0) -> list[str]:
    """Latency against rate: where the system leaves its budget on this machine."""
    if len(curve) < 2:
        return []
    lines = ["paced rate -> ranked/s, POST -> ranked p50 / p99, CPU ms/article (all, bench too):"]
    for p in curve:
        cpu = sum(p["cpu_ms_per_article"].values())
        e2e = p["e2e_ms"]
        lines.append(
            f"  {p['target_rate']:>6g}/s -> {_n(p['ranked_rate'], 1)}/s, "
            f"p50 {_n(e2e.get('p50'), 1)} / p99 {_n(e2e.get('p99'), 1)} ms, CPU {cpu:.2f} ms"
            + (f", {p['redis_forks']} AOF rewrite(s)" if p.get("redis_forks") else "")
        )
    within = [p["target_rate"] for p in curve if p["e2e_ms"].get("p99", math.inf) <= budget_ms]
    best = f"{max(within):g}/s" if within else "none of these rates"
    return [*lines, f"  highest rate with p99 <= {budget_ms:g} ms: {best}", ""]


def table(result: dict[str, Any]) -> list[str]:
    meta = result["meta"]
    stalled = result["views_race_stalled"]
    stall = stalled["stall"]
    lines = [
        *_header(meta),
        *_service_lines(result, meta["args"]),
        *_paced_lines(result["paced"]),
        *_curve_lines(result.get("paced_curve", [])),
        "views POSTed right after their article's 202:",
        _views_row("enricher running", result["views_race"]),
        _views_row(f"enricher {stall['mode']} {stall['seconds']:g} s", stalled),
        "",
        *_memory_lines(result["memory"]),
    ]
    if result.get("profile"):
        lines += ["", "enricher during the burst (py-spy, share of samples, inclusive):"]
        lines += [f"  {share:6.1%}  {name}" for name, share in result["profile"]["inclusive"]]
    if result.get("paced_profile"):
        spied = result["paced_profile"]
        lines += ["", f"{spied['service']} at the paced rate (py-spy, share of samples):"]
        lines += [f"  {share:6.1%}  {name}" for name, share in spied.get("inclusive", [])]
        lines += ["  self:", *(f"  {share:6.1%}  {name}" for name, share in spied.get("self", []))]
    return lines + [f"note: {note}" for note in meta["notes"]]


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
