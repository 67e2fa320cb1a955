"""Entity kinds the dev set lacks: unlisted companies and clubs, one-mention people, CJK
organisations and suffixed places, and the precision traps of titles and team names."""

from __future__ import annotations

import pytest

from services.enricher.taggers.datelines import find_dateline
from services.enricher.taggers.entities import extract_entities


def _tag(text: str, lang: str) -> set[tuple[str, str]]:
    headline = text.partition("\n\n")[0] if "\n\n" in text else ""
    return {(e.type, e.name) for e in extract_entities(text, lang, None, len(headline))}


CASES = [
    (
        "en",
        "The race was won by Lando Norris in Monaco.",
        {("person", "Lando Norris")},
        set(),
    ),
    (
        "en",
        "A faulty update from cybersecurity company CrowdStrike crashed computers. "
        "CrowdStrike chief executive George Kurtz apologised. Israeli startup Wiz rejected an "
        "offer from Google parent Alphabet.",
        {("org", "CrowdStrike"), ("person", "George Kurtz"), ("org", "Wiz"), ("org", "Google"),
         ("org", "Alphabet")},
        set(),
    ),
    (
        "en",
        "Deal agreed\n\nThe deal was signed, CrowdStrike Chief Executive George Kurtz said.",
        {("person", "George Kurtz")},
        {("person", "Executive George Kurtz")},
    ),
    (
        "en",
        "King Charles III to visit Australia\n\nLONDON — King Charles III will visit Australia "
        "in October, the palace said.",
        {("person", "Charles III")},
        {("person", "King Charles III")},
    ),
    (
        "en",
        "Max Verstappen led home a Red Bull one-two. Red Bull team principal Christian Horner "
        "praised the team.",
        {("org", "Red Bull"), ("person", "Christian Horner")},
        {("person", "Red Bull")},
    ),
    (
        "en",
        "Korean Air bought its rival. Low-cost carriers Jin Air, Air Busan and Air Seoul will "
        "merge, Korean Air chairman Cho Won-tae said.",
        {("org", "Korean Air"), ("org", "Jin Air"), ("org", "Air Busan"), ("org", "Air Seoul"),
         ("person", "Cho Won-tae")},
        {("person", "Jin Air")},
    ),
    (
        "en",
        "The Boston Celtics beat the Dallas Mavericks, breaking a tie with the Los Angeles Lakers. "
        "Arsenal beat West Ham United 3-1, UN official Lynn Hastings said.",
        {("org", "Boston Celtics"), ("org", "Dallas Mavericks"), ("org", "Los Angeles Lakers"),
         ("org", "West Ham United"), ("person", "Lynn Hastings")},
        {("org", "Angeles Lakers"), ("person", "Ham United"), ("org", "Lynn Hastings")},
    ),
    (
        "en",
        "Kyrie Irving, who won a title in 2016, scored 15. Police arrested Ronnie Dean Stout, 42, "
        "on suspicion of arson. Kent Walker, Google’s president of global affairs, disagreed.",
        {("person", "Kyrie Irving"), ("person", "Ronnie Dean Stout"), ("person", "Kent Walker")},
        {("person", "Stout")},
    ),
    (
        "en",
        "The scandal hit Honda, Mazda, Suzuki and Yamaha Motor. The Ministry of Land, "
        "Infrastructure and Transport ordered checks. Shares of Eli Lilly rose 1%.",
        {("org", "Mazda"), ("org", "Suzuki"), ("org", "Yamaha Motor"),
         ("org", "Ministry of Land, Infrastructure and Transport"), ("org", "Eli Lilly")},
        {("org", "Ministry of Land"), ("person", "Eli Lilly")},
    ),
    (
        "en",
        "A wildfire in Northern California forced thousands to flee. People familiar with the "
        "talks named Austria’s Robert Holzmann as the dissenter.",
        {("place", "Northern California"), ("place", "Austria"), ("person", "Robert Holzmann")},
        {("person", "Northern California"), ("org", "Austria")},
    ),
    (
        "fr",
        "GENÈVE — Le Programme alimentaire mondial (PAM) va réduire ses rations, a annoncé "
        "Pierre Honnorat, directeur du PAM. Le Nouveau Front populaire a obtenu 28 %. Le directeur "
        "financier Jean-Jacques Guiony a parlé.",
        {("org", "Programme alimentaire mondial"), ("org", "Nouveau Front populaire"),
         ("person", "Jean-Jacques Guiony")},
        {("org", "PAM"), ("org", "Nouveau Front")},
    ),
    (
        "es",
        "Claudia Sheinbaum, candidata del partido Morena, ganó las elecciones.",
        {("org", "Morena"), ("person", "Claudia Sheinbaum")},
        {("place", "Morena")},
    ),
    (
        "de",
        "Der Flughafenverband ADV warnte vor Schäden für den Standort Deutschland. Bayerns "
        "Ministerpräsident Markus Söder sprach. Der Deutsche Wetterdienst warnte, das Technische "
        "Hilfswerk half.",
        {("org", "ADV"), ("place", "Deutschland"), ("place", "Bayern"),
         ("org", "Deutscher Wetterdienst"), ("org", "Technisches Hilfswerk")},
        set(),
    ),
    (
        "fr",
        "Selon le ministère de l’Intérieur, l’Union Bordeaux-Bègles a perdu, a déclaré Luca "
        "Solca, analyste chez Bernstein. La compagnie aérienne Voepass a confirmé.",
        {("org", "ministère de l’Intérieur"), ("org", "Union Bordeaux-Bègles"),
         ("org", "Bernstein"), ("org", "Voepass")},
        {("person", "Bernstein")},
    ),
    (
        "es",
        "Ganó 2-0 en el estadio de Wembley. Un avión que seguía hacia el aeropuerto de Guarulhos.",
        set(),
        {("place", "Wembley"), ("place", "Guarulhos")},
    ),
    (
        "en",
        "Lufthansa and Japan Airlines cancelled flights; Air France said it would follow.",
        {("org", "Lufthansa"), ("org", "Japan Airlines"), ("org", "Air France")},
        {("place", "Japan")},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), CASES)
