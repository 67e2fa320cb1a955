"""Key names that must keep producers apart."""

from __future__ import annotations

from shared.keys import Keys


def test_view_dedupe_keys_are_scoped_to_the_producer() -> None:
    keys = Keys("nd")
    assert keys.view_dedupe_prefix("web") != keys.view_dedupe_prefix("app")
    # a name holding the separator cannot pose as another producer's prefix
    assert not (keys.view_dedupe_prefix("a:b") + "c").startswith(keys.view_dedupe_prefix("a"))
    assert keys.view_dedupe_prefix("web").startswith("{nd}:ingest:view:")


def test_request_and_nonce_keys_are_scoped_to_the_producer() -> None:
    keys = Keys("nd")
    assert keys.request_chunk("a", "k.1", 0) != keys.request_chunk("b", "k.1", 0)
    assert keys.request_chunk("a", "k.1", 0) != keys.request_chunk("a", "k.1", 1)
    assert keys.signing_nonce("a", "n") != keys.signing_nonce("b", "n")
