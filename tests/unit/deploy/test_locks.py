"""The image installs the runtime lock only; development adds tools, never other versions."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    found = [ln.split("==") for ln in lines if "==" in ln and not ln.startswith(("#", " "))]
    return {package.lower(): version for package, version in found}


def test_the_runtime_lock_has_no_development_tools() -> None:
    runtime = pins("requirements.lock")
    assert runtime, "requirements.lock pins nothing"
    for tool in ("pytest", "mypy", "ruff", "schemathesis", "hypothesis", "pycountry"):
        assert tool not in runtime, tool


def test_development_pins_the_same_versions_and_more() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {p: dev.get(p) for p in runtime} == runtime
    assert {"pytest", "mypy", "ruff"} <= dev.keys()


def test_the_build_lock_pins_what_compiling_needs_as_development_does() -> None:
    build, dev = pins("requirements-build.lock"), pins("requirements-dev.lock")
    assert {"mypy", "setuptools"} <= build.keys()
    assert {p: build[p] for p in build if p in dev} == {p: dev[p] for p in build if p in dev}
    assert build.keys() - dev.keys() == {"setuptools"}  # the one pin development lacks


def test_the_image_installs_the_runtime_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.lock" in dockerfile
    assert "requirements-dev.lock" not in dockerfile


def test_the_image_compiles_the_taggers_in_a_stage_it_leaves_behind() -> None:
    stages = (ROOT / "Dockerfile").read_text().split("\nFROM ")[1:]
    assert len(stages) == 2
    build, runtime = stages
    assert "pip install -r requirements-build.lock" in build
    assert "newsdesk.cli compile" in build
    assert "COPY --from=taggers" in runtime
    assert "requirements-build.lock" not in runtime  # no compiler or mypy in the image
