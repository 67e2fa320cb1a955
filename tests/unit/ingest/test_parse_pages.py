"""Text and HTML pages in layouts beyond the dev set: general rules, not one site's template."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingest.parsers import parse_bytes
from shared.models import Article

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def page(text: str, fmt: str | None = None) -> Article:
    [item] = parse_bytes(text.encode(), fmt=fmt, now=NOW)
    assert item.article is not None, item.error
    return item.article


def test_time_line_before_caption_and_agency_dateline() -> None:
    art = page(
        "Headline here\n2024-03-05 09:30 JST\nCaption for the photo of something on Tuesday.\n"
        "TOKYO (Jiji Press) — The body starts here with a long sentence.\nSecond paragraph.\n"
        "Most Read\n-\nItem one\n-\nItem two\n"
    )
    assert art.published_at == datetime(2024, 3, 5, 0, 30, tzinfo=UTC)
    assert art.dateline == "TOKYO"
    assert art.images[0].caption == "Caption for the photo of something on Tuesday."
    assert art.body_text.splitlines()[0].startswith("TOKYO (Jiji Press)")
    assert "Item one" not in art.body_text
    assert "Most Read" not in art.body_text


def test_byline_and_lists_without_separators() -> None:
    art = page(
        "Headline only then body\nBy Jane Doe\nUpdated March 5, 2024 at 10:05 a.m. ET\n"
        "BERLIN — Body text here is long enough to be the first paragraph of the story.\n"
        "Related Articles\nFoo bar\nPopular in Business\nBaz\n"
    )
    assert art.byline == "By Jane Doe"
    assert art.images == []
    assert art.published_at == datetime(2024, 3, 5, 15, 5, tzinfo=UTC)
    assert art.body_text == (
        "BERLIN — Body text here is long enough to be the first paragraph of the story."
    )
    assert art.section == "Business"


def test_japanese_page_without_zone_uses_japan_time() -> None:
    art = page(
        "東京で大雪、交通に乱れ\n2024年2月5日 18時30分\n雪が積もった東京・渋谷（5日午後）\n"
        "【ワシントン＝共同】本文がここから始まる。\n二段落目。\n「国際」の人気記事\n-\n記事1\n"
    )
    assert art.published_at == datetime(2024, 2, 5, 9, 30, tzinfo=UTC)
    assert (art.dateline, art.section, art.language) == ("ワシントン", "国際", "ja")
    assert "記事1" not in art.body_text


def test_korean_and_chinese_agency_datelines() -> None:
    ko = page(
        "기사 제목\n2024.03.05 09:30 KST\n"
        "(서울=연합뉴스) 홍길동 기자 = 본문입니다.\n많이 본 뉴스\n1"
    )
    assert (ko.dateline, ko.language) == ("서울", "ko")
    assert "많이 본 뉴스" not in ko.body_text
    zh = page(
        "标题新闻\n2024-06-25 14:30\n本报北京6月25日电 记者 正文开始。\n热门文章\n-\n新闻一\n"
    )
    assert (zh.dateline, zh.language) == ("北京", "zh")
    assert zh.published_at == datetime(2024, 6, 25, 6, 30, tzinfo=UTC)


def test_text_page_without_time_line_or_dateline() -> None:
    art = page("Just a headline\nA paragraph of the story without any dateline at all.\n")
    assert art.published_at is None
    assert art.dateline is None
    assert art.body_text == "A paragraph of the story without any dateline at all."
    assert art.guid.startswith("urn:newsdesk:text:")


HTML = """<html lang="de"><head><title>Bahnstreik legt Verkehr lahm | Berliner Blatt</title>
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Bahnstreik legt Verkehr lahm",
"datePublished":"2024-01-10T06:15:00+01:00"}</script>
<link rel="canonical" href="https://blatt.example/a/1"></head><body>
<div class="menu"><a href="/">Start</a><a href="/politik">Politik</a></div>
<div class="wrapper"><h1>Bahnstreik legt Verkehr lahm</h1><span class="autor">Von Max Muster</span>
<div itemprop="articleBody">
<p>BERLIN (dpa) - Der Streik der Lokführer hat am Mittwoch den Bahnverkehr lahmgelegt.</p>
<figure><img src="/img/a.jpg"><figcaption>Leere Bahnsteige in Berlin</figcaption></figure>
<p>Auch im Regionalverkehr fielen viele Züge aus, wie die Bahn mitteilte.</p>
<p><a href="/x">Lesen Sie auch: Was Pendler jetzt wissen müssen</a></p>
<ul><li><a href="/1">Mehr zum Thema Bahn</a></li>
<li><a href="/2">GDL droht mit Streiks</a></li></ul>
<div class="ad">Anzeige</div>
<p>Der Ausstand soll bis Freitagabend dauern.</p>
</div></div>
<div class="meistgelesen"><h3>Meistgelesen</h3><ol>
<li><a href="/3">Ein ganz anderer Artikel hier</a></li></ol></div>
<footer>Impressum &copy; Berliner Blatt</footer></body></html>"""


def test_html_page_with_json_ld_canonical_and_inline_chrome() -> None:
    art = page(HTML)
    assert art.headline == "Bahnstreik legt Verkehr lahm"
    assert art.published_at == datetime(2024, 1, 10, 5, 15, tzinfo=UTC)
    assert art.url == art.guid == "https://blatt.example/a/1"
    assert (art.dateline, art.byline, art.language) == ("BERLIN", "Von Max Muster", "de")
    assert art.body_text.split("\n\n") == [
        "BERLIN (dpa) - Der Streik der Lokführer hat am Mittwoch den Bahnverkehr lahmgelegt.",
        "Auch im Regionalverkehr fielen viele Züge aus, wie die Bahn mitteilte.",
        "Der Ausstand soll bis Freitagabend dauern.",
    ]
    assert art.images[0].caption == "Leere Bahnsteige in Berlin"
    assert art.body_html
    assert "<script" not in art.body_html
    assert "Anzeige" not in art.body_html


def test_html_visible_time_line_when_no_machine_date() -> None:
    art = page(
        '<!DOCTYPE html><html lang="ja"><head><title>大雪で交通乱れ - 毎朝新聞</title></head><body>'
        "<header><a>毎朝新聞</a></header><article><h1>大雪で交通乱れ</h1>"
        '<p class="date">2024年2月5日 18時30分</p><div class="article-text">'
        "<p>【東京】関東地方は5日、南岸低気圧の影響で大雪となり、交通機関に乱れが出た。</p>"
        "<p>気象庁によると、東京都心では午後6時までに8センチの積雪を観測した。</p></div>"
        "</article><aside><h2>アクセスランキング</h2><ol><li>記事いち</li></ol></aside></body></html>"
    )
    assert art.published_at == datetime(2024, 2, 5, 9, 30, tzinfo=UTC)
    assert (art.headline, art.dateline) == ("大雪で交通乱れ", "東京")
    assert "記事いち" not in art.body_text


def test_html_body_is_sanitised() -> None:
    art = page(
        "<html><body><article><h1>Title of the story</h1>"
        '<p onclick="steal()">PARIS — A long enough paragraph to be the story body.'
        '<a href="javascript:alert(1)">x</a><script>alert(2)</script></p></article></body></html>'
    )
    assert art.body_html
    assert "onclick" not in art.body_html
    assert "javascript:" not in art.body_html
    assert "<script" not in art.body_html
    assert art.dateline == "PARIS"


def test_html_time_in_the_story_header_wins_over_related_lists() -> None:
    art = page(
        "<html><body><h1 class='logo'>Daily Site</h1><article><header><h2>x</h2>"
        '<time datetime="2024-05-01T08:00:00Z">May 1</time><span class="author">Ann Lee</span>'
        "</header><div class='body'><p>ROME — A paragraph long enough to count as the story.</p>"
        "<p>Another paragraph of the same story, also long enough.</p></div>"
        "<div class='related'><time datetime='2020-01-01T00:00:00Z'>old</time>"
        "<span class='author'>Someone Else</span></div></article>"
        "<meta property='og:title' content='The real headline'></body></html>"
    )
    assert art.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert art.byline == "Ann Lee"
    assert art.headline == "The real headline"
    assert art.dateline == "ROME"


DIV_PAGE = """<!doctype html><html lang="en"><head><title>Port strike ends</title>
<meta property="og:title" content="Port strike ends after nine days"></head><body>
<div class="menu"><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></div>
<div class="story">
<div>ROTTERDAM — Dock workers at Europe's largest port returned to work on Monday after
a nine-day strike over pay that had left hundreds of ships waiting offshore.</div>
<div>The union said members had accepted an offer of a 7 percent rise over two years,
and the port authority expected the backlog of vessels to clear within a week.</div>
</div>
<div class="footer">Copyright 2024 Example Media. All rights reserved.</div>
</body></html>"""


def test_a_page_without_paragraph_elements_is_read_by_trafilatura() -> None:
    """Our readability scoring needs <p>-like elements; a page built of divs goes to
    trafilatura's extractor, which keeps the story and drops the menu and the footer."""
    art = page(DIV_PAGE)
    assert art.headline == "Port strike ends after nine days"
    assert art.body_text.startswith("ROTTERDAM — Dock workers")
    assert "backlog of vessels" in art.body_text
    assert "Copyright" not in art.body_text
    assert "Sport" not in art.body_text
