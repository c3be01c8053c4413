"""Write an output directory all at once: build it beside the target, then move it into place.

A failure part-way leaves the previous contents of the target untouched and no partial files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import WormcastError


def _make_stage(target: Path) -> Path:
    """A fresh directory beside ``target`` (so that a rename can move it into place)."""
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not target.is_dir():
            raise WormcastError(f"--out {target}: exists and is not a directory")
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(stage, 0o777 & ~mask)  # mkdtemp makes 0700; the result should look like any mkdir
    except OSError as exc:
        raise WormcastError(f"--out {target}: cannot write there ({exc.strerror or exc})") from None
    return stage


def check_out_dir(target: str | os.PathLike) -> None:
    """Fail before any work when ``target`` could not be written by :func:`staged_dir`."""
    os.rmdir(_make_stage(Path(target)))


@contextlib.contextmanager
def staged_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh staging directory; on success it replaces ``target`` atomically."""
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    stage = _make_stage(target)
    try:
        yield stage
        old = None
        if target.exists():
            old = parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(stage, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write one file via a temporary sibling, so readers never see half of it."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
