"""`newsdesk parse`: one JSON line per article, files in name order, clear errors, exit codes."""

from __future__ import annotations

import io
import json
import shutil
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

from services.ingest.parse_cli import FIELDS, cmd_parse, run_parse
from shared.models import article_id

DATA = Path(__file__).parents[2] / "data"
KEYS = ["file", "item", "id", *FIELDS]


def run(paths: list[str], fmt: str | None = None) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_parse(paths, fmt, out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "b").mkdir()
    shutil.copy(DATA / "seed" / "kishida-yoon-san-francisco.txt", tmp_path / "b" / "seed.txt")
    shutil.copy(DATA / "eval" / "dev" / "24-feed-top-news.xml", tmp_path / "a-feed.xml")
    shutil.copy(DATA / "eval" / "dev" / "05-ecb-rate-cut-wire.json", tmp_path / "c.json")
    (tmp_path / "README.md").write_text("# notes, not an article\n")
    (tmp_path / ".hidden.txt").write_text("not an article either\n")
    return tmp_path


def test_folder_in_name_order_with_every_field(folder: Path) -> None:
    code, rows, err = run([str(folder)])
    assert (code, err) == (0, "")
    assert [(Path(r["file"]).relative_to(folder).as_posix(), r["item"]) for r in rows] == [
        ("a-feed.xml", 0), ("a-feed.xml", 1), ("b/seed.txt", 0), ("c.json", 0),
    ]  # fmt: skip
    for row in rows:
        assert list(row) == KEYS
        assert row["id"] == article_id("local", row["guid"])
    seed = rows[2]
    assert seed["published_at"] == "2023-11-17T07:05:00Z"
    assert (seed["section"], seed["dateline"]) == ("World", "SAN FRANCISCO")
    assert seed["images"][0]["caption"].startswith("Prime Minister Fumio Kishida")
    assert rows[3]["subjects"][0]["code"] == "medtop:04000000"


def test_files_given_explicitly_keep_their_path(folder: Path) -> None:
    path = str(folder / "c.json")
    code, rows, _ = run([path, str(folder / "README.md")])
    assert code == 0
    assert [r["file"] for r in rows] == [path, str(folder / "README.md")]  # explicit: parsed


def test_unreadable_file_is_one_clear_line_and_the_rest_goes_on(folder: Path) -> None:
    (folder / "broken.json").write_text('{"uri": ')
    (folder / "kill.json").write_text('{"uri": "x", "pubstatus": "cancelled"}')
    code, rows, err = run([str(folder), str(folder / "missing.xml")])
    assert code == 1
    assert len(rows) == 4
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{folder / 'broken.json'}: ParseError: not valid JSON")
    assert lines[1].startswith(f"{folder / 'kill.json'}#0: ParseError: pubstatus:")
    assert lines[2] == f"{folder / 'missing.xml'}: no such file or directory"


def test_format_flag_forces_a_parser(folder: Path) -> None:
    code, rows, _ = run([str(folder / "b" / "seed.txt")], fmt="text")
    assert code == 0
    assert rows[0]["headline"].startswith("Japan’s Kishida")
    code, rows, err = run([str(folder / "c.json")], fmt="nitf")
    assert code == 1
    assert rows == []
    assert "not well-formed XML" in err


def test_dev_set_parses_cleanly() -> None:
    code, rows, err = run([str(DATA / "eval" / "dev")])
    assert (code, err) == (0, "")
    assert len(rows) == 30


def test_cmd_parse_entry_point(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cmd_parse(Namespace(paths=[str(folder / "c.json")], fmt=None), None)
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["guid"].startswith("urn:newsml:continentalnews.example")
