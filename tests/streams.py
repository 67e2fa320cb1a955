"""Reading a stream back as messages, the way every consumer decodes it."""

from __future__ import annotations

from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel

from shared.payloads import entry_json

M = TypeVar("M", bound=BaseModel)


async def read_stream(redis: aioredis.Redis, stream: str, model: type[M]) -> list[M]:
    rows = await redis.xrange(stream)
    return [model.model_validate_json(entry_json(fields, max_bytes=1 << 30)) for _, fields in rows]
