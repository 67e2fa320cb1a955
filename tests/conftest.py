"""Fixtures shared by every test: a real Redis, a unique key prefix per test, app clients."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import redis
import redis.asyncio as aioredis
from fastapi import FastAPI

from newsdesk.redis_cluster import LocalCluster, start_cluster
from newsdesk.redis_server import RedisProcess, free_port, start_redis
from shared.settings import Settings

DATA = Path(__file__).parent / "data"
REDIS_URL = os.environ.get("NEWSDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A missing Redis fails loudly: it is never a skip."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"tests need a Redis at {REDIS_URL} (./dev test starts one): {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    value = f"t{uuid.uuid4().hex[:10]}"
    yield value
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{{{value}}}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        key_prefix=prefix,
        block_ms=100,
        min_idle_ms=500,
        max_deliveries=3,
        log_format="console",
        require_auth=False,
    )


@pytest.fixture
async def redis_client(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client: aioredis.Redis = aioredis.Redis.from_url(settings.redis_url)
    yield client
    await client.aclose()


AppClient = Callable[[FastAPI], "asynccontextmanager[httpx.AsyncClient]"]


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (broker, subscribers) running, over an in-process transport."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """A real Redis Cluster (3 masters, 3 replicas of Debian's redis-server on free loopback
    ports), started once, for the tests that run the system on one."""
    local = start_cluster(Path(tmp_path_factory.mktemp("cluster")), masters=3, replicas=1)
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of the test's own (appendonly, as `./dev run` starts one), for tests
    that reconfigure, pause, kill or fork it."""
    server = start_redis(free_port(), tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def private(private_redis: RedisProcess) -> AsyncIterator[aioredis.Redis]:
    client: aioredis.Redis = aioredis.Redis.from_url(private_redis.url)
    yield client
    await client.aclose()
