"""docker-compose.yml is valid Compose and runs only commands `newsdesk` understands.

Docker cannot run on the build machines, so the file is checked against the Compose
specification schema and against the CLI's own parser instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from newsdesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "tests" / "data" / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc


def test_compose_file_follows_the_specification(compose: dict[str, Any]) -> None:
    # The published schema names its draft without the trailing '#' that jsonschema looks
    # up, so the draft is chosen here rather than guessed (and warned about).
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose)


APPS = {"ingest", "enricher", "ranking"}


def test_every_service_command_is_a_newsdesk_command(compose: dict[str, Any]) -> None:
    parser = build_parser()
    services = compose["services"]
    app_services = {n: s for n, s in services.items() if n.removesuffix("-cluster") in APPS}
    assert set(app_services) == APPS | {f"{a}-cluster" for a in APPS}
    for name, service in app_services.items():
        args = parser.parse_args(service["command"])
        assert args.command == name.removesuffix("-cluster")


def test_the_cluster_profile_runs_the_same_services_sharded_on_six_nodes(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    nodes = [s for n, s in services.items() if n.startswith("redis-c")]
    assert len(nodes) == 6
    assert all("--cluster-enabled yes" in " ".join(n["command"]) for n in nodes)
    assert all(s.get("profiles") == ["cluster"] for s in nodes)
    create = " ".join(services["cluster-init"]["command"])
    assert "--cluster-replicas 1" in create
    for app in APPS:
        service = services[f"{app}-cluster"]
        env = service["environment"]
        assert (env["NEWSDESK_REDIS_CLUSTER"], env["NEWSDESK_SHARDS"]) == ("true", "3")
        assert env["NEWSDESK_WRITE_REPLICAS"] == "1"
        assert service["depends_on"] == {
            "cluster-init": {"condition": "service_completed_successfully"}
        }
        assert service["profiles"] == ["cluster"]


def test_every_redis_keeps_an_aof_with_an_uncompressed_base(compose: dict[str, Any]) -> None:
    """As the private redis-server of `newsdesk up` does (newsdesk/redis_server.py)."""
    services = compose["services"]
    redises = [s for n, s in services.items() if n == "redis" or n.startswith("redis-c")]
    assert len(redises) == 7
    for service in redises:
        command = " ".join(service["command"])
        assert "--appendonly yes" in command
        assert "--rdbcompression no" in command


def test_health_checks_and_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    assert "appendonly" in " ".join(services["redis"]["command"])
    for name in ("ingest", "enricher", "ranking"):
        service = services[name]
        assert "/health/ready" in " ".join(service["healthcheck"]["test"])
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["enricher"]["deploy"]["replicas"] == 2


def test_image_runs_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}
