"""Scraped text pages: headline, caption, time line, "CITY —" body, then site lists (dropped)."""

from __future__ import annotations

import re

from shared.errors import ParseError
from shared.models import Image

from . import datelines
from .assembly import Context, Draft, Outcome, assemble
from .charset import decode
from .related import is_lead_in, is_related
from .timestamps import is_time_line, parse_time_line

_SEPARATOR = re.compile(r"^[-–—*•·|=_]{1,3}$")
# Headings of the lists a site prints under a story (most read, rankings, related links).
_LIST_HEADING = re.compile(
    r"popular|most\s+(?:read|viewed|popular|shared|emailed)|ranking|trending|related|"
    r"recommended|read\s+(?:more|next|also)|more\s+(?:from|in|on|stories|news)\b|top\s+stories|"
    r"latest\s+(?:news|stories)|editor'?s\s+picks|you\s+may\s+also|人気|ランキング|関連記事|"
    r"おすすめ|注目|많이\s*본|주요\s*기사|인기|관련\s*기사|랭킹|추천|热门|排行|相关|推荐|"
    r"más\s+leíd|lo\s+más\s+visto|relacionad|les\s+plus\s+lus|à\s+lire\s+aussi|meistgelesen|"
    r"am\s+meisten|mehr\s+zum\s+thema|mais\s+lid|leia\s+também|più\s+lett|leggi\s+anche",
    re.IGNORECASE,
)
_QUOTED_SECTION = re.compile(r"[\"“„«「『‘']\s*(?P<name>[^\"”»」』’']{1,40}?)\s*[\"”»」』’']")
_IN_SECTION = re.compile(
    r"(?:popular|most\s+(?:read|viewed|popular))\s+(?:in|on)\s+(?P<name>[^\W\d_][\w &'-]{0,30})$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^(?:©|copyright\b|\(c\)\s*\d{4})|all rights reserved|무단전재|無断転載|版权所有|"
    r"^(?:advertisement|publicidad|anzeige|werbung|광고|広告|share|share this|copy link)$",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = re.compile(r"^https?://\S+$")
_SPACES = re.compile(r"[^\S\u3000]+")
_SENTENCE_END = re.compile(r"[.!?。！？」』”\"')]$")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    text = decode(data, ctx.charset).lstrip("\ufeff")
    text = _CONTROL.sub("", text.replace("\r", "\n"))
    # Collapse layout whitespace but keep U+3000: CJK headlines use it as punctuation.
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ParseError("empty text page")
    return [assemble(_draft(lines, ctx), ctx)]


def _draft(lines: list[str], ctx: Context) -> Draft:
    out = Draft(kind="text", headline=lines[0])
    out.language = _script_language(" ".join(lines[:8])[:2000])
    time_at = next(
        (i for i in range(1, min(6, len(lines))) if is_time_line(lines[i], now=ctx.now)), None
    )
    if time_at is not None:
        out.published_at = parse_time_line(lines[time_at], now=ctx.now, local=out.language)
        front, start = lines[1:time_at], time_at + 1
        start += _captions_after_time(lines, start)
        front += lines[time_at + 1 : start]
    else:
        start = next((i for i in range(1, min(4, len(lines))) if _opens_story(lines[i])), 1)
        front = lines[1:start]
    while start < len(lines) and (_is_byline(lines[start]) or _URL.match(lines[start])):
        front.append(lines[start])
        start += 1
    out.byline = next((ln for ln in front if _is_byline(ln)), None)
    out.url = next((ln for ln in front if _URL.match(ln)), None)
    out.images = [Image(caption=c) for c in front if not (_is_byline(c) or _URL.match(c))]
    end = _article_end(lines, start)
    out.paragraphs = [ln for ln in _story_lines(lines[start:end]) if not _BOILERPLATE.search(ln)]
    out.section = _section(lines[end:])
    return out


def _captions_after_time(lines: list[str], start: int) -> int:
    """Lines between the time line and a dateline-opened story are captions (0 when none)."""
    for offset in (1, 2):
        at = start + offset
        if at < len(lines) and _opens_story(lines[at]) and not _opens_story(lines[start]):
            return offset
    return 0


def _opens_story(line: str) -> bool:
    return datelines.extract(line) is not None


def _is_byline(line: str) -> bool:
    return len(line) < 80 and bool(re.match(r"(?i)(by|von|por|par|di|door)\s+\S", line))


def _is_heading(line: str) -> bool:
    return len(line) <= 60 and not _SENTENCE_END.search(line)


def _article_end(lines: list[str], start: int) -> int:
    """Where the story stops: a list heading, or the line a bare separator belongs to."""
    for i in range(start, len(lines)):
        line = lines[i]
        if _SEPARATOR.match(line):
            return i - 1 if i - 1 >= start and _is_heading(lines[i - 1]) else i
        if is_related(line) and not is_lead_in(line):
            continue  # "Leia também: <title>" is one line: assemble drops it, the story goes on
        if is_lead_in(line) or (_is_heading(line) and _LIST_HEADING.search(line)):
            if is_lead_in(line) and _story_follows(lines, i + 1):
                continue  # "Leia também" and its links inside the story: _story_lines drops them
            return i
    return len(lines)


def _is_story(line: str) -> bool:
    """A paragraph of the story, not the title of a linked one."""
    return len(line) >= 160 or (len(line) >= 60 and bool(_SENTENCE_END.search(line)))


def _story_follows(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 5]:
        if _SEPARATOR.match(line) or (_is_heading(line) and _LIST_HEADING.search(line)):
            return False
        if _is_story(line):
            return True
    return False


def _story_lines(lines: list[str]) -> list[str]:
    """The story without the link titles a lone lead-in ("LEIA TAMBÉM") introduces."""
    out: list[str] = []
    after_lead_in = False
    for line in lines:
        if is_lead_in(line):
            after_lead_in = True
        elif not (after_lead_in and not _is_story(line)):
            after_lead_in = False
            out.append(line)
    return out


def _section(tail: list[str]) -> str | None:
    """The section a "popular in" list names: '"World" POPULAR ARTICLE', 「社会」の人気記事."""
    for line in tail:
        if not (_is_heading(line) and _LIST_HEADING.search(line)):
            continue
        quoted = _QUOTED_SECTION.search(line)
        named = quoted or _IN_SECTION.search(line)
        if named:
            return named.group("name").strip()
    return None


def _script_language(text: str) -> str | None:
    """Only what the script makes certain; Latin-script languages are the tagger's job."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\uac00-\ud7af]", text):
        return "ko"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    return None
