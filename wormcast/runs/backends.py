"""Where runs execute: a local process pool (default) or a Dask cluster, behind one small interface.

A backend maps a function over items and yields ``(item, result)`` pairs as they finish, in any order;
callers never depend on that order (seeds are fixed per run beforehand). Items are drawn from the iterable
as workers free up (a few per worker in flight), so a generator of a million runs starts at once and its
tasks never all sit in memory. Items whose worker died and could not be retried are listed in
``backend.lost`` after the iteration ends, so callers can save everything that did finish and say what is
missing.

Dask is an optional extra (``pip install 'wormcast[dask]'``): nothing here imports it unless the dask
backend is asked for.
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import sys
from typing import Any, Callable, Iterable, Iterator

from ..errors import WormcastError, flag
from .address import parse_scheduler
from .orphans import worker_init

BACKENDS = ("local", "dask")
CONNECT_TIMEOUT = 8.0  # seconds to reach a --scheduler; with the imports the error comes within 10 s
IN_FLIGHT_PER_WORKER = 4  # items handed out ahead per worker: enough to keep it busy, few enough to stream
DASK_IN_FLIGHT = 256  # items in flight on a Dask cluster (its size may change while it runs)
_END = object()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def dask_installed() -> bool:
    """Whether dask.distributed can be imported (found without importing it)."""
    return all(importlib.util.find_spec(m) is not None for m in ("dask", "distributed"))


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
    the unfinished items resubmitted, up to ``max_restarts`` times. Workers die with this process (see
    :mod:`wormcast.runs.orphans`)."""

    name = "local"

    def __init__(self, workers: int | None = None, max_restarts: int = 3, persistent: bool = False):
        self.workers = int(workers) if workers else _cpu_count()
        self.max_restarts = max_restarts
        self.persistent = persistent  # keep the pool between map_unordered calls (many short maps: calibration)
        self.window = self.workers * IN_FLIGHT_PER_WORKER
        self.lost: list[tuple[Any, str]] = []
        self._pool = None

    def _new_pool(self):
        from concurrent.futures import ProcessPoolExecutor

        # fork on Linux: no re-import of __main__ (scripts need no main guard) and a fast start.
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=worker_init, initargs=(os.getpid(),))

    def worker_pids(self) -> list[int]:
        """The pids of the current pool's worker processes (for tests and diagnostics)."""
        pool = self._pool
        return sorted((getattr(pool, "_processes", None) or {}).keys()) if pool is not None else []

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        source = iter(items)
        retry: list = []  # items in flight when a worker died: submitted again first
        breaks = 0
        while True:
            pool = self._pool if self.persistent and self._pool is not None else self._new_pool()
            self._pool = pool
            inflight: dict = {}
            broken = False
            kept = False
            try:
                while True:
                    while len(inflight) < self.window:
                        item = retry.pop() if retry else next(source, _END)
                        if item is _END:
                            break
                        inflight[pool.submit(fn, item)] = item
                    if not inflight:
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        item = inflight.pop(fut)
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            retry.append(item)
                            continue
                        yield item, result
                    if broken:
                        retry.extend(inflight.values())
                        break
                if not broken and self.persistent:
                    kept = True
                elif not broken:
                    pool.shutdown(wait=True)
            finally:
                if not kept:
                    self._stop(pool)
                    self._pool = None
            if not broken:
                return
            breaks += 1
            if breaks > self.max_restarts:
                reason = f"worker processes died {breaks} times"
                self.lost = [(item, reason) for item in [*retry, *source]]
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


NOT_INSTALLED = "needs Dask, an optional extra: pip install 'wormcast[dask]'"


def _probe(address: str, timeout: float) -> str | None:
    """None when a Dask comm to ``address`` opens and completes its handshake within ``timeout``; else why
    not. Dask's client bounds the TCP connect but not the handshake (a port that accepts and says nothing
    kept it waiting for as long as the port stayed open), and an unknown address made it wait twice the
    timeout and print an ignored exception; this probe is cancelled cleanly at the deadline instead."""
    import asyncio
    import socket
    import threading
    from urllib.parse import urlsplit

    from distributed.comm import connect

    parts = urlsplit(address)
    if parts.scheme in ("tcp", "tls", "ws", "wss"):  # refused: say so at once (Dask retries until the timeout)
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=timeout).close()
        except ConnectionRefusedError as exc:
            return exc.strerror or "connection refused"
        except OSError:
            pass  # Dask's connect below says what it finds

    async def probe() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    outcome: list = []

    def run() -> None:  # in a thread of its own: the caller may already be inside an event loop (Jupyter)
        try:
            asyncio.run(probe())
            outcome.append(None)
        except (asyncio.TimeoutError, TimeoutError):
            outcome.append(f"no Dask scheduler answered within {timeout:g} s")
        except Exception as exc:  # OSError (refused, unreachable), a TLS or protocol error
            outcome.append(" ".join(str(exc).split()) or type(exc).__name__)

    t = threading.Thread(target=run, name="wormcast-scheduler-probe", daemon=True)
    t.start()
    t.join(timeout + 5)
    return outcome[0] if outcome else f"no Dask scheduler answered within {timeout:g} s"


