"""Language of an article: scripts decide CJK, lingua the rest, the wire's code as a fallback."""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from services.enricher.taggers.scripts import profile

# Languages lingua chooses among; CJK is decided by script before lingua is asked.
SUPPORTED: dict[str, Language] = {
    "en": Language.ENGLISH,
    "de": Language.GERMAN,
    "fr": Language.FRENCH,
    "es": Language.SPANISH,
    "it": Language.ITALIAN,
    "pt": Language.PORTUGUESE,
    "nl": Language.DUTCH,
    "nb": Language.BOKMAL,
    "nn": Language.NYNORSK,
    "sv": Language.SWEDISH,
    "da": Language.DANISH,
    "fi": Language.FINNISH,
    "ru": Language.RUSSIAN,
    "uk": Language.UKRAINIAN,
    "el": Language.GREEK,
    "pl": Language.POLISH,
    "tr": Language.TURKISH,
    "cs": Language.CZECH,
    "ar": Language.ARABIC,
    "id": Language.INDONESIAN,
}
CJK = {"ja", "zh", "ko"}
ALIASES = {"no": "nb", "iw": "he", "in": "id"}
MIN_LETTERS = 20  # below this lingua guesses; the wire's declared language is more reliable
SAMPLE_CHARS = 300  # lingua's cost grows with length; a headline and lead decide
# Function words are counted further: a headline repeated in the lead can hold too few of them
# in 300 characters, and lingua then costs ~0.5 ms where counting 600 costs ~15 µs.
VOTE_CHARS = 600


# One text in each script of SUPPORTED: detecting them while the detector is built loads the
# models detection reads for every script, so no article waits for one to load, and the
# process holds ~10 MB less than after with_preloaded_language_models(), which loads more.
_EVERY_SCRIPT = (
    "The minister said on Monday that the talks would go on.",
    "Министр заявил в понедельник, что переговоры продолжатся.",
    "Ο υπουργός δήλωσε τη Δευτέρα ότι οι συνομιλίες θα συνεχιστούν.",
    "قال الوزير يوم الاثنين إن المحادثات ستستمر.",
)


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """Built once per process; low-accuracy mode keeps the models at ~40 MB instead of ~600."""
    built = LanguageDetectorBuilder.from_languages(*SUPPORTED.values()).with_low_accuracy_mode()
    loaded = built.build()
    for text in _EVERY_SCRIPT:
        loaded.detect_language_of(text)
    return loaded


def normalise_code(declared: str | None) -> str | None:
    """'en-GB' -> 'en', 'zh-Hans' -> 'zh', 'no-NO' -> 'nb'."""
    if not declared:
        return None
    code = declared.strip().replace("_", "-").split("-")[0].lower()
    if not code.isalpha() or len(code) not in (2, 3):
        return None
    return ALIASES.get(code, code)


# The commonest function words that only one of these languages writes: enough of them and no
# rival settles the question without asking lingua (a tenth of its cost).
def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_MARKERS: dict[str, frozenset[str]] = {
    "en": _words("the of and to is was that with for by from said has have are were"),
    "de": _words("der die und das ist nicht mit den von dem zu im auf sich eine ein des"),
    "fr": _words("le les des et est une du dans pour sur au aux qui ont été"),
    "es": _words("el los las del y por una con para su se al fue según"),
    "it": _words("il della di che è per del gli nel alla sono delle dei degli"),
    "pt": _words("os do da dos das não em um uma com ao no na pelo pela são"),
    "nl": _words("het een en van de dat op te zijn voor niet met werd"),
}
_MIN_VOTES = 6
# The same lists by word: one look-up per word of the sample instead of one per language.
_VOTERS: dict[str, tuple[str, ...]] = {
    word: tuple(code for code, m in _MARKERS.items() if word in m)
    for word in frozenset().union(*_MARKERS.values())
}


def _stopword_vote(sample: str) -> str | None:
    tally = dict.fromkeys(_MARKERS, 0)
    for word in sample.lower().split():
        for code in _VOTERS.get(word, ()):
            tally[code] += 1
    votes = sorted(((n, code) for code, n in tally.items()), reverse=True)
    (best, code), (second, _) = votes[0], votes[1]
    return code if best >= _MIN_VOTES and best >= 3 * max(second, 1) else None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of `text`; the text decides, the declared language only breaks ties."""
    sample = text[:SAMPLE_CHARS]
    fallback = normalise_code(declared)
    if sample.isascii():
        return _latin(sample, fallback, text[:VOTE_CHARS])
    prof = profile(sample)
    if prof.letters < MIN_LETTERS:
        return fallback
    cjk = prof.han + prof.kana + prof.hangul
    if cjk * 2 >= prof.letters:
        if prof.hangul >= max(prof.kana, 1) and prof.hangul * 3 >= cjk:
            return "ko"
        if prof.kana * 20 >= cjk:
            return "ja"
        return "zh"
    return _latin(sample, fallback, text[:VOTE_CHARS])


def _latin(sample: str, fallback: str | None, voters: str) -> str | None:
    """Alphabetic scripts: function words (counted in `voters`, the longer sample) settle
    most texts, lingua the rest."""
    if len(list(islice(filter(str.isalpha, sample), MIN_LETTERS))) < MIN_LETTERS:
        return fallback  # counted only as far as MIN_LETTERS: most samples get there at once
    voted = _stopword_vote(voters)
    if voted is not None:
        return voted
    found = detector().detect_language_of(sample)
    if found is None:
        return fallback
    code = found.iso_code_639_1.name.lower()
    if code in {"nb", "nn"} and fallback in {"nb", "nn"}:
        return fallback  # lingua confuses the two written Norwegians; the wire knows which
    return code
