"""Producer keys, scopes, signatures and rate limits on the write endpoints."""

from __future__ import annotations

import hashlib
import hmac
import time

import redis.asyncio as aioredis

from services.ingest.app import build_app
from services.ingest.auth import ProducerRegistry
from services.ingest.signatures import signed_headers
from shared.models import RawArticle, article_id
from shared.settings import Settings
from tests.conftest import running

ARTICLE = {"guid": "urn:auth:1", "headline": "H", "body_text": "B"}


def secured(settings: Settings, **extra: object) -> Settings:
    return settings.model_copy(update={"require_auth": True, **extra})


async def test_key_is_required_and_names_the_producer(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = secured(settings)
    registry = ProducerRegistry(redis_client, s.keys)
    key, producer = await registry.add("ap", scopes=["articles", "views"])
    stored = await redis_client.hgetall(s.keys.producer_keys())
    assert key.encode() not in b"".join(stored.values())  # only the hash is kept
    async with running(build_app(s)) as http:
        missing = await http.post("/v1/articles", json=ARTICLE)
        wrong = await http.post(
            "/v1/articles", json=ARTICLE, headers={"Authorization": "Bearer nope"}
        )
        ok = await http.post(
            "/v1/articles", json=ARTICLE, headers={"Authorization": f"Bearer {key}"}
        )
    assert missing.status_code == 401
    assert "Bearer" in missing.json()["detail"]
    assert wrong.status_code == 401
    assert ok.status_code == 202
    assert ok.json()["results"][0]["id"] == article_id("ap", "urn:auth:1")
    ((_, fields),) = await redis_client.xrange(s.keys.raw)
    assert RawArticle.model_validate_json(fields[b"__data__"]).producer == producer.name


async def test_revoked_or_out_of_scope_key_is_403(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = secured(settings)
    registry = ProducerRegistry(redis_client, s.keys)
    views_only, _ = await registry.add("frontend", scopes=["views"])
    revoked, _ = await registry.add("old-cms", scopes=["articles"])
    assert await registry.revoke("old-cms") == 1
    async with running(build_app(s)) as http:
        scope = await http.post(
            "/v1/articles", json=ARTICLE, headers={"Authorization": f"Bearer {views_only}"}
        )
        gone = await http.post(
            "/v1/articles", json=ARTICLE, headers={"Authorization": f"Bearer {revoked}"}
        )
        views = await http.post(
            "/v1/views",
            json=[{"article_id": "a"}],
            headers={"Authorization": f"Bearer {views_only}"},
        )
    assert scope.status_code == 403
    assert "articles" in scope.json()["detail"]
    assert gone.status_code == 403
    assert "revoked" in gone.json()["detail"]
    assert views.status_code == 202
    assert await redis_client.xlen(s.keys.raw) == 0


async def test_signed_producer_must_sign_the_exact_body(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = secured(settings)
    key, producer = await ProducerRegistry(redis_client, s.keys).add(
        "webhook", scopes=["articles"], signing=True
    )
    assert producer.signing_secret
    body = b'{"guid": "urn:signed", "headline": "Signed"}'
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with running(build_app(s)) as http:
        unsigned = await http.post("/v1/articles", content=body, headers=headers)
        forged = await http.post(
            "/v1/articles",
            content=body,
            headers={**headers, **signed_headers(producer.signing_secret, b"other")},
        )
        signed = await http.post(
            "/v1/articles",
            content=body,
            headers={**headers, **signed_headers(producer.signing_secret, body)},
        )
    assert unsigned.status_code == 401
    assert "X-Newsdesk-Signature" in unsigned.json()["detail"]
    assert forged.status_code == 401
    assert signed.status_code == 202


async def test_a_signed_request_is_accepted_once_and_only_while_fresh(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    """Replays: the same signed request again, the same body signed an hour ago, a signature
    made without the timestamp and nonce (the old scheme): each is 401 naming the header."""
    s = secured(settings)
    key, producer = await ProducerRegistry(redis_client, s.keys).add(
        "webhook", scopes=["views"], signing=True
    )
    secret = producer.signing_secret
    assert secret
    body = b'[{"article_id": "a1"}]'
    auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    once = {**auth, **signed_headers(secret, body)}
    stale = {**auth, **signed_headers(secret, body, now=time.time() - 3600)}
    ahead = {**auth, **signed_headers(secret, body, now=time.time() + 3600)}
    body_only = {**auth, **signed_headers(secret, body)}
    body_only["X-Newsdesk-Signature"] = (
        "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    )
    async with running(build_app(s)) as http:
        answers = {
            name: await http.post("/v1/views", content=body, headers=headers)
            for name, headers in [
                ("first", once),
                ("replayed", once),
                ("stale", stale),
                ("ahead", ahead),
                ("body only", body_only),
                ("no nonce", {k: v for k, v in once.items() if k != "X-Newsdesk-Nonce"}),
                ("no timestamp", {k: v for k, v in once.items() if k != "X-Newsdesk-Timestamp"}),
            ]
        }
    assert answers.pop("first").status_code == 202
    assert {n: a.status_code for n, a in answers.items()} == dict.fromkeys(answers, 401)
    assert "X-Newsdesk-Nonce" in answers["replayed"].json()["detail"]
    assert "already used" in answers["replayed"].json()["detail"]
    for name in ("stale", "ahead"):
        assert "X-Newsdesk-Timestamp" in answers[name].json()["detail"]
        assert "300 s" in answers[name].json()["detail"]
    assert "does not match" in answers["body only"].json()["detail"]
    assert "X-Newsdesk-Nonce" in answers["no nonce"].json()["detail"]
    assert "X-Newsdesk-Timestamp" in answers["no timestamp"].json()["detail"]
    assert await redis_client.xlen(s.keys.views) == 1


async def test_one_producers_nonce_is_not_anothers(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = secured(settings)
    registry = ProducerRegistry(redis_client, s.keys)
    body = b'[{"article_id": "a1"}]'
    async with running(build_app(s)) as http:
        codes = []
        for name in ("cms-a", "cms-b"):
            key, producer = await registry.add(name, scopes=["views"], signing=True)
            assert producer.signing_secret
            signed = signed_headers(producer.signing_secret, body, nonce="the-same-nonce-for-both")
            answer = await http.post(
                "/v1/views", content=body, headers={"Authorization": f"Bearer {key}", **signed}
            )
            codes.append(answer.status_code)
    assert codes == [202, 202]


async def test_rate_limit_answers_429_with_retry_after(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    s = secured(settings)
    key, _ = await ProducerRegistry(redis_client, s.keys).add(
        "busy", scopes=["views"], rate_per_s=3
    )
    headers = {"Authorization": f"Bearer {key}"}
    async with running(build_app(s)) as http:
        codes = [
            (await http.post("/v1/views", json=[{"article_id": "a"}], headers=headers))
            for _ in range(8)
        ]
    statuses = [r.status_code for r in codes]
    assert 429 in statuses
    assert statuses.count(202) >= 3
    limited = next(r for r in codes if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1"


async def test_the_producer_check_counts_only_live_keys_against_the_rate_limit(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    """The key check and the rate count are one round trip: a live key's request is
    counted in its producer's window, an unknown or revoked key's is not."""
    s = secured(settings)
    registry = ProducerRegistry(redis_client, s.keys)
    live, _ = await registry.add("live", scopes=["views"], rate_per_s=100)
    dead, _ = await registry.add("dead", scopes=["views"])
    await registry.revoke("dead")
    async with running(build_app(s)) as http:
        for key, status in ((live, 202), (dead, 403), ("ndk_unknown", 401)):
            answer = await http.post(
                "/v1/views", json=[{"article_id": "a"}], headers={"Authorization": f"Bearer {key}"}
            )
            assert answer.status_code == status
    # COUNT: a window lives 2 s, and a shared Redis may hold many keys to scan past.
    pattern = s.keys.rate_limit_prefix() + "*"
    counted = [k async for k in redis_client.scan_iter(match=pattern, count=100_000)]
    assert [k.decode().removeprefix(s.keys.rate_limit_prefix()).split(":")[0] for k in counted] == [
        "live"
    ]
