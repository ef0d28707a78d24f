"""Exceptions raised by leadscore.

Every error is a :class:`LeadscoreError`; those about bad input are also
:class:`ValueError`. File errors are the built-in :class:`OSError` subclasses
(:class:`FileNotFoundError`, :class:`PermissionError`).
"""

from __future__ import annotations

from typing import Any


class LeadscoreError(Exception):
    """Base class of leadscore's own errors."""


class DataError(LeadscoreError, ValueError):
    """Bad input data: names the (1-based) row, the column and the value.

    ``errors`` lists every bad cell found (up to 100) as dicts with ``row``,
    ``column``, ``value`` and ``reason``; ``total`` counts them all.
    """

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        total: int | None = None,
    ) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.value = value
        self.errors = list(errors or [])
        self.total = total if total is not None else len(self.errors)


class ParameterError(LeadscoreError, ValueError):
    """A parameter is out of range or inconsistent."""


class ModelFormatError(LeadscoreError, ValueError):
    """A model document is of another format or version, or inconsistent."""


class PolicyError(LeadscoreError, ValueError):
    """A policy document is invalid; the message names the line or field."""


class TrainingError(LeadscoreError):
    """Training refused (too few won or lost deals) or failed."""
