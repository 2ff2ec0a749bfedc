"""The one exception type for operations that cannot go on.

Problems in register *data* are findings (values, see ``findings``); problems that stop a
command (no register, a malformed argument, an unknown id) are ``CalcertError``, which the
CLI turns into one line on stderr and the exit code it carries.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)


class CalcertError(Exception):
    """An operation refused for a reason the user can act on."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class UsageError(CalcertError):
    """A malformed argument, an unknown id, a missing register: exit 2."""


class Refused(CalcertError):
    """A write refused because it would add an error to the register: exit 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FINDINGS)
