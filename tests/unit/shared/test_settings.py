"""Settings come from NEWSDESK_* variables and fail fast on bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_defaults_are_safe_for_a_local_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSDESK_REDIS_URL", "NEWSDESK_KEY_PREFIX", "NEWSDESK_INGEST_PORT"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.redis_url == "redis://127.0.0.1:6379/0"
    assert (s.ingest_port, s.enricher_port, s.ranking_port) == (8000, 8001, 8002)
    assert s.host == "127.0.0.1"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_REDIS_URL", "rediss://user@redis.example:6380/1")
    monkeypatch.setenv("NEWSDESK_KEY_PREFIX", "site-a")
    monkeypatch.setenv("NEWSDESK_RANKING_PORT", "9002")
    monkeypatch.setenv("NEWSDESK_LOG_FORMAT", "json")
    s = Settings()
    assert s.redis_url.startswith("rediss://")
    assert s.keys.raw == "{site-a}:articles.raw"
    assert s.port_for("ranking") == 9002
    assert s.log_format == "json"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSDESK_REDIS_URL", "http://localhost:6379"),
        ("NEWSDESK_INGEST_PORT", "70000"),
        ("NEWSDESK_KEY_PREFIX", "has space"),
        ("NEWSDESK_LOG_LEVEL", "LOUD"),
        ("NEWSDESK_RANKING_RETAIN_DAYS", "5"),  # shorter than the 7d window it must outlast
    ],
)
def test_bad_values_fail_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert name.removeprefix("NEWSDESK_").lower() in str(err.value)


def test_password_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_REDIS_PASSWORD", "hunter2")
    s = Settings()
    assert "hunter2" not in repr(s)
    assert s.redis_password is not None
    assert s.redis_password.get_secret_value() == "hunter2"
