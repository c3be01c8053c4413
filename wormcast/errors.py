"""One exception type for bad input: the CLI prints its message on one line and exits 2."""


class WormcastError(Exception):
    """A user-facing problem (bad scenario, bad file, bad option). The message names what and where."""

    exit_code = 2


class PartialResult(WormcastError):
    """The work finished but part of the input was unusable (exit status 1)."""

    exit_code = 1
