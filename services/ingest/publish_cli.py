"""`newsdesk publish FILE|DIR|URL`: posts article files to ingest with the producer client."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from services.ingest.client import IngestClient, IngestError, content_type_for
from shared.settings import Settings


def collect_files(targets: list[str]) -> list[Path]:
    files: list[Path] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".md"))
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


def _publish_target(client: IngestClient, target: str, files: list[Path]) -> list[dict[str, Any]]:
    if target.startswith(("http://", "https://")):
        fetched = httpx.get(target, timeout=30.0, follow_redirects=True)
        fetched.raise_for_status()
        ctype = fetched.headers.get("content-type", "application/xml")
        return client.publish_bytes(fetched.content, ctype)
    results: list[dict[str, Any]] = []
    for path in tqdm(files, desc="publishing", unit="file", disable=len(files) < 2):
        results.extend(client.publish_bytes(path.read_bytes(), content_type_for(path)))
    return results


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    base = args.ingest_url or f"http://{settings.host}:{settings.ingest_port}"
    key = args.api_key or os.environ.get("NEWSDESK_API_KEY")
    failed = 0
    accepted_ids: list[str] = []
    with IngestClient(base, api_key=key) as client:
        for target in args.targets:
            urls = target.startswith(("http://", "https://"))
            try:
                results = _publish_target(client, target, [] if urls else collect_files([target]))
            except (IngestError, httpx.HTTPError, OSError) as exc:
                print(f"newsdesk publish: {target}: {exc}", file=sys.stderr)
                failed += 1
                continue
            for result in results:
                print(f"{result['status']:<9} {result['id']} {result.get('guid')}")
                if result["status"] == "accepted":
                    accepted_ids.append(result["id"])
        if args.sample_views and accepted_ids:
            sent = client.send_views(sample_views(accepted_ids, args.sample_views))
            print(f"views     {sent} sample views over {len(accepted_ids)} articles")
    return 1 if failed else 0
