"""Writes a 202 is answered for: script calls pipelined to their nodes, and, where asked,
WAIT for replicas on the same connections before the answer.

Redis replicates asynchronously: a master that acknowledged a write and died before any
replica had it loses it, even on a cluster whose replica takes over in seconds. `WAIT n t`
blocks until n replicas acknowledged every earlier write of its connection (or t ms
passed), so sending it on the connection that carried the writes bounds that loss to
writes whose WAIT fell short, which are answered as "outcome unknown" (503): retrying
them is safe, as every write here is idempotent by its request key or ledger.

A cluster client refuses `evalsha` in a pipeline; EVALSHA sent as a plain command is
routed by its first key, and a cluster pipeline sends each node's commands, and the WAIT
addressed to that node, in order on one connection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError, ResponseError

from shared.broker import RedisClient

Call = tuple[Sequence[Any], Sequence[Any]]  # (keys, args) of one script call


class NotReplicatedError(RedisError):
    """Writes were applied on the master but fewer replicas than asked acknowledged them."""

    def __init__(self, acknowledged: int, wanted: int) -> None:
        super().__init__(f"{acknowledged} of {wanted} replicas acknowledged the write in time")


@dataclass(frozen=True)
class Durability:
    """Replicas that must acknowledge a write (NEWSDESK_WRITE_REPLICAS), and for how long
    to wait for them (NEWSDESK_WRITE_WAIT_MS)."""

    replicas: int = 0
    wait_ms: int = 200


NO_WAIT = Durability()


class DurableScript:
    """A Lua script whose calls go out in one pipeline, each node's followed by its WAIT."""

    def __init__(self, redis: RedisClient, body: str, durability: Durability) -> None:
        self.redis = redis
        self.body = body
        self.sha = hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()
        self.replicas = durability.replicas
        self.wait_ms = durability.wait_ms
        self._loaded = False

    async def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        (reply,) = await self.run_many([(keys, args)])
        return reply

    async def run_many(self, calls: Sequence[Call]) -> list[Any]:
        """Replies in order. Raises NotReplicatedError when a WAIT fell short (the writes
        ran), any other RedisError as the pipeline raised it."""
        replies, waits = await self._run(calls)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        self._check(waits)
        return replies

    async def run_each(self, calls: Sequence[Call]) -> list[Any]:
        """Replies in order, a call's error in its place: one failing call does not hide
        what its neighbours did. Raises NotReplicatedError when a WAIT fell short."""
        replies, waits = await self._run(calls)
        self._check(waits)
        return replies

    async def _run(self, calls: Sequence[Call]) -> tuple[list[Any], list[int]]:
        if not self._loaded:  # else the first pipeline's calls would all come back NOSCRIPT
            await self.redis.script_load(self.body)
            self._loaded = True
        replies, waits = await self._send(calls)
        unloaded = [n for n, r in enumerate(replies) if isinstance(r, NoScriptError)]
        if unloaded:  # only those did not run: the server forgot the script (a restart)
            await self.redis.script_load(self.body)
            again, more = await self._send([calls[n] for n in unloaded])
            for n, reply in zip(unloaded, again, strict=True):
                replies[n] = reply
            waits += more
        return replies, waits

    def _check(self, waits: list[int]) -> None:
        short = [w for w in waits if w < self.replicas]
        if short:
            raise NotReplicatedError(min(short), self.replicas)

    async def _send(self, calls: Sequence[Call]) -> tuple[list[Any], list[int]]:
        if len(calls) == 1 and not self.replicas:  # what a single-article POST sends
            return [await self._send_one(*calls[0])], []
        async with self.redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)
            for node in await self._nodes(calls):
                options = {} if node is None else {"target_nodes": node}
                pipe.execute_command("WAIT", self.replicas, self.wait_ms, **options)
            out: list[Any] = await pipe.execute(raise_on_error=False)
        return out[: len(calls)], [int(w) for w in out[len(calls) :]]

    async def _send_one(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """One call with no WAIT as a plain command: a pipeline's bookkeeping cost ~5% of
        a single-article POST. Its error comes back as a pipeline's would."""
        try:
            return await self.redis.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)
        except ResponseError as exc:
            return exc

    async def _nodes(self, calls: Sequence[Call]) -> list[Any]:
        """Where a WAIT must go: nowhere when none is asked, once on one Redis, once per
        node the calls went to on a cluster."""
        if not self.replicas or not calls:
            return []
        if not isinstance(self.redis, aioredis.RedisCluster):
            return [None]
        await self.redis.initialize()  # a no-op once the client knows the slots
        nodes = {}
        for keys, _ in calls:
            node = self.redis.get_node_from_key(keys[0])
            if node is not None:  # None: a slot no node serves, which the write reported
                nodes[node.name] = node
        return list(nodes.values())