def _quiet_client_class():
    """dask's Client, except that a client whose start failed closes within a second and silently when it
    is collected (dask's own waits twice the connect timeout, then prints 'Exception ignored in
    Client.__del__')."""
    from dask.distributed import Client

    class QuietClient(Client):
        def __del__(self):
            with contextlib.suppress(Exception):
                if self.status not in ("closed", "newly-created"):
                    self.close(timeout=1)
            with contextlib.suppress(Exception):
                self._loop_runner.stop()

    return QuietClient


class DaskBackend(_Backend):
    """dask.distributed: connect to ``scheduler`` (tcp://HOST:PORT) or start a LocalCluster on loopback.

    Dask retries a task whose worker died (up to its ``allowed-failures``); a task that still fails that
    way is reported in ``lost``. Workers need the same wormcast version installed.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT):
        address = parse_scheduler(scheduler) if scheduler else None
        if not dask_installed():
            raise WormcastError(f"{flag('--scheduler', scheduler) if scheduler else flag('--backend', 'dask')}: {NOT_INSTALLED}")
        self.lost: list[tuple[Any, str]] = []
        self.scheduler, self.cluster, self.client = scheduler, None, None
        self._futures: dict = {}
        if address is not None:
            self.client = self._connect(address, connect_timeout)
        else:
            import logging

            import dask
            from dask.distributed import Client, LocalCluster

            n = int(workers) if workers else _cpu_count()
            with dask.config.set(WORKER_CONFIG):
                self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                            dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster, set_as_default=False)

    def _connect(self, address, timeout: float):
        import gc

        def fail(reason: str) -> WormcastError:
            return WormcastError(f"{flag('--scheduler', self.scheduler)}: cannot connect ({reason[:200]})")

        why = None if address.port is None else _probe(str(address), timeout)
        if why is not None:
            raise fail(why)
        import dask

        client_class = _quiet_client_class()
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout:g}s"}):  # the handshake too
                return client_class(str(address), timeout=timeout, set_as_default=False)
        except Exception as exc:  # OSError, TimeoutError, a TLS or protocol error from a port that is no scheduler
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if isinstance(exc, TimeoutError) or "timed out" in reason.lower():
                reason = f"no Dask scheduler answered within {timeout:g} s: {reason}"
        gc.collect()  # the half-started client closes now, quietly, not at exit
        raise fail(reason)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import as_completed

        source = iter(items)
        inflight = self._futures = {}  # key: (future, item)
        pending = as_completed(loop=self.client.loop)

        def top_up() -> None:
            while len(inflight) < DASK_IN_FLIGHT:
                item = next(source, _END)
                if item is _END:
                    return
                fut = self.client.submit(fn, item, pure=False)
                inflight[fut.key] = (fut, item)
                pending.add(fut)

        try:
            top_up()
            for fut in pending:
                _, item = inflight.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # KilledWorker, or a worker that cannot run wormcast at all
                    self.lost.append((item, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"))
                    result = _END
                finally:
                    fut.release()
                top_up()
                if result is not _END:
                    yield item, result
        finally:
            self._cancel()

    def _cancel(self) -> None:
        if self._futures and self.client is not None:
            try:
                self.client.cancel([f for f, _ in self._futures.values()])
            except Exception:  # the client may already be gone; nothing more to stop
                pass
        self._futures = {}

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
    """Validate the backend options before any work (Dask is not imported); returns the backend to use."""
    if backend is None:
        backend = "dask" if scheduler else "local"
    if backend not in BACKENDS:
        raise WormcastError(f"{flag('--backend', backend)}: expected one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise WormcastError(f"{flag('--scheduler', scheduler)}: only with {flag('--backend', 'dask')}")
    if scheduler is not None:
        parse_scheduler(scheduler)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise WormcastError(f"{flag('--workers', workers)}: must be at least 1")
    if workers is not None and scheduler:
        raise WormcastError(f"{flag('--workers', workers)}: not with {flag('--scheduler')} (the cluster's workers decide)")
    if backend == "dask" and not dask_installed():
        raise WormcastError(f"{flag('--scheduler', scheduler) if scheduler else flag('--backend', 'dask')}: {NOT_INSTALLED}")
    return backend


def open_backend(backend: str | None = None, scheduler: str | None = None, workers: int | None = None,
                 persistent: bool = False):
    """A started backend (use it as a context manager); ``persistent``: a local pool is kept between maps."""
    backend = check_options(backend, scheduler, workers)
    if backend == "dask":
        return DaskBackend(scheduler, workers)
    return LocalBackend(workers, persistent=persistent)
