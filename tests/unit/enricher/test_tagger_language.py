"""Language detection: scripts decide CJK, lingua the rest, the wire's code when text is short."""

from __future__ import annotations

import pytest

from services.enricher.taggers.language import detect_language, normalise_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The central bank kept interest rates unchanged on Wednesday, citing sticky inflation.",
            "en",
        ),
        ("Die Bundesregierung will die Schuldenbremse im kommenden Jahr wieder einhalten.", "de"),
        ("Le gouvernement a présenté mercredi son projet de budget pour l’année prochaine.", "fr"),
        ("El Gobierno aprobó este martes el proyecto de presupuestos para el próximo año.", "es"),
        ("Il governo ha approvato ieri sera il decreto sulle bollette energetiche.", "it"),
        ("O governo federal anunciou nesta segunda-feira um novo pacote de obras.", "pt"),
        ("De regering heeft dinsdag het nieuwe klimaatplan gepresenteerd in Den Haag.", "nl"),
        ("Regeringen presenterade på tisdagen sin budget för nästa år i riksdagen.", "sv"),
        ("Regeringen fremlagde tirsdag sit forslag til finansloven for næste år.", "da"),
        ("Hallitus esitteli tiistaina ensi vuoden talousarvioesityksensä eduskunnalle.", "fi"),
        ("Правительство в среду одобрило проект бюджета на следующий год.", "ru"),
        ("Η κυβέρνηση παρουσίασε την Τετάρτη τον προϋπολογισμό του επόμενου έτους.", "el"),
        ("政府は20日の閣議で、来年度予算案を決定した。歳出総額は過去最大となる。", "ja"),
        ("国务院常务会议20日审议通过了明年的财政预算草案，支出规模创历史新高。", "zh"),
        ("정부는 20일 국무회의에서 내년도 예산안을 의결했다. 총지출은 역대 최대 규모다.", "ko"),
    ],
)
def test_detects_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_short_text_falls_back_to_declared() -> None:
    assert detect_language("OK", "en-GB") == "en"
    assert detect_language("", "pt-BR") == "pt"
    assert detect_language("12:00", None) is None


def test_text_outweighs_declared_language() -> None:
    danish = "Regeringen fremlagde tirsdag sit forslag til finansloven for næste år."
    assert detect_language(danish, "no-NO") == "da"


@pytest.mark.parametrize(
    ("declared", "code"),
    [
        ("en-GB", "en"),
        ("zh-Hans", "zh"),
        ("pt_BR", "pt"),
        ("no-NO", "nb"),
        ("", None),
        (None, None),
    ],
)
def test_normalise_code(declared: str | None, code: str | None) -> None:
    assert normalise_code(declared) == code


def test_function_words_past_the_first_300_characters_settle_the_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A headline repeated in a lead of names holds few function words; counting 600
    characters settles English without asking lingua (~0.5 ms a call)."""
    import services.enricher.taggers.language as language

    names = (
        "Nasdaq Chief Executive Adena Friedman, HKEX Chair Carlson Tong Ka-shing, "
        "Euronext Chief Stéphane Boujnah, Deutsche Börse Chief Theodor Weimer. "
    )
    lead = (
        "The exchanges said on Monday that the talks were over and that the plan, which "
        "was drawn up with the banks, has been put to the boards for a vote by the end of "
        "the year, according to people who have seen it. "
    )
    text = names * 2 + lead
    assert language._stopword_vote(text[: language.SAMPLE_CHARS]) is None  # lingua's sample

    def no_lingua() -> None:
        raise AssertionError("lingua was asked")

    monkeypatch.setattr(language, "detector", no_lingua)
    assert detect_language(text) == "en"
