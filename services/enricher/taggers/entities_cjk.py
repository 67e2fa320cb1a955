"""Entity rules for Japanese, Chinese and Korean, where names are not capitalised or spaced."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.entities_ja import KANJI, japanese_names
from services.enricher.taggers.entities_ko import korean_mentions

_KANJI = KANJI

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
    rf"法院|检察院|党|组织|联盟)|[{_KANJI}]{{2,8}}?(?:中心|管理部|资源部|环境部)|国务院|外交部|国防部|商务部|"
    r"财政部|教育部|公安部|卫健委|发改委|央行)"
)
# 董事长王传福在, 发言人毛宁20日: a title, a surname and one or two characters, then what a
# sentence says next about a person.
_ZH_TITLE = (
    r"(?:副总理|总理|副主席|主席|董事长|总经理|发言人|部长|外长|局长|市长|省长|书记|首席专家|专家|教授|院士"
    r"|总裁|总统|首相|大使|主任|会长|行长|校长|县长|区长|司令员|教练|经理|创始人)"
)
_ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴"
    "霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑"
)
_ZH_NEXT = (
    r"(?=说|表示|称|指出|强调|介绍|认为|宣布|透露|在|于|，|。|、|将|已|和|与|则|也|还|曾|率|此前"
    r"|告诉|回应|会见|访问|出席|主持|\d)"
)
_ZH_PERSON = re.compile(rf"{_ZH_TITLE}(?P<name>[{_ZH_SURNAMES}][{_KANJI}]{{1,2}}?){_ZH_NEXT}")
# 外交部长拉夫罗夫此前表示: a foreign name after a title, when a verb of saying follows.
_ZH_FOREIGN = re.compile(
    rf"(?:外交部长|外长|总统|首相|总理|国务卿|秘书长)(?P<name>[{_KANJI}]{{2,6}}?)(?=此前|说|表示|称|指出)"
)
_VAGUE_ORG_ENDS = ("中心", "组织", "联盟")
_LONG_FORM_ENDS = tuple(sorted(cues.LISTS["cjk_long_form_ends"]))
_NATIONAL = ("国家", "国际", "世界", "中国", "全国", "中央")
# 台湾积体电路制造（TSMC）: the Latin short form of the name before it.
_LONG_FORM = re.compile(
    rf"(?P<name>[{_KANJI}\u30a0-\u30ffー]{{2,14}})[（(](?P<short>[A-Z]{{2,6}})[）)]"
)
_ZH_PLACE_SUFFIX = ("自治区", "省", "市", "县", "区", "旗", "镇", "乡", "州")
_ZH_SPLIT = re.compile("[的据在由于和与及对向从将被把为是了等至并到已经也都还又就对给让使往赴]")
_NOT_AFTER = frozenset("域场长長民政委内外部議庁")
_NOT_BASE = re.compile(r"^[同各全本当両他大小新旧]|^(?:都|地方|中心|周辺|市内)$")


@dataclass(frozen=True)
class CjkMention:
    start: int
    end: int
    type: str
    surface: str
    aliases: tuple[str, ...] = ()


def cjk_mentions(
    text: str,
    language: str,
    cuts: frozenset[int] = frozenset(),
    starts: frozenset[int] = frozenset(),
) -> list[CjkMention]:
    """Rule mentions; `cuts` are offsets where a known place ends, so a new one may start, and
    `starts` where one starts, so a name before it ends there."""
    if language == "ja":
        return _japanese(text, cuts, starts)
    if language == "zh":
        return _chinese(text, cuts, starts)
    if language == "ko":
        return _korean(text, cuts)
    return []


def _japanese(text: str, cuts: frozenset[int], starts: frozenset[int]) -> list[CjkMention]:
    out = [CjkMention(*span) for span in japanese_names(text)]
    for run in re.finditer(f"[{_KANJI}]+", text):
        out += _suffix_places(run.group(), run.start(), _JA_PLACE_SUFFIX, cuts, starts)
    return out + _long_forms(text)


def _chinese(text: str, cuts: frozenset[int], starts: frozenset[int]) -> list[CjkMention]:
    out = [_m(m, "person") for m in _ZH_PERSON.finditer(text)]
    out += [_m(m, "person") for m in _ZH_FOREIGN.finditer(text)]
    for run in re.finditer(f"[{_KANJI}]+", text):
        pos = run.start()
        for piece in _ZH_SPLIT.split(run.group()):
            for m in _ZH_ORG.finditer(piece):
                start = _org_start(piece, m, pos, starts)
                if start is not None:
                    out.append(
                        CjkMention(pos + start, pos + m.end(), "org", piece[start : m.end()])
                    )
            out += _suffix_places(piece, pos, _ZH_PLACE_SUFFIX, cuts, starts)
            pos += len(piece) + 1
    return out + _long_forms(text)


def _org_start(piece: str, match: re.Match[str], pos: int, starts: frozenset[int]) -> int | None:
    """中心 and 组织 are everyday words ('登陆时中心', '要求全力组织'): such a name counts only
    from a place or a national prefix in it (国家气候中心, 上海合作组织)."""
    if not match.group("name").endswith(_VAGUE_ORG_ENDS):
        return match.start()
    for i in range(match.start(), match.end() - 2):
        if pos + i in starts or piece.startswith(_NATIONAL, i):
            return i
    return None


def _long_forms(text: str) -> list[CjkMention]:
    """'台湾積体電路製造（TSMC）': the name is the organisation, the short form its alias, and
    every later TSMC the same organisation."""
    out = []
    for m in _LONG_FORM.finditer(text):
        name, short = m.group("name"), m.group("short")
        if not name.endswith(_LONG_FORM_ENDS):
            continue  # "高保护价值（HCV）" abbreviates a term, not an organisation
        out.append(CjkMention(m.start("name"), m.end("name"), "org", name, (short,)))
        for s in re.finditer(rf"(?<![A-Za-z]){short}(?![A-Za-z])", text):
            out.append(CjkMention(s.start(), s.end(), "org", short, (name,)))
    return out


def _korean(text: str, cuts: frozenset[int]) -> list[CjkMention]:
    return [CjkMention(m.start, m.end, m.type, m.surface) for m in korean_mentions(text, cuts)]


def _m(match: re.Match[str], kind: str) -> CjkMention:
    return CjkMention(match.start("name"), match.end("name"), kind, match.group("name"))


def _suffix_places(
    run: str, offset: int, suffixes: tuple[str, ...], cuts: frozenset[int], starts: frozenset[int]
) -> list[CjkMention]:
    """Cut a Han run after each administrative suffix: 兵庫県芦屋市 -> 兵庫県, 芦屋市."""
    out = []
    cut = 0
    i = 0
    after_place = False
    while i < len(run):
        if offset + i in cuts:
            cut, after_place = i, True
        elif offset + i in starts and i > cut:
            cut, after_place = i, False  # 广西梧州市: 梧州 starts a name of its own
        suffix = next((s for s in suffixes if run.startswith(s, i)), None)
        if suffix is None:
            i += 1
            continue
        end = i + len(suffix)
        base = run[cut:i]
        follows = run[end] if end < len(run) else ""
        shortest = 1 if after_place and suffix == "县" else 2  # 梧州市藤县: a county after a city
        if shortest <= len(base) <= 4 and follows not in _NOT_AFTER and not _NOT_BASE.match(base):
            out.append(CjkMention(offset + cut, offset + end, "place", run[cut:end]))
            cut, after_place = end, True
        elif len(base) > 4 or _NOT_BASE.match(base):
            cut, after_place = end, False  # "同県", or too long to be one name
        i = end
    return out
