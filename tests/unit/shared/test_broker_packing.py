"""The asyncio client packs commands in C (hiredis), byte for byte as redis-py would."""

from __future__ import annotations

from typing import Any

import hiredis
import pytest
import redis.asyncio as aioredis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.exceptions import DataError

from shared.broker import make_redis
from shared.settings import Settings

ARGS = (
    "EVALSHA",
    "a" * 40,
    2,
    "newsdesk:enricher:bucket:3:0123abcd",
    b"raw\r\nbytes",
    "héllo",
    0.1,
    1e20,
    -5,
    123456789012345678,
    memoryview(b"view"),
    bytearray(b"array"),
)


def connection(url: str = "redis://127.0.0.1:6379/0") -> Connection:
    """A connection of make_redis's pool, never connected: packing needs no server."""
    client = make_redis(Settings(redis_url=url))
    assert isinstance(client, aioredis.Redis)
    made = client.connection_pool.make_connection()  # type: ignore[no-untyped-call]
    assert isinstance(made, Connection | UnixDomainSocketConnection)
    return made  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("url", "python_side"),
    [
        ("redis://127.0.0.1:6379/0", Connection),
        ("unix:///tmp/newsdesk-test.sock", UnixDomainSocketConnection),
    ],
)
def test_the_client_packs_in_c_what_redis_py_packs_in_python(
    url: str, python_side: type[Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    packed: list[tuple[Any, ...]] = []
    real = hiredis.pack_command

    def spy(args: tuple[Any, ...]) -> bytes:
        packed.append(args)
        return bytes(real(args))

    monkeypatch.setattr(hiredis, "pack_command", spy)
    made = connection(url)
    assert isinstance(made, python_side)
    ours = b"".join(made.pack_command(*ARGS))
    theirs = b"".join(bytes(part) for part in python_side.pack_command(made, *ARGS))
    assert ours == theirs
    assert len(packed) == 1  # by hiredis; redis-py's own packing never calls it
    assert b"".join(made.pack_command("CONFIG GET", "maxmemory")) == b"".join(
        python_side.pack_command(made, "CONFIG GET", "maxmemory")
    )


@pytest.mark.parametrize("bad", [None, True, [1]])
def test_an_argument_redis_py_refuses_is_refused_alike(bad: object) -> None:
    made = connection()
    with pytest.raises(DataError):
        made.pack_command("SET", "k", bad)  # type: ignore[arg-type]
    with pytest.raises(DataError):
        Connection.pack_command(made, "SET", "k", bad)  # type: ignore[arg-type]
