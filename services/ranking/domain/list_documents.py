"""What an article contributes to ranking: its scopes, the fields lists show, its score story."""

from __future__ import annotations

from typing import Any

from services.ranking.domain.decay import Decay
from shared.models import EnrichedArticle

SITE = "site"
SECTION = "section"
TRENDING_TYPES = ("person", "org", "place", "topic")
SCOPE_KINDS = (SECTION, *TRENDING_TYPES)
SCOPE_SEPARATOR = "\n"


class UnknownScopeError(ValueError):
    """A scope that is neither `site` nor `<kind>:<name>` with a known kind."""


def _clean(name: str) -> str:
    """Scopes are joined by newlines in one hash field, so a name may not carry one."""
    return " ".join(name.split())


def section_scope(section: str) -> str:
    """Sections match case-insensitively: `World`, `world ` and `WORLD` are one list."""
    return f"{SECTION}:{_clean(section).casefold()}"


def normalize_scope(scope: str) -> str:
    """Canonical scope name for a query: `site`, `section:world`, `person:Fumio Kishida`."""
    if scope == SITE:
        return SITE
    kind, sep, name = scope.partition(":")
    if not sep or kind not in SCOPE_KINDS or not _clean(name):
        raise UnknownScopeError(
            f"scope must be 'site' or '<kind>:<name>' with kind in {', '.join(SCOPE_KINDS)}"
        )
    return section_scope(name) if kind == SECTION else f"{kind}:{_clean(name)}"


def article_scopes(enriched: EnrichedArticle) -> list[str]:
    """Every list an article belongs to besides the site-wide one, without repeats."""
    scopes: list[str] = []
    if enriched.article.section and _clean(enriched.article.section):
        scopes.append(section_scope(enriched.article.section))
    for entity in enriched.tags.entities:
        if _clean(entity.name):
            scopes.append(f"{entity.type}:{_clean(entity.name)}")
    for topic in enriched.tags.topics:
        if _clean(topic.code):
            scopes.append(f"topic:{_clean(topic.code)}")
    return list(dict.fromkeys(scopes))


def article_document(enriched: EnrichedArticle) -> dict[str, Any]:
    """What a list row and the detail page show; one JSON string, no nulls (Lua reads it)."""
    article, tags = enriched.article, enriched.tags
    published = article.published_at or article.versioncreated or article.firstcreated
    entities = [{"type": e.type, "name": e.name} for e in tags.entities]
    topics = [{"code": t.code, "label": t.label, "score": t.score} for t in tags.topics]
    return {
        "id": enriched.id,
        "headline": article.headline,
        "url": article.url or "",
        "section": article.section or "",
        "published_at": published.isoformat().replace("+00:00", "Z") if published else "",
        "dateline": article.dateline or tags.dateline or "",
        "byline": article.byline or "",
        "story_id": tags.story_id or "",
        "version": article.version,
        "language": tags.language or article.language or "",
        "entities": entities,
        "topics": topics,
    }


def topic_labels(enriched: EnrichedArticle) -> dict[str, str]:
    return {_clean(t.code): t.label for t in enriched.tags.topics if _clean(t.code)}


def stored_article(doc: dict[str, Any]) -> dict[str, Any]:
    """The detail view of the stored document, with empty strings as None."""
    out: dict[str, Any] = {}
    for name in (
        "id", "headline", "url", "section", "published_at", "dateline", "byline", "story_id",
        "language",
    ):  # fmt: skip
        out[name] = doc.get(name) or None
    out["version"] = int(doc.get("version") or 0)
    out["tags"] = {"entities": doc.get("entities") or [], "topics": doc.get("topics") or []}
    return out


def explain_score(
    decay: Decay,
    *,
    stored: float,
    t0: float,
    now: float,
    views_24h: int,
    repeat_interval_s: int,
) -> dict[str, Any]:
    """How the article's numbers were made, in words a reader of the API can check."""
    return {
        "score": round(decay.normalize(stored, t0, now), 3),
        "score_is": "trending: views decayed by age (forward decay)",
        "trending": decay.explain(stored, t0, now),
        "lists_rank_by": "views in the window (whole buckets, see windows)",
        "views_24h": views_24h,
        "counted_views_exclude": [
            "known crawler and bot user agents (crawler-user-agents list)",
            f"the same reader on the same article within {repeat_interval_s} s",
            "redelivered stream entries (acked once, counted once)",
        ],
    }
