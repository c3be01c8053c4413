"""Where runs execute: a local process pool (default) or a Dask cluster, behind one small interface.

A backend maps a function over items and yields ``(item, result)`` pairs as they finish, in any order;
callers never depend on that order (seeds are fixed per run beforehand). Items whose worker died and could
not be retried are listed in ``backend.lost`` after the iteration ends, so callers can save everything that
did finish and say what is missing.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from typing import Any, Callable, Iterable, Iterator

from ..errors import WormcastError

BACKENDS = ("local", "dask")
CONNECT_TIMEOUT = 8.0  # seconds to reach a --scheduler; with the imports the error comes within 10 s


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them cleanly (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Backend:
    """What every backend offers: ``map_unordered``, ``close``, ``describe``, and use as a context manager."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalBackend(_Backend):
    """A process pool over this machine's cores. A dead worker breaks the pool: the pool is rebuilt and
    the unfinished items resubmitted, up to ``max_restarts`` times."""

    name = "local"

    def __init__(self, workers: int | None = None, max_restarts: int = 3):
        self.workers = int(workers) if workers else _cpu_count()
        self.max_restarts = max_restarts
        self.lost: list[tuple[Any, str]] = []
        self._pool = None

    def _new_pool(self):
        from concurrent.futures import ProcessPoolExecutor

        # fork on Linux: no re-import of __main__ (scripts need no main guard) and a fast start.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_ignore_sigint)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = dict(enumerate(items))
        breaks = 0
        while pending:
            self._pool = pool = self._new_pool()
            try:
                futures = {pool.submit(fn, item): key for key, item in pending.items()}
                broken = False
                for fut in as_completed(futures):
                    key = futures[fut]
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    yield pending.pop(key), result
                if not broken:
                    pool.shutdown(wait=True)
            finally:
                self._stop(pool)
                self._pool = None
            if broken:
                breaks += 1
                if breaks > self.max_restarts:
                    self.lost = [(item, f"worker processes died {breaks} times") for item in pending.values()]
                    return

    @staticmethod
    def _stop(pool) -> None:
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)

    def close(self) -> None:
        if self._pool is not None:
            self._stop(self._pool)
            self._pool = None

    def describe(self) -> str:
        return f"local pool of {self.workers} worker process{'es' if self.workers != 1 else ''}"


# Settings for Dask workers that run wormcast (also documented for external clusters in docs/sweeps.md): no
# statistical profiler (it sampled the engine's Python loop every 10 ms: about a quarter of the run time
# here), and slower house-keeping ticks (about 4% more, measured with 40 runs on 2 workers).
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


class DaskBackend(_Backend):
    """dask.distributed: connect to ``scheduler`` (tcp://HOST:PORT) or start a LocalCluster on loopback.

    Dask retries a task whose worker died (up to its ``allowed-failures``); a task that still fails that
    way is reported in ``lost``. Workers need the same wormcast version installed.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise WormcastError("--backend dask: dask.distributed is not installed "
                                "(pip install 'dask[distributed]')") from None
        self.lost: list[tuple[Any, str]] = []
        self.scheduler, self.cluster, self.client = scheduler, None, None
        self._futures: list = []
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise WormcastError(f"--scheduler {scheduler}: cannot connect within {connect_timeout:g} s "
                                    f"({reason[:200]})") from None
        else:
            import logging

            import dask

            n = int(workers) if workers else _cpu_count()
            with dask.config.set(WORKER_CONFIG):
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                            dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import as_completed

        items = list(items)
        futures = [self.client.submit(fn, item, pure=False) for item in items]
        self._futures = futures
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut in as_completed(futures, loop=self.client.loop):
                item = items[index[fut.key]]
                try:
                    result = fut.result()
                except Exception as exc:  # KilledWorker, or a worker that cannot run wormcast at all
                    self.lost.append((item, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"))
                    continue
                finally:
                    fut.release()
                yield item, result
        finally:
            self._cancel()

    def _cancel(self) -> None:
        if self._futures and self.client is not None:
            try:
                self.client.cancel(self._futures)
            except Exception:  # the client may already be gone; nothing more to stop
                pass
        self._futures = []

    def close(self) -> None:
        self._cancel()
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def describe(self) -> str:
        if self.scheduler:
            return f"dask cluster at {self.scheduler}"
        return f"dask LocalCluster of {len(self.cluster.workers)} workers"


def check_options(backend: str | None, scheduler: str | None, workers: int | None) -> str:
    """Validate the backend options before any work; returns the backend name to use."""
    if backend is None:
        backend = "dask" if scheduler else "local"
    if backend not in BACKENDS:
        raise WormcastError(f"--backend {backend}: expected one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise WormcastError(f"--scheduler {scheduler}: only with --backend dask")
    if workers is not None and workers < 1:
        raise WormcastError(f"--workers {workers}: must be at least 1")
    if workers is not None and scheduler:
        raise WormcastError(f"--workers {workers}: not with --scheduler (the cluster's workers decide)")
    return backend


def open_backend(backend: str | None = None, scheduler: str | None = None, workers: int | None = None):
    """A started backend (use it as a context manager)."""
    backend = check_options(backend, scheduler, workers)
    if backend == "dask":
        return DaskBackend(scheduler, workers)
    return LocalBackend(workers)
