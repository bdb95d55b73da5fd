"""The error a model stage raises for a model it cannot use."""

from __future__ import annotations

from generator.plumbing.errors import UserError


class ModelError(UserError):
    """A model that cannot be used; the message says what was wrong and what to do."""
