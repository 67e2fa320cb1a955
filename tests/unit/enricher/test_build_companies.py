"""The builder of companies.tsv: which listed names the enricher is given, and how written."""

from __future__ import annotations

import pytest

from services.enricher.data.build_companies import OUT, kept, short_name
from services.enricher.taggers import gazetteer

WORDS = {"target", "national", "bank", "progressive", "music", "universal"}
PEOPLE = {"Gates", "Pearson", "Elisa"}


@pytest.mark.parametrize(
    ("listed", "short"),
    [
        ("Tesla, Inc.", "Tesla"),
        ("Eisai Co., Ltd.", "Eisai"),
        ("Stellantis N.V.", "Stellantis"),
        ("Shell plc", "Shell"),
        ("The Cooper Companies", "Cooper Companies"),
        ("Seven & I Holdings Co.", "Seven & I"),
        ("Inditex", "Inditex"),
    ],
)
def test_the_legal_form_is_dropped(listed: str, short: str) -> None:
    assert short_name(listed) == short


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Stellantis", True),
        ("Universal Health Services", True),  # three words: read as a name wherever written
        ("Target", False),  # a common word
        ("National Bank", False),  # two common words
        ("Gates", False),  # a surname
        ("MYR", False),  # too short to tell from a ticker or a currency
        ("Lincoln", False),  # the shipped lists give it a meaning already
    ],
)
def test_names_that_would_mislead_are_left_out(name: str, expected: bool) -> None:
    assert kept(name, {"Lincoln"}, WORDS, PEOPLE) is expected


def test_the_shipped_list_holds_no_surface_another_list_gives_a_meaning() -> None:
    from services.enricher.data.build_companies import shipped_surfaces

    taken = shipped_surfaces()
    rows = gazetteer.rows(OUT)
    assert len(rows) > 1000
    assert not {alias for row in rows for alias in row} & taken
