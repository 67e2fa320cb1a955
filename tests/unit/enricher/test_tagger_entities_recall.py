"""Entity kinds the dev set lacks: unlisted companies and clubs, one-mention people, CJK
organisations and suffixed places, and the precision traps of titles and team names."""

from __future__ import annotations

import pytest

from services.enricher.taggers.entities import extract_entities


def _tag(text: str, lang: str) -> set[tuple[str, str]]:
    headline = text.partition("\n\n")[0] if "\n\n" in text else ""
    return {(e.type, e.name) for e in extract_entities(text, lang, None, len(headline))}


CASES = [
    (
        "en",
        "Norris was fifth, said Lando Norris of the team.",
        {("person", "Lando Norris")},
        set(),
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), CASES)
def test_entities(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag(text, lang)
    assert expected <= found, expected - found
    assert not absent & found, absent & found
