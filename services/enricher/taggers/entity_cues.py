"""Word lists the entity rules read: titles before names, heads of organisation and place names.

The lists live in data/entity_cues.txt so that adding a title or a head word is a data change.
"""

from __future__ import annotations

from importlib import resources


def _load() -> dict[str, frozenset[str]]:
    text = (resources.files("services.enricher") / "data" / "entity_cues.txt").read_text("utf-8")
    lists: dict[str, set[str]] = {}
    current: set[str] = set()
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            current = lists.setdefault(line.strip("[] \n"), set())
        else:
            current.update(line.split())
    return {name: frozenset(words) for name, words in lists.items()}


LISTS = _load()
# Titles and roles that precede a person's name, lower-cased.
PERSON_TITLES = LISTS["person_titles"]
# German compounds: "Bundesverkehrsminister", "GDL-Chef", "Bahn-Personalvorstand".
PERSON_TITLE_SUFFIXES = tuple(sorted(LISTS["person_title_suffixes"]))
SPEECH_VERBS = LISTS["speech_verbs"]
# Words that make a capitalised sequence an organisation when they open or close it.
ORG_HEADS = LISTS["org_heads"]
ORG_HEAD_SUFFIXES = tuple(sorted(LISTS["org_head_suffixes"]))
# Heads of place names; English canonical names drop the administrative ones.
PLACE_HEADS_DROPPED = LISTS["place_heads_dropped"]
PLACE_HEADS_KEPT = LISTS["place_heads_kept"]
# Lower-case words after a name that make it a place: "Okinawa prefecture", "Kursk region".
PLACE_TRAILERS = LISTS["place_trailers"]
# "the town of Ternitz": the noun before "of" marks a place.
PLACE_OF = LISTS["place_of"]
# Weekdays, months, holidays and events the gold schema does not count as entities.
NOT_ENTITIES = LISTS["not_entities"]
# Facilities and venues are not labelled: a name ending in one of these is skipped whole.
FACILITY_HEADS = LISTS["facility_heads"]
EVENT_HEADS = LISTS["event_heads"]
CONNECTORS = LISTS["connectors"]
LIST_JOINERS = LISTS["list_joiners"]
ORG_CUE_NOUNS = LISTS["org_cue_nouns"]
ORG_ROLES = LISTS["org_roles"]
APPOSITION_WORDS = LISTS["apposition_words"]
ORG_DESCRIPTOR_SUFFIXES = tuple(sorted(LISTS["org_descriptor_suffixes"]))
CLUB_PREFIXES = LISTS["club_prefixes"]
CLUB_SUFFIXES = LISTS["club_suffixes"]
COMPASS_WORDS = LISTS["compass_words"]
FACILITY_NOUNS = LISTS["facility_nouns"]
SENTENCE_CASE_HEADS = LISTS["sentence_case_heads"]
