"""Media Topic classification: wire subject codes first, then multilingual lexicons."""

from __future__ import annotations

import pytest

from services.enricher.taggers.topics import LABELS, classify, keyword_scores, wire_codes
from shared.models import Subject


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (Subject(code="medtop:04000000"), ["04000000"]),
        (Subject(code="http://cv.iptc.org/newscodes/mediatopic/15000000"), ["15000000"]),
        (Subject(code="subj:15065000", scheme="subj"), ["15000000"]),
        (Subject(code="04008000"), ["04000000"]),
        (Subject(code="medtop:20000763"), []),  # a deeper Media Topic: no top level in the code
        (Subject(code="NEWS"), []),
    ],
)
def test_wire_codes(subject: Subject, expected: list[str]) -> None:
    assert wire_codes([subject]) == expected


@pytest.mark.parametrize(
    ("headline", "body", "primary"),
    [
        (
            "Alcaraz beats Djokovic in Wimbledon final",
            "The Spaniard won the match and the title.",
            "15",
        ),
        ("Earthquake kills dozens", "Rescuers searched collapsed buildings after the quake.", "03"),
        ("Parliament passes budget", "Lawmakers voted after the opposition walked out.", "11"),
        ("Inflation slows, central bank cuts rates", "Markets rallied as investors cheered.", "04"),
        (
            "Streik bei der Bahn",
            "Die Gewerkschaft ruft zum Streik auf; Lokführer legen die Arbeit nieder.",
            "09",
        ),
        ("Le pape François célèbre la messe", "Des milliers de fidèles à la cathédrale.", "12"),
        (
            "Lluvias torrenciales en Valencia",
            "La Aemet mantiene los avisos por tormentas y lluvia.",
            "17",
        ),
        ("能登で震度7の地震", "津波警報が出され、住民が避難した。", "03"),
        ("嫦娥六号成功着陆", "探测器带回月球样品，科研人员将开展研究。", "13"),
        ("합계출산율 역대 최저", "출생아 수가 줄고 인구 감소가 이어졌다.", "14"),
    ],
)
def test_primary_topic(headline: str, body: str, primary: str) -> None:
    found = classify(headline, body, [])
    assert found
    assert found[0].code == f"medtop:{primary}000000"
    assert found[0].score == 1.0
    assert all(0.0 <= t.score <= 1.0 for t in found)


def test_wire_subject_outweighs_keywords() -> None:
    found = classify(
        "Election result", "Voters chose a new parliament.", [Subject(code="medtop:04000000")]
    )
    assert found[0].code == "medtop:04000000"
    assert len(found) <= 3


def test_labels_cover_the_seventeen_top_levels() -> None:
    assert sorted(LABELS) == [f"{n:02d}000000" for n in range(1, 18)]


def test_nothing_to_go_on_gives_no_topic() -> None:
    assert classify("", "", []) == []


@pytest.mark.parametrize(
    ("headline", "body", "language", "primary"),
    [
        # French "prix" (price) is not economy in an English Grand Prix report.
        (
            "Verstappen wins Japanese Grand Prix",
            "The Dutchman led the race from pole and his team took the championship lead.",
            "en",
            "15",
        ),
        # Portuguese "real" (the currency) is not economy in Spanish football.
        (
            "El Real Madrid gana la final",
            "El equipo del entrenador ganó el título de la temporada.",
            "es",
            "15",
        ),
        # French "vent" (wind) is a word of its own, not the start of "ventes" (sales).
        ("LVMH voit ses ventes reculer", "Le groupe publie son chiffre d'affaires.", "fr", "04"),
    ],
)
def test_a_text_is_read_with_its_own_language_lexicon(
    headline: str, body: str, language: str, primary: str
) -> None:
    found = classify(headline, body, [], language=language)
    assert found[0].code == f"medtop:{primary}000000"


def test_an_unknown_language_is_read_with_every_lexicon() -> None:
    assert keyword_scores("streik", "nl") == keyword_scores("streik", None)
    assert keyword_scores("streik", None) == {"09000000": 1.0}
    assert keyword_scores("streik", "en") == {}


def test_english_function_words_are_no_topic() -> None:
    """'won' (the currency) and 'who' (the agency) were lexicon terms; as English words they
    tagged every sports result and every quote."""
    assert keyword_scores("the team who won", "en") == {"15000000": 1.0}


def _codes(headline: str, body: str, subjects: list[Subject] | None = None) -> list[str]:
    return [t.code[7:9] for t in classify(headline, body, subjects or [], language="en")]


STRIKE = "Workers walked out on Monday.\nThe union said the strike would go on."


def test_a_secondary_topic_mentioned_in_one_part_of_the_story_is_left_out() -> None:
    # "technology" in the headline only (0.67 of the primary's score): a strike story
    assert _codes("Union calls strike at technology plant", STRIKE) == ["09"]


def test_a_secondary_topic_in_two_parts_of_the_story_is_kept() -> None:
    body = STRIKE + " The technology it makes is in short supply."
    assert _codes("Union calls strike at technology plant", body) == ["09", "13"]


def test_a_secondary_topic_the_wire_sent_is_kept_on_one_mention() -> None:
    wire = [Subject(code="medtop:13000000")]
    assert _codes("Union calls strike at technology plant", STRIKE, wire) == ["13", "09"]