def test_entities(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag(text, lang)
    assert expected <= found, expected - found
    assert not absent & found, absent & found


KOREAN = [
    (
        "(무안=연합뉴스) 전남 무안군 무안국제공항에서 태국 방콕발 제주항공 여객기가 "
        "활주로를 벗어났다. 국토교통부는 원인을 조사하고 있다. "
        "김이배 제주항공 대표는 고개를 숙였다.",
        {("place", "무안군"), ("place", "전남"), ("place", "방콕"), ("org", "제주항공"),
         ("org", "국토교통부"), ("person", "김이배")},
        {("person", "제주항공")},
    ),
    (
        "산불이 경북 의성군에서 안동시와 청송군으로 번졌다. "
        "산업통상자원부는 용인시 처인구 단지를 지원한다. "
        "SK하이닉스도 충북 청주시에 공장을 짓는다. KIA 타이거즈가 삼성 라이온즈를 꺾었다. "
        "이범호 감독은 한국시리즈 우승을 이룬 선수들을 칭찬했다.",
        {("place", "의성군"), ("place", "안동시"), ("place", "청송군"), ("place", "용인시"),
         ("place", "처인구"), ("place", "충북"), ("place", "청주시"), ("org", "SK하이닉스"),
         ("org", "KIA 타이거즈"), ("org", "삼성 라이온즈"), ("person", "이범호")},
        {("org", "만에 한국시리즈"), ("person", "이룬")},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "absent"), KOREAN)
def test_korean(text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]) -> None:
    found = _tag(text, "ko")
    assert expected <= found, expected - found
    assert not absent & found, absent & found


HAN = [
    (
        "ja",
        "立憲民主党は野田佳彦元首相を新代表に選出した。野田氏は枝野幸男前代表を破った。"
        "最大野党「共に民主党」の李在明代表は批判した。林芳正官房長官は述べた。"
        "斉藤鉄夫国土交通相は語った。関西大学の宮本勝浩名誉教授は試算している。",
        {("person", "野田佳彦"), ("person", "枝野幸男"), ("org", "共に民主党"),
         ("person", "林芳正"), ("person", "斉藤鉄夫"), ("person", "宮本勝浩")},
        {("person", "野田佳彦元"), ("org", "最大野党"), ("person", "林芳正官房")},
    ),
    (
        "ja",
        "日本航空の社長が謝罪した。阪神タイガースが読売ジャイアンツを破り、大阪府警は警備を強化した。"
        "台湾積体電路製造（TSMC）が工場を建設した。TSMCの会長が述べた。日本維新の会も連携する。",
        {("org", "日本航空"), ("org", "阪神タイガース"), ("org", "読売ジャイアンツ"),
         ("org", "大阪府警"), ("org", "台湾積体電路製造"), ("org", "日本維新の会")},
        {("org", "TSMC"), ("place", "大阪府")},
    ),
    (
        "zh",
        "新华社北京3月21日电　客机在广西梧州市藤县坠毁，飞往广东省广州市。"
        "副总理刘鹤率工作组赶赴现场。外交部发言人毛宁20日宣布。"
        "俄罗斯外交部长拉夫罗夫此前表示期待会谈。董事长王传福在发布会上表示。",
        {("place", "广西"), ("place", "梧州市"), ("place", "藤县"), ("place", "广东省"),
         ("person", "刘鹤"), ("person", "毛宁"), ("person", "拉夫罗夫"), ("person", "王传福")},
        {("place", "广西梧州"), ("place", "飞往广东省"), ("org", "新华社")},
    ),
    (
        "zh",
        "应急管理部启动应急响应。国家气候中心首席专家周兵说，登陆时中心风力很强。"
        "王毅将出席上海合作组织外长理事会会议，要求全力组织搜救。会议将在莫斯科举行。",
        {("org", "应急管理部"), ("org", "国家气候中心"), ("person", "周兵"),
         ("org", "上海合作组织"), ("place", "莫斯科")},
        {("org", "登陆时中心"), ("org", "出席上海合作组织"), ("org", "要求全力组织"),
         ("place", "上海")},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), HAN)
def test_han(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag_with_dateline(text, lang)
    assert expected <= found, expected - found
    assert not absent & found, absent & found


def _tag_with_dateline(text: str, lang: str) -> set[tuple[str, str]]:
    return {(e.type, e.name) for e in extract_entities(text, lang, find_dateline(text), 0)}


PRECISION = [
    (
        "en",
        "Honduran president announces Cabinet changes\n\nThe call uses SessionManager once, "
        "said @JuddLegum. Pope Francis blessed the crowd; Samantha Power spoke.",
        {("person", "Pope Francis")},
        {("person", "Cabinet"), ("org", "SessionManager"), ("org", "JuddLegum"),
         ("person", "Francis"), ("org", "Samantha Power")},
    ),
    (
        "zh",
        "企业对高保护价值（HCV）林地开展评估。",
        set(),
        {("org", "企业对高保护价值")},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), PRECISION)
def test_precision_guards(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag(text, lang)
    assert expected <= found, expected - found
    assert not absent & found, absent & found
