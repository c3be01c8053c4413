"""One exception type for bad input: the CLI prints its message on one line and exits 2."""


class WormcastError(Exception):
    """A user-facing problem (bad scenario, bad file, bad option). The message names what and where."""

    exit_code = 2


class PartialResult(WormcastError):
    """The work finished but part of the input was unusable (exit status 1)."""

    exit_code = 1



# Messages name what the caller typed: a CLI flag (``--seed 3``) on the command line, a parameter (``seed=3``) in
# the Python API. The API's entry points run inside ``with api_names():``; the checks they share with the CLI
# ask :func:`flag` how to name an option.
_API_NAMES = {"--seed": "seed", "--runs": "runs", "--interval": "interval", "--workers": "workers",
              "--scheduler": "scheduler", "--backend": "backend", "--out": "out", "--jobs": "jobs",
              "--grid": "grid", "--points": "points", "--figure": "figures", "--format": "fmt",
              "--rules": "rules", "--set": "overrides"}
_NO_VALUE = object()
_in_api = None


def _flag_var():
    global _in_api
    if _in_api is None:
        from contextvars import ContextVar

        _in_api = ContextVar("wormcast_api_names", default=False)
    return _in_api


def in_api() -> bool:
    """True inside ``with api_names():`` (a call of the Python API)."""
    return _flag_var().get()


def flag(name: str, value=_NO_VALUE) -> str:
    """A CLI flag (``--runs``), with its value if given, as the caller wrote it: ``--runs 0`` on the command
    line, ``runs=0`` in the API."""
    if not in_api():
        return name if value is _NO_VALUE else f"{name} {value}"
    param = _API_NAMES.get(name, name.lstrip("-"))
    if value is _NO_VALUE:
        return param
    return f"{param}={str(value)!r}" if hasattr(value, "__fspath__") else f"{param}={value!r}"


class api_names:
    """``with api_names():`` makes messages name API parameters instead of CLI flags (nests)."""

    def __enter__(self):
        self._token = _flag_var().set(True)
        return self

    def __exit__(self, *exc) -> None:
        _flag_var().reset(self._token)
