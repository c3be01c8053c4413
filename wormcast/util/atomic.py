"""Write an output directory all at once, and never replace what wormcast did not write.

:func:`staged_dir` builds the new directory beside the target and moves it into place: a failure part-way
leaves the previous contents of the target untouched and no partial files. Every directory it writes holds a
marker (``.wormcast-out.json``) naming the files wormcast put there. A target is replaced only when it is
absent, empty, or a directory wormcast wrote holding nothing but the files its marker names; anything else
(a user's logs, a scenario, a home directory, the current directory) is refused before any work.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from ..errors import WormcastError, flag as _flag, in_api

MARKER = ".wormcast-out.json"


def _parent(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _listing(root: Path) -> list[str]:
    """Every entry below ``root`` (files, links and folders, relative, '/'-separated), without the marker."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        for name in dirnames + filenames:
            path = (rel / name).as_posix()
            if path != MARKER:
                out.append(path)
    return sorted(out)


def _owned_files(target: Path) -> set[str] | None:
    """The entries that the marker in ``target`` says wormcast wrote (None: no readable marker)."""
    try:
        data = json.loads((target / MARKER).read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return None
        return set(files)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_replaceable(target: str | os.PathLike, flag: str = "--out") -> None:
    """Raise unless wormcast may replace ``target`` as a whole (see the module's docstring)."""
    target = Path(target)
    where = _flag(flag, target)
    another = "another directory" if in_api() else f"another {flag}"
    absolute = Path(os.path.abspath(target))
    cwd = Path(os.getcwd())
    if absolute == cwd or absolute in cwd.parents:
        raise WormcastError(f"{where}: is the current directory or holds it; name a new directory for the outputs")
    if target.is_symlink():
        raise WormcastError(f"{where}: is a symbolic link; name a directory wormcast may write")
    if not target.exists():
        return
    if not target.is_dir():
        raise WormcastError(f"{where}: exists and is not a directory")
    try:
        present = _listing(target)
    except OSError as exc:
        raise WormcastError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    if not present:
        return
    owned = _owned_files(target)
    if owned is None:
        raise WormcastError(f"{where}: exists, is not empty and was not written by wormcast; "
                            f"use {another} (wormcast replaces only directories it wrote)")
    foreign = [p for p in present if p not in owned]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise WormcastError(f"{where}: holds {foreign[0]!r}{more}, which wormcast did not write; "
                            f"move it away or use {another}")


def _make_stage(target: Path) -> Path:
    """A fresh directory beside ``target`` (so that a rename can move it into place)."""
    parent = _parent(target)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(stage, 0o777 & ~mask)  # mkdtemp makes 0700; the result should look like any mkdir
    except OSError as exc:
        raise WormcastError(f"{_flag('--out', target)}: cannot write there ({exc.strerror or exc})") from None
    return stage


def check_out_dir(target: str | os.PathLike) -> None:
    """Fail before any work when :func:`staged_dir` could not write ``target``."""
    check_replaceable(target)
    os.rmdir(_make_stage(Path(target)))


def write_failure(target: Path, exc: OSError) -> WormcastError:
    """The one-line message for an OSError met while writing outputs (a full disk, say)."""
    what = f" while writing {Path(exc.filename).name}" if getattr(exc, "filename", None) else ""
    reason = "no space left on the device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return WormcastError(f"{_flag('--out', target)}: {reason}{what}; what was there before is kept")


@contextlib.contextmanager
def staged_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh staging directory; on success it replaces ``target`` atomically.

    The target is checked before the work and again just before the swap (a file a user put there in the
    meantime stops the swap, and the staged outputs are removed).
    """
    target = Path(target)
    check_replaceable(target)
    parent = _parent(target)
    stage = _make_stage(target)
    try:
        try:
            yield stage
            (stage / MARKER).write_text(json.dumps({"writer": "wormcast", "files": _listing(stage)}, indent=1)
                                        + "\n", encoding="utf-8")
        except OSError as exc:
            raise write_failure(target, exc) from None
        check_replaceable(target)
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


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_together(writers: dict[Path, Callable[[Path], None]], durable: bool = False) -> None:
    """Write each file (``writers``: final path -> function writing a given path) to a temporary sibling,
    then move them all into place: a failure while writing any of them (a full disk) replaces none, keeps
    every previous file and leaves no temporary file. An OSError raised names the final file.
    ``durable``: fsync each file before it is moved into place."""
    temps: dict[Path, Path] = {}
    try:
        for path, write in writers.items():
            tmp = temps[path] = _tmp_path(path)
            try:
                write(tmp)
                if durable:
                    _fsync(tmp)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        for path, tmp in temps.items():
            os.replace(tmp, path)
    finally:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def write_atomic(path: Path, write: Callable[[Path], None], durable: bool = False) -> None:
    """Write one file via a temporary sibling, so readers never see half of it (see :func:`replace_together`)."""
    replace_together({Path(path): write}, durable)


def write_text_atomic(path: Path, text: str, durable: bool = False) -> None:
    """Write one text file (UTF-8) atomically (``durable``: fsync first)."""
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"), durable)
