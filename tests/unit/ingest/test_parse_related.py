"""Related-link and "read also" lines are boilerplate in every language the enricher reads."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from services.ingest.parsers import parse_bytes
from services.ingest.parsers.related import is_lead_in, is_related
from shared.models import Article

NOW = datetime(2025, 6, 1, tzinfo=UTC)
STORY = "The body of the story goes on here in a sentence long enough to be one."

LINES = {
    "en": [
        "Read more: Fed holds rates",
        "Related: Fed",
        "See also: Kursk",
        "READ MORE",
        "Continue reading...",
        "Read full article >>",
        "Read more »",
    ],
    "pt": ["Leia também: Chuvas no RS: mortos chegam a 75", "Leia mais: Enchentes", "LEIA TAMBÉM"],
    "es": ["Lea también: Valencia", "Te puede interesar: La DANA", "Noticias relacionadas"],
    "fr": ["Lire aussi : Notre-Dame rouvre", "À lire aussi", "À LIRE AUSSI : La flèche"],
    "de": ["Lesen Sie auch: Bahnstreik", "Mehr zum Thema", "Mehr zum Thema: Die GDL"],
    "it": ["Leggi anche: Venezia, il ticket", "LEGGI ANCHE"],
    "nl": ["Lees ook: Kabinet valt"],
    "nb": ["Les også: Google kjøper tomt"],
    "sv": ["Läs också: Militärövning"],
    "da": ["Læs også: Skudepisode"],
    "fi": ["Lue myös: Revenio"],
    "ru": ["Читайте также: Курск"],
    "uk": ["Читайте також: Курщина"],
    "el": ["Διαβάστε επίσης: Αθήνα"],
    "pl": ["Czytaj także: Sejm", "Zobacz też: Wisła"],
    "tr": ["İlgili haber: Deprem"],
    "cs": ["Čtěte také: Praha"],
    "ar": ["اقرأ أيضا: غزة"],
    "id": ["Baca juga: Jakarta banjir"],
    "ja": ["【関連記事】能登で震度7", "関連記事：能登", "関連記事"],
    "ko": ["관련기사", "[관련기사] 한강 노벨상", "▶ 관련기사: 제목"],
    "zh": ["相关阅读：嫦娥六号", "相關新聞", "【延伸閱讀】台灣地震"],
}
TEXT = [
    "Read more books, the minister said on Monday.",
    "Related-party deals rose sharply in the quarter.",
    "관련 기사에 따르면 정부는 대책을 발표했다.",
    "Saiba mais sobre o caso na reportagem completa que publicamos ontem à noite.",
    STORY,
]


@pytest.mark.parametrize(
    "line", [line for lines in LINES.values() for line in lines], ids=lambda line: line[:20]
)
def test_read_also_lines_in_every_language(line: str) -> None:
    assert is_related(line)


@pytest.mark.parametrize("line", TEXT, ids=lambda line: line[:20])
def test_sentences_that_start_alike_are_text(line: str) -> None:
    assert not is_related(line)
    assert not is_lead_in(line)


def page(text: str, fmt: str | None = None) -> Article:
    [item] = parse_bytes(text.encode(), fmt=fmt, now=NOW)
    assert item.article is not None, item.error
    return item.article


def test_text_page_drops_read_also_lines_inside_and_after_the_story() -> None:
    art = page(
        "Chuvas no RS\n6 de maio de 2024 00:40\n"
        f"PORTO ALEGRE — {STORY}\nLeia também: Governo anuncia ajuda de R$ 50 bilhões\n"
        f"{STORY} Again.\nLeia também: Guaíba bate recorde histórico em Porto Alegre\n-\n"
        "MAIS LIDAS\nOutra notícia\n"
    )
    assert "Leia também" not in art.body_text
    assert art.body_text.count("The body of the story") == 2
    assert art.dateline == "PORTO ALEGRE"


def test_a_lone_lead_in_inside_the_story_drops_its_links_not_the_rest() -> None:
    art = page(
        f"Headline\nBERLIN — {STORY}\nLESEN SIE AUCH\nBahnstreik: GDL ruft zum Ausstand auf\n"
        "Was Pendler jetzt wissen müssen\n"
        "The story continues after the links, as stories do, for a while longer.\n"
        "Mehr zum Thema\nAnderer Artikel\n"
    )
    assert art.body_text.split("\n\n") == [
        f"BERLIN — {STORY}",
        "The story continues after the links, as stories do, for a while longer.",
    ]


HTML = """<html><head><title>T</title></head><body><article><h1>Chuvas no RS</h1>
<p>PORTO ALEGRE — {story}</p>
<p><strong>Leia também:</strong> <a href="/a">Governo anuncia ajuda de R$ 50 bilhões</a></p>
<p>{story} Again.</p><p>Lesen Sie auch</p>
<ul><li><a href="/b">Anderer Artikel eins</a></li><li><a href="/c">Zwei</a></li></ul>
<p>Read more: the full transcript of the hearing</p><p>Last paragraph of the story here.</p>
</article></body></html>"""


def test_html_page_drops_related_links_and_the_links_a_lead_in_introduces() -> None:
    art = page(HTML.format(story=STORY), fmt="html")
    assert "Leia também" not in art.body_text
    assert "Anderer Artikel" not in art.body_text
    assert "Read more" not in art.body_text
    assert art.body_text.splitlines()[-1] == "Last paragraph of the story here."


RSS = """<?xml version="1.0"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>S</title>
<item><guid>urn:1</guid><title>Chuvas no RS</title><content:encoded><![CDATA[
<p>PORTO ALEGRE — {story}</p><p><strong>LEIA TAMBÉM:</strong> <a href="/a">Outra</a></p>
<p>{story} Again.</p>
<p>L’article Chuvas no RS est apparu en premier sur Le Site.</p>]]></content:encoded>
</item></channel></rss>"""


def test_feed_item_drops_related_links_from_text_and_markup() -> None:
    art = page(RSS.format(story=STORY), fmt="rss")
    assert art.body_text.count("The body of the story") == 2
    assert "LEIA" not in art.body_text
    assert "apparu en premier" not in art.body_text
    assert art.body_html is not None
    assert "LEIA" not in art.body_html


def test_wire_bodies_drop_them_too() -> None:
    doc = {"uri": "urn:x", "headline": "H", "body_text": f"{STORY}\nRelated: Other story"}
    [item] = parse_bytes(orjson.dumps(doc), fmt="ninjs")
    assert item.article is not None
    assert item.article.body_text == STORY
