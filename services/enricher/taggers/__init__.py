"""Pure taggers: each reads text and returns values, with no I/O and nothing downloaded.

Their compiled copies (`newsdesk compile`) are imported in their place when they were built
from exactly these sources; `compiled` says why, and when not.
"""

from services.enricher.taggers.compiled import search_path

__path__ = search_path(__path__)
