"""The one base class of errors whose message is meant for the user.

Bad input (a settings key, a data or model file, a site directory) raises a subclass of
:class:`UserError` with a message that says what was wrong and what to do; the command line
prints that message on one line and exits with code 1. Any other exception is a bug and
keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input; ``str(error)`` is the whole message."""
