"""Watches a drop folder: each finished file is parsed, published, then moved aside.

A file is taken once its size and mtime were the same on two consecutive polls (its writer
is done; a file renamed in whole qualifies at the next poll). Dotfiles and partial-download
names (`*.part`, `*.tmp`, ...) are never taken, so the safe way to drop is to write under
such a name and rename. Only regular files directly in the folder count; `done/` and
`failed/` live inside it.

A file is moved only after publishing returned: to `done/` when every item was published
(accepted, duplicate or stale), to `failed/` with `<name>.error` when the document or any of
its items was refused (the good items are still published, as over HTTP). When Redis is
away the file stays where it is and is tried again at the next poll; the ledger makes the
retry harmless. A name already taken in `done/` or `failed/` gets a numbered suffix.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Literal

from services.ingest.client import content_type_for
from services.ingest.documents import candidates
from services.ingest.publisher import ArticlePublisher, publish_candidates
from services.ingest.schedule import FileStat, is_candidate_name, stable_files
from shared.errors import ParseError
from shared.logging import get_logger
from shared.periodic import cancel_requested
from shared.settings import Settings

log = get_logger(__name__)

DONE = "done"
FAILED = "failed"
Outcome = Literal["done", "failed"]


class DropFolder:
    def __init__(
        self,
        root: Path,
        publisher: ArticlePublisher,
        *,
        producer: str,
        poll_s: float,
        max_bytes: int,
    ) -> None:
        self.root = root
        self.publisher = publisher
        self.producer = producer
        self.poll_s = poll_s
        self.max_bytes = max_bytes
        self._seen: dict[str, FileStat] = {}

    @classmethod
    def from_settings(cls, settings: Settings, publisher: ArticlePublisher) -> DropFolder:
        if settings.drop_dir is None:
            raise ValueError("NEWSDESK_DROP_DIR is not set")
        return cls(
            settings.drop_dir,
            publisher,
            producer=settings.drop_producer,
            poll_s=settings.drop_poll_s,
            max_bytes=settings.max_body_bytes,
        )

    async def run(self) -> None:
        """Polls until cancelled; a failing poll (disk, Redis) is logged and retried."""
        await asyncio.to_thread(self._make_dirs)
        log.info("dropfolder.started", path=str(self.root), poll_s=self.poll_s)
        while not cancel_requested():
            try:
                await self.poll_once()
            except Exception as exc:  # the watcher outlives any one poll
                log.warning("dropfolder.poll_failed", path=str(self.root), error=repr(exc))
            await asyncio.sleep(self.poll_s)

    def _make_dirs(self) -> None:
        for sub in (DONE, FAILED):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    async def poll_once(self) -> dict[str, Outcome]:
        """Takes the files that were stable since the last call; returns what became of each
        (a file left in place for a retry is absent)."""
        current = await asyncio.to_thread(self._listing)
        ready = stable_files(self._seen, current)
        self._seen = current
        outcomes: dict[str, Outcome] = {}
        for name in ready:
            outcome = await self._take(self.root / name)
            if outcome is not None:
                outcomes[name] = outcome
                self._seen.pop(name, None)
        return outcomes

    def _listing(self) -> dict[str, FileStat]:
        found: dict[str, FileStat] = {}
        with os.scandir(self.root) as entries:
            for entry in entries:
                if is_candidate_name(entry.name) and entry.is_file():
                    stat = entry.stat()
                    found[entry.name] = (stat.st_size, stat.st_mtime_ns)
        return found

    async def _take(self, path: Path) -> Outcome | None:
        try:
            body = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None  # taken away by someone else between listing and reading
        if len(body) > self.max_bytes:
            return await self._refuse(path, f"file of {len(body)} bytes exceeds the limit", [])
        try:
            found = await candidates(body, content_type_for(path), filename=path.name)
        except ParseError as exc:
            where = f"{exc.field}: " if exc.field else ""
            return await self._refuse(path, f"unreadable: {where}{exc.reason}", [])
        if not found:
            return await self._refuse(path, "the document holds no article", [])
        # A RedisError propagates: the file stays and is tried again at the next poll.
        results = await publish_candidates(
            self.publisher, found, self.producer, transport="dropfolder"
        )
        refused = [(n, r) for n, r in enumerate(results) if r["status"] == "invalid"]
        if refused:
            reason = f"{len(refused)} of {len(results)} items invalid"
            reason += f" ({len(results) - len(refused)} published)"
            return await self._refuse(path, reason, item_lines(refused))
        target = await asyncio.to_thread(move_into, path, self.root / DONE)
        log.info(
            "dropfile.published",
            file=path.name,
            moved_to=str(target),
            items=len(results),
            accepted=sum(r["status"] == "accepted" for r in results),
        )
        return "done"

    async def _refuse(self, path: Path, reason: str, details: list[str]) -> Outcome:
        target = await asyncio.to_thread(fail_file, path, self.root / FAILED, reason, details)
        log.warning("dropfile.refused", file=path.name, moved_to=str(target), reason=reason)
        return "failed"


def item_lines(refused: list[tuple[int, dict[str, Any]]]) -> list[str]:
    """One line per refused item: its index in the file, its guid, each field and reason."""
    lines = []
    for index, result in refused:
        errors = "; ".join(f"{e['field']}: {e['reason']}" for e in result["errors"]) or "invalid"
        guid = f" (guid {result['guid']})" if result.get("guid") else ""
        lines.append(f"item {index}{guid}: {errors}")
    return lines


def free_name(folder: Path, name: str) -> Path:
    """`name`, or `stem-N.ext` when an earlier file of that name is already there."""
    target = folder / name
    stem, dot, ext = name.partition(".")
    n = 1
    while target.exists() or (folder / f"{target.name}.error").exists():
        target = folder / f"{stem}-{n}{dot}{ext}"
        n += 1
    return target


def move_into(path: Path, folder: Path) -> Path:
    target = free_name(folder, path.name)
    path.replace(target)
    return target


def fail_file(path: Path, folder: Path, reason: str, details: list[str]) -> Path:
    """The `.error` file is written (atomically) before the move, so a file in `failed/`
    always has its reason beside it."""
    target = free_name(folder, path.name)
    error = folder / f"{target.name}.error"
    partial = folder / f".{target.name}.error.tmp"
    partial.write_text("\n".join([f"{path.name}: {reason}", *details]) + "\n", encoding="utf-8")
    partial.replace(error)
    path.replace(target)
    return target
