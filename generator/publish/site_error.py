"""The error every part of the site engine raises when the site cannot be built or published."""

from __future__ import annotations

from generator.plumbing.errors import UserError


class SiteError(UserError, RuntimeError):
    """The site could not be built or published; the message names the engine's first complaint.

    Attributes:
        warnings: every warning or error the engine reported during the failed build, in order.
    """

    def __init__(self, message: str, warnings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.warnings = warnings
