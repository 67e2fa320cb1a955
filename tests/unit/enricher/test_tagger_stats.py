"""Word counts for spaced and unspaced scripts, reading time and the lead summary."""

from __future__ import annotations

import pytest

from services.enricher.taggers.stats import lead_summary, reading_time_s, word_count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("The quick brown fox jumps over the lazy dog.", 9),
        ("U.S. stocks rose 2.5% on Monday’s open.", 7),
        ("地震があった。", 6),
        ("北京6月25日电", 7),
        ("정부는 20일 국무회의에서 예산안을 의결했다.", 5),
        ("", 0),
    ],
)
def test_word_count(text: str, count: int) -> None:
    assert word_count(text) == count


def test_reading_time_scales_with_length() -> None:
    assert reading_time_s("") == 0
    assert reading_time_s("word " * 230) == 60
    assert reading_time_s("字" * 500) == 60


def test_summary_is_the_lead_after_the_dateline() -> None:
    body = "PARIS — First sentence here. " + "Second sentence follows. " * 30
    summary = lead_summary(body, dateline_end=len("PARIS — "))
    assert summary.startswith("First sentence here.")
    assert summary.endswith(".")
    assert len(summary) <= 280


def test_short_body_is_its_own_summary() -> None:
    assert lead_summary("Only one line.") == "Only one line."
