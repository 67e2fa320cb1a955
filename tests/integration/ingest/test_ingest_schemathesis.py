"""Schemathesis against ingest's own OpenAPI schema, served by uvicorn with a real Redis:
no generated request may get a 5xx, and every 4xx explains itself in a JSON `detail`.

Bounded and derandomized so CI runs the same cases every time, with and without producer
keys (with a valid key, the cases reach the parsers and the ledger instead of stopping at 401).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from services.ingest.app import build_app
from services.ingest.auth import ALL_SCOPES, ProducerRegistry
from shared.settings import Settings
from tests.integration.ingest.test_ingest_client import serve

# The schema does not depend on the settings a test runs with: built once, at collection.
schema = schemathesis.openapi.from_dict(build_app(Settings()).openapi())


async def _add_key(config: Settings) -> str:
    redis: aioredis.Redis = aioredis.Redis.from_url(config.redis_url)
    try:
        key, _ = await ProducerRegistry(redis, config.keys).add("fuzz", scopes=list(ALL_SCOPES))
    finally:
        await redis.aclose()
    return key


@pytest.fixture(params=["open", "keyed"])
def ingest(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[str, dict[str, str]]]:
    config = settings.model_copy(
        update={"require_auth": request.param == "keyed", "rate_limit_per_s": 0}
    )
    headers = {}
    if request.param == "keyed":
        headers["Authorization"] = f"Bearer {asyncio.run(_add_key(config))}"
    with serve(build_app(config)) as url:
        yield url, headers


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_and_every_refusal_says_why(
    case: schemathesis.Case, ingest: tuple[str, dict[str, str]]
) -> None:
    url, headers = ingest
    response = case.call(base_url=url, headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict), response.text
        assert body.get("detail"), response.text
