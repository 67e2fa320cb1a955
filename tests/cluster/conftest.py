"""A real Redis Cluster for the cluster tests: 3 masters and 3 replicas of Debian's
redis-server on free loopback ports, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.redis_cluster import LocalCluster, start_cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    local = start_cluster(Path(tmp_path_factory.mktemp("cluster")), masters=3, replicas=1)
    try:
        yield local
    finally:
        local.stop()
