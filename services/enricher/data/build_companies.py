"""Offline builder of companies.tsv from pytickersymbols' index members.

Run `python services/enricher/data/build_companies.py` (pytickersymbols is a build-time
dependency, in the `gazetteers` extra) after upgrading it. News names listed companies by
their short name ("Stellantis", "Inditex", "Biogen"), which no rule can tell from a surname or
a product; pytickersymbols (MIT) ships the members of ~20 stock indices of Europe, the US and
Japan (DAX, CAC 40, IBEX 35, FTSE 100, S&P 500, Nikkei 225...) under such names. Each line is
the name without its legal form, then the name as listed when that differs ("Tesla|Tesla,
Inc."). Left out, because a wrong org costs more than a missing one:
- names of fewer than four characters: tickers and acronyms ("MYR") are as often currencies;
- names of one or two words that are all common English words (pyspellchecker's frequency
  list: "Target", "Progressive", "National Bank"), which read as words at a sentence's start;
- one-word names that are English surnames or given names (Faker's lists and ours: "Gates",
  "Pearson", "Elisa"), which would turn "Rick Gates" into a company;
- surfaces the shipped lists already give a meaning (a company named after its town stays a
  place).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from faker.providers.person.en_GB import Provider as BritishNames
from faker.providers.person.en_US import Provider as AmericanNames
from pytickersymbols import PyTickerSymbols
from spellchecker import SpellChecker

from services.enricher.taggers import gazetteer
from services.enricher.taggers.gazetteer import given_names

HERE = Path(__file__).resolve().parent
OUT = "companies.tsv"
SHIPPED = ("places_en.tsv", "places_intl.txt", "places_curated.tsv", "orgs.tsv", "people.tsv")
# Legal forms and share classes at the end of a listed name, repeated ("Co., Ltd.").
_LEGAL = re.compile(
    r"(?:,?\s+(?:Inc\.?|Incorporated|Corp\.?|Corporation|Co\.?|Company|Ltd\.?|Limited|plc|PLC"
    r"|AG|SE|S\.?A\.?|N\.?V\.?|S\.?p\.?A\.?|Oyj|AB|ASA|A/S|GmbH|KGaA|& Co\.?|Class [A-C]"
    r"|Aktiengesellschaft|Holdings?|Group))+$"
)
_WORD = re.compile(r"[^\W\d_]+")
MIN_CHARS = 4
# Occurrences in pyspellchecker's English list from which a word counts as common: "oracle"
# 1,646 and "shell" 17,979 are in, "ferrari" 181 and "tesla" 317 are not.
COMMON_FROM = 1000


def short_name(listed: str) -> str:
    """'Tesla, Inc.' -> 'Tesla'; 'The Cooper Companies' -> 'Cooper Companies'."""
    name = _LEGAL.sub("", listed.strip()).strip(" ,")
    return name.removeprefix("The ").strip() or listed.strip()


def common_words() -> set[str]:
    counts = SpellChecker(language="en").word_frequency
    return {word for word, n in counts.items() if n >= COMMON_FROM}


def names_of_people() -> set[str]:
    """English surnames and given names, and the given names the enricher ships."""
    out = {*AmericanNames.last_names, *BritishNames.last_names}
    return out | {*AmericanNames.first_names, *BritishNames.first_names, *given_names()}


def shipped_surfaces() -> set[str]:
    """Every surface the other shipped lists give a meaning to."""
    return {surface for name in SHIPPED for row in gazetteer.rows(name) for surface in row}


def kept(name: str, taken: set[str], words: set[str], people: set[str]) -> bool:
    """Whether a short name would name the company wherever it is written."""
    tokens = _WORD.findall(name)
    if len(name) < MIN_CHARS or name in taken or not tokens:
        return False
    if len(tokens) <= 2 and all(t.lower() in words for t in tokens):
        return False
    return not (len(tokens) == 1 and tokens[0] in people)


def rows(
    listed: Iterable[str], taken: set[str], words: set[str], people: set[str]
) -> list[list[str]]:
    """One row per company: its short name, then its listed name where that differs."""
    out: dict[str, list[str]] = {}
    for full in sorted(set(listed)):
        name = short_name(full)
        if name in out or not kept(name, taken, words, people):
            continue
        aliases = [full.strip()] if full.strip() != name and full.strip() not in taken else []
        out[name] = [name, *aliases]
    return [out[name] for name in sorted(out)]


def main() -> None:
    listed = [stock["name"] for stock in PyTickerSymbols().get_all_stocks()]
    built = rows(listed, shipped_surfaces(), common_words(), names_of_people())
    header = (
        "# Built by build_companies.py from pytickersymbols (MIT): listed companies, the name\n"
        "# without its legal form first, then the name as listed. Do not edit by hand.\n"
    )
    (HERE / OUT).write_text(header + "".join("|".join(r) + "\n" for r in built), "utf-8")
    print(f"{OUT}: {len(built)} companies")


if __name__ == "__main__":
    main()
