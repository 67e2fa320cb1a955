"""The operator commands against a real Redis: status, dead letters and replay."""

from __future__ import annotations

import pytest
import redis

from newsdesk.cli import main
from shared.deadletter import dlq_name
from shared.keys import GROUP_ENRICHER
from shared.settings import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> redis.Redis:
    monkeypatch.setenv("NEWSDESK_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("NEWSDESK_KEY_PREFIX", settings.key_prefix)
    return redis.Redis.from_url(settings.redis_url)


def test_status_shows_length_lag_pending_and_dead_letters(
    env: redis.Redis, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = settings.keys.raw
    env.xgroup_create(raw, GROUP_ENRICHER, id="0", mkstream=True)
    for n in range(5):
        env.xadd(raw, {"n": str(n)})
    env.xreadgroup(GROUP_ENRICHER, "c1", {raw: ">"}, count=2)
    env.xadd(dlq_name(raw), {"error": "boom"})
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.startswith(raw)]
    length, lag, pending, oldest, consumers, dlq = line.split()[2:8]
    assert (length, lag, pending, consumers, dlq) == ("5", "3", "2", "1", "1")
    assert oldest.endswith("s")
    assert "ingest" in out  # service health lines follow the table


def test_status_says_how_many_articles_have_views_held(
    env: redis.Redis, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    env.zadd(settings.keys.ranking("held"), {"a1": 1e12, "a2": 1e12, "a3": 1e12})
    assert main(["status"]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("views held")]
    assert ": 3 articles" in line
    assert "cap 100000" in line
    assert "1 h" in line


def test_dlq_list_show_retry_purge(
    env: redis.Redis, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = settings.keys.raw
    first = env.xadd(
        dlq_name(raw),
        {
            "source_stream": raw,
            "source_id": "1-0",
            "error": "invalid guid",
            "service": "enricher",
            "attempts": "1",
            "f:__data__": b'{"id": "x"}',
        },
    ).decode()
    env.xadd(dlq_name(raw), {"source_stream": raw, "source_id": "2-0", "error": "other"})
    assert main(["dlq", "list"]) == 0
    listed = capsys.readouterr().out
    assert "invalid guid" in listed
    assert "other" in listed
    assert main(["dlq", "show", first]) == 0
    assert '{\\"id\\": \\"x\\"}' in capsys.readouterr().out
    assert main(["dlq", "retry"]) == 2
    assert main(["dlq", "retry", first, "--dry-run"]) == 0
    assert "would re-publish 1" in capsys.readouterr().out
    assert env.xlen(raw) == 0
    assert main(["dlq", "retry", first]) == 0
    assert [f for _, f in env.xrange(raw)] == [{b"__data__": b'{"id": "x"}'}]
    assert env.xlen(dlq_name(raw)) == 1
    assert main(["dlq", "purge", "--all"]) == 0
    assert env.xlen(dlq_name(raw)) == 0


def test_replay_from_a_millisecond_start_delivers_nothing_before_it(
    env: redis.Redis, settings: Settings
) -> None:
    """Entries of the previous millisecond with a sequence above 0 stay delivered (the
    rewind once stopped at `(ms-1)-0` and re-delivered them)."""
    raw = settings.keys.raw
    env.xgroup_create(raw, GROUP_ENRICHER, id="0", mkstream=True)
    for entry_id in ("5-0", "5-1", "5-2", "6-0", "6-1"):
        env.xadd(raw, {"n": entry_id}, id=entry_id)
    read = env.xreadgroup(GROUP_ENRICHER, "c1", {raw: ">"}, count=10)
    env.xack(raw, GROUP_ENRICHER, *[i for i, _ in read[0][1]])
    assert main(["replay", "--stream", "articles.raw", "--from", "6-0"]) == 0
    again = env.xreadgroup(GROUP_ENRICHER, "c1", {raw: ">"}, count=10)
    assert [i.decode() for i, _ in again[0][1]] == ["6-0", "6-1"]


def test_replay_rewinds_the_group(
    env: redis.Redis, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = settings.keys.raw
    env.xgroup_create(raw, GROUP_ENRICHER, id="0", mkstream=True)
    ids = [env.xadd(raw, {"n": str(n)}).decode() for n in range(4)]
    read = env.xreadgroup(GROUP_ENRICHER, "c1", {raw: ">"}, count=10)
    env.xack(raw, GROUP_ENRICHER, *[i for i, _ in read[0][1]])
    assert main(["replay", "--stream", "articles.raw", "--from", ids[2]]) == 0
    again = env.xreadgroup(GROUP_ENRICHER, "c1", {raw: ">"}, count=10)
    assert [i.decode() for i, _ in again[0][1]] == ids[2:]
    assert main(["replay", "--stream", "views", "--from", "0"]) == 2
    assert main(["replay", "--stream", "articles.raw", "--from", "yesterday"]) == 2
    assert "--from" in capsys.readouterr().err
