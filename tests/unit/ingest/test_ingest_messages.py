"""Stream messages as ingest serialises them: the same JSON readers parse, right-sized."""

from __future__ import annotations

import tracemalloc

import orjson

from services.ingest.publisher import message
from shared.models import ViewEvent


def test_a_view_message_is_its_json_and_holds_no_spare_buffer() -> None:
    """orjson.dumps (3.12+) returns bytes keeping a >= 4 KiB buffer: 270k views of ~100 B
    held 1.1 GB in one request. A message must cost about its length."""
    views = [ViewEvent(article_id=f"a{n}", reader_id="r") for n in range(2000)]
    assert orjson.loads(message(views[0])) == views[0].model_dump(mode="json")
    tracemalloc.start()
    try:
        kept = [message(view) for view in views]
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    per_message = held / len(kept)
    assert per_message < 2 * len(kept[0]) + 64, f"{per_message:.0f} B held per message"
