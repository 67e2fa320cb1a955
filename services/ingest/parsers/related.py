"""Related-link and "read also" lines: boilerplate in every language the enricher reads.

A site drops "Leia também: <other story>" between paragraphs; the line names another story,
so its words must not reach the taggers (people, places and keywords of the wrong article).
A line is one when it opens with such a lead-in and then holds nothing, or a separator and a
title; a sentence that merely starts with the same words ("Read more books") is text.
"""

from __future__ import annotations

import re

from lxml import etree

# By language, as sites print them; matching ignores case.
_LEAD_INS = (
    # en
    r"read (?:more|also|next|this|the full story)|also read|related(?: (?:stories|articles|"
    r"coverage|content|news|links?|reading))?|see also|more on this(?: story| topic)?|"
    r"further reading|you (?:may|might) also like|recommended(?: reading| for you)?|don'?t miss|"
    r"more from [^:]{1,40}|click here to read more|continue reading|keep reading|"
    r"read (?:the )?full (?:article|story)",
    # "continue reading" in the other languages
    r"continu(?:ar|e) lendo|(?:seguir|sigue|continuar) leyendo|continua a leggere|verder lezen|"
    r"les hele saken|läs hela artikeln|czytaj dalej|читать далее|продолжение следует",
    # pt
    r"leia (?:também|tambem|mais|ainda)|veja (?:também|tambem|mais)|saiba mais|"
    r"confira (?:também|tambem)|(?:notícias|matérias|conteúdos?) relacionad[oa]s?|relacionadas?",
    # es
    r"le[ae] (?:también|tambien|más|mas)|leer más|ver (?:también|más)|"
    r"(?:también )?(?:te|le) (?:puede|podría) interesar|puede interesarte|"
    r"(?:noticias|contenidos?|artículos?) relacionad[oa]s?|relacionad[oa]s?|más información",
    # fr
    r"(?:à |a )?lire (?:aussi|également|egalement|la suite|plus)|voir aussi|(?:à |a )?voir aussi|"
    r"sur le même sujet|en savoir plus|articles? liés?",
    # de
    r"lesen sie (?:auch|mehr|hier)|mehr zum thema|mehr dazu|auch interessant|"
    r"das könnte sie (?:auch )?interessieren|siehe auch|weiterlesen|zum thema|weitere artikel",
    # it
    r"leggi (?:anche|pure|di più|tutto)|potrebbe interessarti|vedi anche|per saperne di più|"
    r"articoli correlati|approfondisci|correlati",
    # nl
    r"lees (?:ook|meer|verder)|zie ook|meer over dit onderwerp|gerelateerd|ook interessant",
    # nb, nn, da, sv
    r"les (?:også|òg|mer)|sjå (?:også|òg)|se (?:også|även|ogsa)|relaterte saker|"
    r"læs (?:også|mere)|relaterede artikler|läs (?:också|även|mer)|relaterat",
    # fi
    r"lue (?:myös|lisää)|katso myös|aiheesta lisää",
    # ru, uk
    r"читайте (?:также|також|далее|більше)|смотрите также|читать также|по теме|"
    r"дивіться також|також читайте|по темі",
    # el
    r"διαβάστε (?:επίσης|ακόμη|ακόμα)|δείτε (?:επίσης|ακόμη)|σχετικά άρθρα",
    # pl, cs
    r"(?:czytaj|przeczytaj) (?:także|też|więcej)|zobacz (?:także|też)|"
    r"(?:čtěte|přečtěte si) (?:také|též)|související články|mohlo by vás zajímat|více čtěte",
    # tr
    r"ayrıca (?:okuyun|bakınız)|[iİı]lgili haber(?:ler)?|ilginizi çekebilir|bunu da okuyun|"
    r"devamını oku",
    # ar
    r"[اإ]قرأ (?:أيضا|أيضاً|ايضا|المزيد)|(?:مواضيع|أخبار) ذات صلة",
    # id
    r"baca (?:juga|selengkapnya)|lihat juga|berita terkait",
)
# CJK lead-ins are followed by the title directly, with or without brackets or a colon.
_CJK_LEAD_INS = (
    r"関連記事|関連ニュース|あわせて読みたい|併せて読みたい|こちらもおすすめ|"
    r"관련\s?기사|관련\s?뉴스|함께 읽으면 좋은 기사|같이 보면 좋은 뉴스|"
    r"相关阅读|相關閱讀|相关新闻|相關新聞|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|相关报道|相關報導|"
    r"阅读更多|閱讀更多|更多阅读"
)
_BULLETS = r"\s▶►▷→»•·*■□◆◇▲△●○>"
_OPEN = rf"{_BULLETS}【\[(（「『〈《<"
_CLOSE = r"\s】\])）」』〉》>"
# A hyphen separates only after a space: "Related-party deals rose" is a sentence.
_SEPARATOR = r"(?:\s*[:：»>|→▶►]|\s+[-–—])"
_LATIN = "|".join(_LEAD_INS)
# "Continue reading...", "Read full article >>": a lead-in alone may trail dots or arrows.
_TRAIL = rf"[{_CLOSE}.…:：»>›]*$"
_RELATED = re.compile(
    rf"^[{_OPEN}]*(?:{_LATIN})(?:{_TRAIL}|[{_CLOSE}]*{_SEPARATOR}[\s:：»>|→▶►\-–—]*\S.{{0,240}}$)",
    re.IGNORECASE,
)
_RELATED_CJK = re.compile(
    rf"^[{_BULLETS}]*(?:[【\[(（「『〈《<]\s*(?:{_CJK_LEAD_INS})\s*[】\])）」』〉》>]"
    rf"|(?:{_CJK_LEAD_INS})\s*(?:[:：▶►>»]|$)).{{0,120}}$"
)
_LEAD_IN_ALONE = re.compile(rf"^[{_OPEN}]*(?:{_LATIN}|{_CJK_LEAD_INS}){_TRAIL}", re.IGNORECASE)
_BLOCKS = ("p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "aside")
_LISTS = frozenset({"ul", "ol", "p", "div", "li"})


def is_related(line: str) -> bool:
    """A "Leia também: …" / "Related:" / 【関連記事】 line, or such a lead-in standing alone."""
    text = " ".join(line.split())
    return bool(text) and bool(_RELATED.match(text) or _RELATED_CJK.match(text))


def is_lead_in(line: str) -> bool:
    """The lead-in alone ("LEIA TAMBÉM", "Mehr zum Thema"): the links follow on their own lines."""
    return bool(_LEAD_IN_ALONE.match(" ".join(line.split())))


def without_related(paragraphs: list[str]) -> list[str]:
    """Paragraphs without their related-link lines (a <br> may have put one inside)."""
    out = []
    for para in paragraphs:
        kept = [line for line in para.split("\n") if not is_related(line)]
        if any(line.strip() for line in kept):
            out.append("\n".join(kept))
    return out


def drop_related(root: etree._Element) -> None:
    """Remove related-link blocks from markup: the line itself, and after a lone lead-in the
    blocks made only of links that follow it."""
    for el in list(root.iter(*_BLOCKS)):
        if el is root or el.getparent() is None:
            continue
        text = "".join(el.itertext())
        if len(text) > 300 or not is_related(text):
            continue
        if is_lead_in(text):
            _drop_links_after(el)
        el.drop_tree()


def _drop_links_after(el: etree._Element) -> None:
    follower = el.getnext()
    while follower is not None and follower.tag in _LISTS and _all_links(follower):
        following = follower.getnext()
        follower.drop_tree()
        follower = following


def _all_links(el: etree._Element) -> bool:
    text = "".join("".join(el.itertext()).split())
    linked = "".join("".join("".join(a.itertext()) for a in el.iter("a")).split())
    return bool(text) and len(linked) >= 0.9 * len(text)
