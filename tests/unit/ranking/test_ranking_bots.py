"""The crawler list: known bots rejected, real browsers and in-app readers kept."""

from __future__ import annotations

import pytest

from services.ranking.domain.bots import BotFilter, is_literal, load_patterns

BOTS = [
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; "
    "+https://openai.com/bot)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
    "Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
    "+https://openai.com/gptbot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Twitterbot/1.0",
]
READERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.35.117;FBBV/547838925]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Mobile/15E148 Line/13.20.0",
    # words a regex on "bot" would catch, in a real browser's agent
    "Mozilla/5.0 (Linux; Android 12; Robotics Tablet) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36",
]


@pytest.fixture(scope="module")
def bots() -> BotFilter:
    return BotFilter()


@pytest.mark.parametrize("agent", BOTS)
def test_known_crawlers_are_bots(bots: BotFilter, agent: str) -> None:
    assert bots.is_bot(agent)


@pytest.mark.parametrize("agent", READERS)
def test_browsers_and_in_app_readers_are_not(bots: BotFilter, agent: str) -> None:
    assert not bots.is_bot(agent)


@pytest.mark.parametrize("agent", [None, ""])
def test_a_missing_agent_is_a_reader(bots: BotFilter, agent: str | None) -> None:
    assert not bots.is_bot(agent)


def test_the_maintained_list_is_used_in_full() -> None:
    patterns = load_patterns()
    assert len(patterns) > 1000
    assert sum(is_literal(p) for p in patterns) > 0.9 * len(patterns)
    assert not is_literal(r"^curl")
    assert not is_literal(r"Foo\d")
    assert is_literal(r"Googlebot\/")


def test_regex_patterns_still_match() -> None:
    f = BotFilter([r"^curl", "Literal\\/1"])
    assert f.is_bot("curl/8")
    assert not f.is_bot("not curl/8")
    assert f.is_bot("x Literal/1 y")


def test_the_verdict_cache_is_bounded() -> None:
    f = BotFilter(["Googlebot"], cache_size=10)
    for n in range(25):
        f.is_bot(f"agent {n}")
    assert len(f._cache) <= 10
