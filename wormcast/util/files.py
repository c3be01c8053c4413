"""Reading a user's input file safely: only a regular file, of bounded size, never blocking.

A FIFO, ``/dev/zero`` or a device given as a scenario, a population CSV or a log would block or fill
memory; it is refused with one line. The file is opened without blocking and checked on the open
descriptor, so a path swapped for a FIFO after a check cannot block either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a directory" if stat.S_ISDIR(mode) else "not a regular file")


class NotRegular(OSError):
    """Raised (with a message in words) for an input that is not a regular file or is too large."""


def read_regular_text(path: str | os.PathLike, max_bytes: int) -> str:
    """The UTF-8 text of a regular file (a byte-order mark skipped); OSError subclasses otherwise."""
    p = Path(path)
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"is {file_kind(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise NotRegular(f"is {st.st_size:,} bytes, more than the {max_bytes:,} such a file may have")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read(max_bytes + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    return data.decode("utf-8-sig")
