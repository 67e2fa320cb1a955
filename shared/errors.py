"""One error hierarchy for consumer control flow: permanent errors dead-letter, transient retry.

Domain code raises only `PermanentError` subclasses (the input can never succeed). I/O code
raises `TransientError` for what is worth retrying (Redis away, a timeout): the entry is left
pending and reclaimed after the idle timeout.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Root of every error the project raises on purpose."""


class PermanentError(NewsdeskError):
    """The input can never succeed: dead-letter it and ack it."""


class TransientError(NewsdeskError):
    """Worth retrying later: leave the entry pending so it is reclaimed."""


class ParseError(PermanentError):
    """A document could not be read as any article format.

    `field` names where it went wrong (or None for the whole document) so that HTTP answers
    and CLI lines can say which field and why.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason if field is None else f"{field}: {reason}")
        self.reason = reason
        self.field = field


class UnsupportedFormatError(ParseError):
    """The content type or sniffed format is not one ingest reads (HTTP 415)."""
