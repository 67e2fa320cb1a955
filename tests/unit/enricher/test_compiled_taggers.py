"""The compiled taggers (`newsdesk compile`) run only when built from the sources at hand, and
tag every article exactly as the sources do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.compile import NOT_COMPILED, left_out, modules, swap_in
from services.enricher.taggers import compiled

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"


def _manifest(directory: Path, sources: Path, **changes: object) -> None:
    manifest: dict[str, object] = {
        "interpreter": compiled.interpreter(),
        "sources": {p.name: compiled.digest(p) for p in modules(sources)},
        "left_out": left_out(sources),
    }
    manifest.update(changes)
    directory.mkdir(exist_ok=True)
    (directory / compiled.MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    copy = tmp_path / "taggers"
    shutil.copytree(compiled.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("_compiled"))
    return copy


def test_a_build_of_the_sources_at_hand_may_run(sources: Path, tmp_path: Path) -> None:
    _manifest(tmp_path / "built", sources)
    assert compiled.why_not(tmp_path / "built", sources) is None


def test_an_edited_source_runs_from_source_until_rebuilt(sources: Path, tmp_path: Path) -> None:
    _manifest(tmp_path / "built", sources)
    rules = sources / "entity_rules.py"
    rules.write_text(rules.read_text() + "\n# an edit\n")
    reason = compiled.why_not(tmp_path / "built", sources)
    assert reason is not None
    assert "entity_rules.py" in reason


def test_a_deleted_source_is_a_changed_one(sources: Path, tmp_path: Path) -> None:
    _manifest(tmp_path / "built", sources)
    (sources / "topics.py").unlink()
    assert "topics.py" in (compiled.why_not(tmp_path / "built", sources) or "")


def test_a_module_added_since_the_build_makes_it_stale(sources: Path, tmp_path: Path) -> None:
    """A compiled module may import the new one, which would run from source: rebuild."""
    _manifest(tmp_path / "built", sources)
    (sources / "story_extra.py").write_text("X = 1\n")
    assert "story_extra.py (new)" in (compiled.why_not(tmp_path / "built", sources) or "")


def test_a_build_without_the_list_of_modules_left_out_is_stale(
    sources: Path, tmp_path: Path
) -> None:
    """Builds from before the manifest listed them: their left-out modules look new."""
    _manifest(tmp_path / "built", sources, left_out=[])
    assert "__init__.py (new)" in (compiled.why_not(tmp_path / "built", sources) or "")


def test_a_build_for_another_python_does_not_run(sources: Path, tmp_path: Path) -> None:
    other = {"cache_tag": "cpython-399", "ext_suffix": ".cpython-399-x86_64-linux-gnu.so"}
    _manifest(tmp_path / "built", sources, interpreter=other)
    assert "another Python" in (compiled.why_not(tmp_path / "built", sources) or "")


def test_no_build_and_a_broken_manifest_say_so(sources: Path, tmp_path: Path) -> None:
    assert "newsdesk compile" in (compiled.why_not(tmp_path / "none", sources) or "")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / compiled.MANIFEST).write_text("{not json")
    assert "unreadable" in (compiled.why_not(tmp_path / "bad", sources) or "")


def test_the_setting_turns_a_good_build_off(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _manifest(tmp_path / "built", sources)
    monkeypatch.setenv("NEWSDESK_COMPILED_TAGGERS", "false")
    assert "NEWSDESK_COMPILED_TAGGERS" in (compiled.why_not(tmp_path / "built", sources) or "")


def test_every_tagger_module_is_compiled_or_says_why_not() -> None:
    every = {p.stem for p in compiled.PACKAGE_DIR.glob("*.py")}
    assert {p.stem for p in modules()} == every - NOT_COMPILED.keys()
    assert NOT_COMPILED.keys() <= every  # no reason kept for a module that is gone
    assert {"entity_rules", "pipeline", "topics", "keywords"} <= {p.stem for p in modules()}


def _tagged(compiled_on: bool) -> tuple[bool, str]:
    """`newsdesk tag` over every wire fixture and labelled article, in a fresh interpreter
    with the compiled taggers on or off; says which copy ran."""
    code = (
        "import sys\n"
        "from services.enricher.taggers.compiled import running_compiled\n"
        "from newsdesk.cli import main\n"
        "print(running_compiled())\n"
        "main(sys.argv[1:])\n"
    )
    paths = [DATA / "wire", DATA / "eval" / "dev", DATA / "eval" / "holdout"]
    env = {**os.environ, "NEWSDESK_COMPILED_TAGGERS": str(compiled_on).lower()}
    done = subprocess.run(
        [sys.executable, "-c", code, "tag", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
        cwd=ROOT,
    )
    first, _, rest = done.stdout.partition("\n")
    return first == "True", rest


@pytest.mark.skipif(compiled.REASON is not None, reason=f"compiled taggers: {compiled.REASON}")
def test_the_compiled_taggers_tag_every_article_as_the_sources_do() -> None:
    ran_compiled, from_build = _tagged(True)
    ran_source, from_source = _tagged(False)
    assert (ran_compiled, ran_source) == (True, False)
    articles = from_source.splitlines()
    assert len(articles) > 350  # every fixture and labelled article, with its tags
    assert all('"tags"' in line for line in articles)
    assert from_build.splitlines() == articles


def test_a_new_build_replaces_the_old_one_whole(tmp_path: Path) -> None:
    target, staged = tmp_path / "_compiled", tmp_path / "_compiled.new-1"
    target.mkdir()
    (target / "old.so").write_text("old")
    staged.mkdir()
    (staged / "new.so").write_text("new")
    swap_in(staged, target)
    assert [p.name for p in target.iterdir()] == ["new.so"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_compiled"]  # nothing left aside


def test_a_first_build_needs_no_old_one(tmp_path: Path) -> None:
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / compiled.MANIFEST).write_text("{}")
    swap_in(staged, tmp_path / "_compiled")
    assert (tmp_path / "_compiled" / compiled.MANIFEST).is_file()
    assert not staged.exists()
