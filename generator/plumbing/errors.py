"""The one base class of errors whose message is meant for the user.

Bad input (a settings key, a data or model file, a site directory) raises a subclass of
:class:`UserError` with a message that says what was wrong and what to do; the command line
prints that message on one line and exits with code 1. Any other exception is a bug and
keeps its traceback.
"""

from __future__ import annotations

import errno


class UserError(Exception):
    """An error caused by the user's input; ``str(error)`` is the whole message."""


OS_ADVICE = {
    errno.ENOENT: "check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "a file was expected there, not a folder",
    errno.EEXIST: "something is already there; choose another path or remove it",
    errno.EACCES: "check the permissions of the path",
    errno.EPERM: "the file or its folder cannot be changed (permissions, or an immutable attribute)",
    errno.EROFS: "the file system is read-only; choose a folder on another one",
    errno.ENOSPC: "free some disk space, then build again",
    errno.EDQUOT: "the disk quota is used up; free some space, then build again",
}
"""What to do about a file-system error, by its ``errno`` (what a wrapper message adds to the OS's own)."""


def one_line(error: Exception) -> str:
    """One line for the user; file-system errors name the file and what to do about that error."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        advice = OS_ADVICE.get(error.errno or 0, "check the path, its permissions and the free disk space")
        return f"{error.strerror}: {error.filename}; {advice}"
    return " ".join(str(error).split())


def is_user_error(error: Exception) -> bool:
    """Errors with a message meant for the user (bad input), as opposed to bugs."""
    return isinstance(error, (UserError, OSError))
