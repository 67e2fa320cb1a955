"""Entity rules for Japanese, Chinese and Korean, where names are not capitalised or spaced."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enricher.taggers.entities_ko import korean_mentions

_KANJI = "\u4e00-\u9fff\u3400-\u4dbf々髙"
_KATA = "\u30a0-\u30ffー・"

# Japanese: a name followed by an honorific or a title.
_JA_PERSON = re.compile(
    rf"(?P<name>[{_KANJI}]{{2,5}}|[{_KATA}]{{3,24}})"
    r"(?:さん|氏|首相|大統領|前首相|元首相|市長|知事|社長|会長|監督|選手|容疑者|議員|大臣|長官|総裁|"
    r"代表|委員長|教授|被告|幹事長|官房長官|外相|財務相|防衛相|国王|女王|主席|総統)"
)
_JA_ORG = re.compile(
    rf"(?P<name>[{_KANJI}{_KATA}]{{2,12}}?(?:庁|省|委員会|電力|銀行|大学|協会|機構|裁判所|研究所|"
    r"グループ|通信|新聞|病院|警察|工業|自動車|財団|連合|組合|議会|隊|党))(?![\u4e00-\u9fff])"
)
_JA_PLACE_SUFFIX = (
    "都",
    "府",
    "県",
    "市",
    "町",
    "村",
    "区",
    "郡",
    "半島",
    "地方",
    "島",
    "山",
    "川",
    "湖",
    "湾",
)
_ZH_ORG = re.compile(
    rf"(?P<name>[{_KANJI}]{{2,10}}?(?:航天局|局|委员会|银行|公司|大学|集团|协会|研究院|研究所|科学院|署|"
    r"法院|检察院|党)|国务院|外交部|国防部|商务部|财政部|教育部|公安部|卫健委|发改委|央行)"
)
_ZH_PLACE_SUFFIX = ("自治区", "省", "市", "县", "区", "旗", "镇", "乡", "州")
_ZH_SPLIT = re.compile("[的据在由于和与及对向从将被把为是了等至并到已经也都还又就对给让使]")
_NOT_AFTER = frozenset("域场长長民政委内外部議庁")
_NOT_BASE = re.compile(r"^[同各全本当両他大小新旧]|^(?:都|地方|中心|周辺|市内)$")


@dataclass(frozen=True)
class CjkMention:
    start: int
    end: int
    type: str
    surface: str


def cjk_mentions(text: str, language: str, cuts: frozenset[int] = frozenset()) -> list[CjkMention]:
    """Rule mentions; `cuts` are offsets where a known name ends, so a new one may start."""
    if language == "ja":
        return _japanese(text, cuts)
    if language == "zh":
        return _chinese(text, cuts)
    if language == "ko":
        return _korean(text, cuts)
    return []


def _japanese(text: str, cuts: frozenset[int]) -> list[CjkMention]:
    out = [_m(m, "person") for m in _JA_PERSON.finditer(text)]
    out += [_m(m, "org") for m in _JA_ORG.finditer(text) if not _NOT_BASE.match(m.group("name"))]
    for run in re.finditer(f"[{_KANJI}]+", text):
        out += _suffix_places(run.group(), run.start(), _JA_PLACE_SUFFIX, cuts)
    return out


def _chinese(text: str, cuts: frozenset[int]) -> list[CjkMention]:
    out: list[CjkMention] = []
    for run in re.finditer(f"[{_KANJI}]+", text):
        pos = run.start()
        for piece in _ZH_SPLIT.split(run.group()):
            for m in _ZH_ORG.finditer(piece):
                out.append(CjkMention(pos + m.start(), pos + m.end(), "org", m.group("name")))
            out += _suffix_places(piece, pos, _ZH_PLACE_SUFFIX, cuts)
            pos += len(piece) + 1
    return out


def _korean(text: str, cuts: frozenset[int]) -> list[CjkMention]:
    return [CjkMention(m.start, m.end, m.type, m.surface) for m in korean_mentions(text, cuts)]


def _m(match: re.Match[str], kind: str) -> CjkMention:
    return CjkMention(match.start("name"), match.end("name"), kind, match.group("name"))


def _suffix_places(
    run: str, offset: int, suffixes: tuple[str, ...], cuts: frozenset[int]
) -> list[CjkMention]:
    """Cut a Han run after each administrative suffix: 兵庫県芦屋市 -> 兵庫県, 芦屋市."""
    out = []
    cut = 0
    i = 0
    while i < len(run):
        if offset + i in cuts:
            cut = i
        suffix = next((s for s in suffixes if run.startswith(s, i)), None)
        if suffix is None:
            i += 1
            continue
        end = i + len(suffix)
        base = run[cut:i]
        follows = run[end] if end < len(run) else ""
        if 2 <= len(base) <= 4 and follows not in _NOT_AFTER and not _NOT_BASE.match(base):
            out.append(CjkMention(offset + cut, offset + end, "place", run[cut:end]))
            cut = end
        elif len(base) > 4 or _NOT_BASE.match(base):
            cut = end  # "同県", or too long to be one name: the next name starts after it
        i = end
    return out
