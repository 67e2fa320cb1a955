"""The command line's rough edges, filed from a first run: pipes, foreign answers on a
port, bad choices, empty lists, and --help with examples everywhere."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import httpx
import pytest

from newsdesk.cli import WINDOWS, build_parser, main
from newsdesk.ops_cli import health_state
from services.ranking.domain.windows import WINDOWS as RANKING_WINDOWS
from shared.settings import Settings


def all_parsers(
    parser: argparse.ArgumentParser, path: str = "newsdesk"
) -> dict[str, argparse.ArgumentParser]:
    found = {path: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.update(all_parsers(child, f"{path} {name}"))
    return found


def test_every_command_has_help_with_an_example() -> None:
    parsers = all_parsers(build_parser())
    assert len(parsers) > 20
    for path, parser in parsers.items():
        if path == "newsdesk":
            continue
        text = parser.format_help()
        assert "examples:" in text, path
        first_word = path.split()[1]
        assert f"newsdesk {first_word}" in text.split("examples:")[1], path


def test_top_lists_the_window_choices_instead_of_an_api_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert WINDOWS == RANKING_WINDOWS
    with pytest.raises(SystemExit) as exit_info:
        main(["top", "--window", "2h"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: '2h'" in err
    assert "'1h', '24h', '7d', 'today'" in err


def test_status_through_a_closed_pipe_exits_quietly(settings: Settings) -> None:
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": settings.redis_url,
        "NEWSDESK_KEY_PREFIX": settings.key_prefix,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "status"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # like `| head -1` once it has its line: every write now fails
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert b"BrokenPipeError" not in err
    assert b"Traceback" not in err


def test_status_names_a_foreign_answer_instead_of_failing_on_it() -> None:
    html = httpx.Response(404, text="<h1>Not Found</h1>", headers={"content-type": "text/html"})
    other_json = httpx.Response(200, json={"status": "ok", "service": "grafana"})
    ours = httpx.Response(200, json={"status": "ok", "service": "ranking"})
    not_ready = httpx.Response(503, json={"service": "ranking", "reasons": ["broker not started"]})
    assert health_state("ranking", html).startswith("NOT newsdesk ranking: something else")
    assert "HTTP 404, text/html" in health_state("ranking", html)
    assert health_state("ranking", other_json).startswith("NOT newsdesk ranking")
    assert health_state("ranking", ours) == "ready"
    assert health_state("ranking", not_ready) == "NOT READY: broker not started"


def test_dlq_list_says_when_there_is_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSDESK_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("NEWSDESK_KEY_PREFIX", settings.key_prefix)
    assert main(["dlq", "list", "--stream", "views"]) == 0
    assert capsys.readouterr().out.startswith("no dead letters in ")
