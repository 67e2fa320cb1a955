"""The enricher imports yake without networkx, and yake's own extractor still works after.

Each case runs in a fresh interpreter: in this one, other tests may have imported yake or
networkx already, and the stand-in only acts on a process's first import of yake.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_warmed_up_enricher_has_not_imported_networkx() -> None:
    out = _run(
        """
        import asyncio, sys
        import services.enricher.app
        from services.enricher.handlers import warm_up
        from services.enricher.taggers.keywords import extract_keywords
        asyncio.run(warm_up())
        print(extract_keywords("Stellantis to cut jobs at its Turin plant, unions say", "en"))
        print("networkx" in sys.modules)
        """
    )
    *_logged, keywords, networkx_loaded = out.splitlines()  # warm_up logs which taggers run
    assert "Stellantis" in keywords
    assert networkx_loaded == "False"


def test_yakes_own_extractor_gets_the_real_networkx_when_it_builds_a_graph() -> None:
    out = _run(
        """
        import sys
        from services.enricher.taggers.keywords import _extractor
        from services.enricher.taggers.yake_scores import Ranker
        text = "Central bank raises rates as inflation in the euro zone climbs again"
        extractor = _extractor("en")
        print("networkx" in sys.modules)
        print(extractor.extract_keywords(text) == Ranker(extractor)(text) != [])
        import networkx
        print(type(networkx.DiGraph()).__module__)
        """
    )
    assert out.splitlines() == ["False", "True", "networkx.classes.digraph"]


def test_networkx_imported_first_is_left_as_it_is() -> None:
    out = _run(
        """
        import networkx, sys
        from services.enricher.taggers.yake_import import yake
        print(yake.data.core.nx is networkx is sys.modules["networkx"])
        """
    )
    assert out == "True"
