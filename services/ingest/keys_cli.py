"""`newsdesk keys add|list|revoke`: manage producer keys (stored hashed in Redis)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.ingest.auth import ALL_SCOPES, ProducerRegistry
from services.ingest.signatures import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from shared.broker import make_redis
from shared.settings import Settings

SIGNING_HELP = (
    f"send {TIMESTAMP_HEADER} (Unix seconds), {NONCE_HEADER} (new each time) and "
    f"{SIGNATURE_HEADER}: sha256=<hex>; `newsdesk publish` and IngestClient sign with "
    "NEWSDESK_SIGNING_SECRET / signing_secret="
)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    redis = make_redis(settings)
    registry = ProducerRegistry(redis, settings.keys)
    try:
        if args.action == "add":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
            unknown = set(scopes) - set(ALL_SCOPES)
            if unknown:
                print(f"newsdesk keys: unknown scope(s) {sorted(unknown)}", file=sys.stderr)
                return 2
            try:
                key, producer = await registry.add(
                    args.name, scopes=scopes, signing=args.signing, rate_per_s=args.rate
                )
            except ValueError as exc:
                print(f"newsdesk keys: {exc}", file=sys.stderr)
                return 1
            if producer.signing_secret:
                print(f"signing secret (HMAC-SHA256, shown once): {producer.signing_secret}")
                print(f"  every request signs '<timestamp>.<nonce>.<body>': {SIGNING_HELP}")
            print(f"producer {producer.name} ({','.join(producer.scopes)}); key, shown once: {key}")
        elif args.action == "list":
            for p in await registry.list():
                state = "revoked" if p.revoked else "active"
                print(f"{p.name:<20} {p.key_id} {state:<8} {','.join(p.scopes):<14} {p.created_at}")
        else:
            count = await registry.revoke(args.name)
            print(f"revoked {count} key(s) of {args.name}")
            return 0 if count else 1
        return 0
    finally:
        await redis.aclose()


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))
