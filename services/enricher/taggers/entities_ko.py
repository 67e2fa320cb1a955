"""Korean entity rules: names by their titles, organisations and places by their endings.

Korean writes a particle straight after a name (제주항공이, 무안군에서), so every pattern ends
in an optional particle and a word boundary. Personal names are a common surname and one or two
syllables; requiring the surname keeps an organisation before a title (제주항공 대표) from
passing for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enricher.taggers import entity_cues as cues

SURNAMES = (
    "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원"
    "천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
_PARTICLE = r"(?:이|가|은|는|을|를|의|에게|에서|에|과|와|도|로|으로|께서|측|님|발|행|만|까지|부터)?"
_END = r"(?=[\s,.·…(“”\"'’)]|$)"
_TITLE = (
    r"(?:대통령|국무총리|부총리|총리|장관|차관|의원|대표|위원장|부회장|회장|사장|이사장|원장|청장|감독"
    r"|선수|씨|작가|교수|총장|총재|지사|시장|군수|구청장|교육감|대변인|여사|의장|부의장|변호사)"
)
_PERSON_AFTER = re.compile(
    rf"(?<![가-힣])(?P<name>[{SURNAMES}][가-힣]{{1,3}})(?:\s?\(\d{{1,3}}\)|\s(?:전\s|前\s)?"
    rf"(?:[가-힣A-Za-z]{{2,10}}\s)?(?:[가-힣]{{1,6}}(?=부총리|장관|위원장|지사|시장|군수))?{_TITLE}"
    r"(?:님)?(?![가-힣]{2}))"
)
_ORG_SUFFIX = (
    r"(?:위원회|은행|공사|공단|재단|대학교|연구원|연구소|협회|기구|한림원|그룹|항공|전자|재판소|법원"
    r"|지검|지법|고법|경찰청|소방청|청|증권|건설|중공업|화학|제약|통신|방송|일보|신문|당)"
)
_ORG = re.compile(rf"(?<![가-힣])(?P<name>[가-힣]{{2,14}}?{_ORG_SUFFIX}){_PARTICLE}{_END}")
# "SK하이닉스", "LG전자": a Latin group name glued to a Hangul company name.
_ORG_LATIN = re.compile(
    rf"(?<![A-Za-z가-힣])(?P<name>[A-Z]{{2,4}}[가-힣]{{2,6}}?){_PARTICLE}{_END}"
)
# "KIA 타이거즈", "삼성 라이온즈": a sponsor, then a plural nickname.
_TEAM = re.compile(
    rf"(?<![A-Za-z가-힣])(?P<name>(?:[A-Z]{{2,4}}|[가-힣]{{2,3}}) [가-힣]{{2,5}}[즈스])"
    rf"{_PARTICLE}{_END}"
)
_NOT_TEAM = re.compile(
    r"(?:뉴스|서비스|비즈니스|바이러스|플러스|버스|가스|코스|케이스|베이스|시리즈|캠퍼스|클래스)$"
)
# A sponsor ending like a verb or a particle ("열린", "만에") opens no team name.
_NOT_SPONSOR_END = frozenset("에 린 은 는 을 를 의 서 한 된 던 로 인 와 과")
# Two-syllable "names" that are adnominal verbs ("업적을 이룬 작가").
_VERB_END = frozenset("룬 른 는 던 된 런 쓴 온 간 낸 본 린 운 한")
_PLACE = re.compile(
    rf"(?<![가-힣])(?P<name>[가-힣]{{1,5}}?(?:특별자치도|특별자치시|특별시|광역시|도|시|군|구|읍|면|동))"
    rf"{_PARTICLE}{_END}"
)
_NOT_COUNTIES = cues.LISTS["ko_not_counties"]
_NOT_ORGS = cues.LISTS["ko_not_orgs"]
_NOT_NAMES = cues.LISTS["ko_not_names"]
# "용인시 처인구": a city written before its district is a place even when no list has it.
_BEFORE_LOWER_LEVEL = re.compile(r"\s[가-힣]{1,4}(?:구|군|동|읍|면)(?![가-힣]{2})")
_LIST_GAP = re.compile(r"^(?:[와과]|,|\s및)?\s{0,2}$")


@dataclass(frozen=True)
class KoMention:
    start: int
    end: int
    type: str
    surface: str


def korean_mentions(text: str, places_end: frozenset[int]) -> list[KoMention]:
    """People, organisations and places; `places_end` are offsets where a known place ends,
    after which a word with an administrative ending is a place (경북 의성군, 용인시 처인구)."""
    out = [_m(m, "person") for m in _PERSON_AFTER.finditer(text) if _name(m.group("name"))]
    out += [_m(m, "org") for m in _ORG.finditer(text) if m.group("name") not in _NOT_ORGS]
    out += [_m(m, "org") for m in _ORG_LATIN.finditer(text)]
    for m in _TEAM.finditer(text):
        sponsor, nickname = m.group("name").split()
        if not _NOT_TEAM.search(nickname) and sponsor[-1] not in _NOT_SPONSOR_END:
            out.append(_m(m, "org"))
    return out + _places(text, places_end)


def _name(name: str) -> bool:
    return name not in _NOT_NAMES and not (len(name) == 2 and name[1] in _VERB_END)


def _places(text: str, places_end: frozenset[int]) -> list[KoMention]:
    out: list[KoMention] = []
    ends = set(places_end)
    for m in _PLACE.finditer(text):
        name = m.group("name")
        chained = any(_LIST_GAP.match(text[e : m.start()]) for e in ends if e <= m.start())
        chained = chained or bool(_BEFORE_LOWER_LEVEL.match(text, m.end()))
        county = name.endswith("군") and len(name) >= 3 and name not in _NOT_COUNTIES
        if (chained and len(name) >= 2) or county:
            out.append(_m(m, "place"))
            ends.add(m.end("name"))
    return out


def _m(match: re.Match[str], kind: str) -> KoMention:
    return KoMention(match.start("name"), match.end("name"), kind, match.group("name"))
