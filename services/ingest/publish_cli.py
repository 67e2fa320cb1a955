"""`newsdesk publish FILE|DIR|URL`: posts article files to ingest with the producer client."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from services.ingest.client import IngestClient, IngestError, content_type_for
from shared.settings import Settings


def collect_files(targets: list[str]) -> list[Path]:
    """Files in name order; hidden files and folders (editor swap files, `.DS_Store`, a drop
    folder's own dotfiles) and notes (`*.md`) are not articles."""
    files: list[Path] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix != ".md"
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def sample_views(ids: list[str], total: int) -> list[dict[str, Any]]:
    """Deterministic demo traffic: article k gets views in proportion to 1/k, like readers."""
    weights = [1.0 / (rank + 1) for rank in range(len(ids))]
    scale = total / sum(weights) if weights else 0.0
    views: list[dict[str, Any]] = []
    for article, weight in zip(ids, weights, strict=True):
        views.extend(
            {"article_id": article, "reader_id": f"sample-{article[:6]}-{n}"}
            for n in range(max(1, round(weight * scale)))
        )
    return views


def _publish_url(client: IngestClient, url: str) -> list[dict[str, Any]]:
    fetched = httpx.get(url, timeout=30.0, follow_redirects=True)
    fetched.raise_for_status()
    ctype = fetched.headers.get("content-type", "application/octet-stream")  # bytes decide
    return client.publish_bytes(fetched.content, ctype)


def _report(results: list[dict[str, Any]], source: str, accepted: list[str]) -> None:
    """One line per article; `tqdm.write` keeps the progress bar on its own line."""
    for result in results:
        line = f"{result['status']:<9} {result['id']} {result.get('guid')}"
        if result["status"] == "invalid":
            errors = "; ".join(f"{e['field']}: {e['reason']}" for e in result.get("errors", []))
            line += f" ({source}: {errors})"
        tqdm.write(line, file=sys.stdout)
        if result["status"] == "accepted":
            accepted.append(result["id"])


def _publish_target(client: IngestClient, target: str, accepted: list[str]) -> int:
    """Posts one FILE, DIR or URL; returns how many files (or URLs) failed. One refused file
    does not stop a folder: the rest are still posted."""
    if target.startswith(("http://", "https://")):
        sources: list[str | Path] = [target]
    else:
        sources = list(collect_files([target]))
        if not sources:
            print(f"newsdesk publish: {target}: no files to publish", file=sys.stderr)
    failed = 0
    for source in tqdm(sources, desc="publishing", unit="file", disable=len(sources) < 2):
        try:
            if isinstance(source, str):
                results = _publish_url(client, source)
            else:
                results = client.publish_bytes(source.read_bytes(), content_type_for(source))
        except (IngestError, httpx.HTTPError, OSError) as exc:
            tqdm.write(f"newsdesk publish: {source}: {exc}", file=sys.stderr)
            failed += 1
            continue
        _report(results, str(source), accepted)
    return failed


def wait_until_ranked(ranking_url: str, ids: list[str], *, timeout_s: float) -> list[str]:
    """The ids ranking shows by the deadline, in the order given."""
    deadline = time.monotonic() + timeout_s
    known: set[str] = set()
    with httpx.Client(base_url=ranking_url, timeout=2.0) as http:
        while time.monotonic() < deadline and len(known) < len(ids):
            for article in ids:
                if article in known:
                    continue
                try:
                    if http.get(f"/v1/articles/{article}").status_code == 200:
                        known.add(article)
                except httpx.HTTPError:
                    break
            if len(known) < len(ids):
                time.sleep(0.25)
    return [a for a in ids if a in known]


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    base = args.ingest_url or f"http://{settings.host}:{settings.ingest_port}"
    key = args.api_key or os.environ.get("NEWSDESK_API_KEY")
    # The secret a `keys add --signing` key printed.
    secret = args.signing_secret or os.environ.get("NEWSDESK_SIGNING_SECRET")
    failed = 0
    accepted_ids: list[str] = []
    with IngestClient(base, api_key=key, signing_secret=secret) as client:
        for target in args.targets:
            failed += _publish_target(client, target, accepted_ids)
        if args.sample_views and accepted_ids:
            # Ranking counts views only of articles it knows (issue: views of unknown
            # articles appear nowhere), so demo views wait until the pipeline caught up.
            ranking = f"http://{settings.host}:{settings.ranking_port}"
            known = wait_until_ranked(ranking, accepted_ids, timeout_s=60.0)
            sent = client.send_views(sample_views(known, args.sample_views))
            print(f"views     {sent} sample views over {len(accepted_ids)} articles")
    return 1 if failed else 0
