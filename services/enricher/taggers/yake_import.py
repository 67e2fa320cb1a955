"""yake, imported without importing networkx until yake's own ranking needs a graph.

yake's package imports its DataCore, and DataCore imports networkx for the co-occurrence graph
it builds per text. newsdesk never builds one (yake_scores.py ranks without it), yet networkx
costs every enricher ~16 MB resident, a tenth of its memory, and ~0.2 s of start-up. yake
names networkx at import in two places only: `import networkx as nx`, and `nx.DiGraph` in an
annotation. While yake is imported, "networkx" is therefore a stand-in whose attributes are
placeholders; calling one (DataCore's `nx.DiGraph()`) imports the real networkx and calls the
real attribute, so yake's own extractor still works, in full, where a test compares with it.
"""

from __future__ import annotations

import importlib
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from types import ModuleType
from typing import Any


class _Deferred:
    """A networkx attribute yake names at import: the real one is looked up when called."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module("networkx"), self.name)(*args, **kwargs)


class _NetworkxStandIn(ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)  # import machinery probing dunders gets the truth
        return _Deferred(name)


def _import_yake() -> ModuleType:
    if "yake" in sys.modules or "networkx" in sys.modules:
        return importlib.import_module("yake")
    stand_in = _NetworkxStandIn("networkx")
    sys.modules["networkx"] = stand_in
    try:
        return importlib.import_module("yake")
    finally:
        # The stand-in serves only the modules yake imported just now; any later
        # `import networkx`, the _Deferred calls included, gets the real package.
        if sys.modules.get("networkx") is stand_in:
            del sys.modules["networkx"]


yake = _import_yake()


def stopword_lists() -> Traversable:
    """yake's folder of stop lists, `stopwords_<code>.txt` (a few hundred words each)."""
    return resources.files(yake.core) / "StopwordsList"
