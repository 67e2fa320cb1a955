"""Japanese names by what follows them: an honorific or a title, an organisation's ending.

Kanji run on without spaces, so a title's prefix (元首相, 前代表) and a long title (名誉教授,
国土交通相) must be known for the name before it to end in the right place: names are matched
shortest first, and the title decides where they stop.
"""

from __future__ import annotations

import re

KANJI = "\u4e00-\u9fff\u3400-\u4dbf々髙"
KATA = "\u30a0-\u30ffー・"
Span = tuple[int, int, str, str]  # start, end, type, surface

_TITLES = (
    r"(?:さん|氏|首相|大統領|市長|知事|社長|会長|監督|選手|容疑者|議員|大臣|長官|総裁|代表|委員長|"
    r"名誉教授|教授|被告|幹事長|官房長官|国王|女王|主席|総統|外相|財務相|防衛相|法相|総務相|環境相|"
    r"国土交通相|経済産業相|厚生労働相|文部科学相|農林水産相|経済再生相|デジタル相|復興相)"
)
_PERSON = re.compile(rf"(?P<name>[{KANJI}]{{2,5}}?|[{KATA}]{{3,24}})(?:元|前|新|現)?{_TITLES}")
_ORG = re.compile(
    rf"(?P<name>[{KANJI}{KATA}]{{2,12}}?(?:庁|省|委員会|電力|銀行|大学|協会|機構|裁判所|研究所|"
    r"グループ|通信|新聞|病院|警察|府警|県警|道警|工業|自動車|財団|連合|組合|議会|隊|党|航空|空輸|"
    r"鉄道|電鉄|証券|商事|物産|製作所|重工|電機|製薬|建設|放送|生命|ホールディングス)"
    rf"|[{KANJI}]{{2,6}}の会)(?![\u4e00-\u9fff])"
)
# 野党「共に民主党」, 与党「国民の力」: a party named in quotes after the word for party.
_QUOTED_PARTY = re.compile(r"(?:野党|与党|政党|新党|党)「(?P<name>[^」]{2,12})」")
# 阪神タイガース, 読売ジャイアンツ: a sponsor in kanji, then a plural nickname in katakana;
# セ・リーグ: a league.
_TEAM = re.compile(
    rf"(?P<name>[{KANJI}]{{2,4}}[\u30a0-\u30ffー]{{3,8}}[スズツ]|[{KATA}A-Z]{{1,4}}・?リーグ)"
    r"(?![\u30a0-\u30ff])"
)
_NOT_TEAM = re.compile(
    r"(?:ニュース|サービス|ビジネス|ウイルス|レース|ケース|ベース|プラス|クラス)$"
)
# "最大野党", "国民民主党代表": the word for party, or a party read as a person's name.
# "同社", "各党": a pronoun with an organisation's ending.
_NOT_ORG = re.compile(r"(?:野党|与党|政党)$|^[同各全本当両他]")
_ORG_END = re.compile(r"[党省庁会社局部院団]$")


def japanese_names(text: str) -> list[Span]:
    out = [_span(m, "person") for m in _PERSON.finditer(text) if not _ORG_END.search(m["name"])]
    for m in _ORG.finditer(text):
        if not _NOT_ORG.search(m["name"]):
            out.append(_span(m, "org"))
    out += [_span(m, "org") for m in _QUOTED_PARTY.finditer(text)]
    out += [_span(m, "org") for m in _TEAM.finditer(text) if not _NOT_TEAM.search(m["name"])]
    return out


def _span(match: re.Match[str], kind: str) -> Span:
    return (match.start("name"), match.end("name"), kind, match.group("name"))
