"""Per-document analysis scheduling: debounce, one run at a time, outdated results dropped.

Each document (a text document URI, or a notebook URI for all its cells) has a latest
version. `schedule` waits out the debounce, then runs the analysis in a worker thread so
the event loop keeps answering; a newer edit cancels a run still waiting, and a run
already in its thread finishes but its result is dropped unless its version is still
the latest. So a burst of edits costs at most one wasted run, and only the final text is
ever published. Requests that need the current result (pull diagnostics, lenses, hovers)
`await current(key)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[], T]
"""Runs in a worker thread; must not touch the protocol."""


class Scheduler(Generic[T]):
    def __init__(self, executor: Executor, landed: Callable[[str, Hashable, T], None]) -> None:
        self._executor = executor
        self._landed = landed
        self._latest: dict[str, Hashable] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._results: dict[str, tuple[Hashable, T]] = {}
        self._waiters: dict[str, list[asyncio.Future[T | None]]] = {}

    def keys(self) -> list[str]:
        return list(self._latest)

    def latest(self, key: str) -> Hashable | None:
        return self._latest.get(key)

    def schedule(self, key: str, version: Hashable, prepare: Callable[[], Job[T]], delay_ms: int) -> None:
        """Analyse `key` at `version` after `delay_ms` of quiet. `prepare` runs on the loop
        when the run starts (it snapshots the text); its job runs in a worker thread."""
        self._latest[key] = version
        previous = self._tasks.get(key)
        if previous is not None and previous not in self._running:
            previous.cancel()
        self._tasks[key] = asyncio.ensure_future(self._run(key, version, prepare, delay_ms))

    async def _run(self, key: str, version: Hashable, prepare: Callable[[], Job[T]], delay_ms: int) -> None:
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one run per document at a time
            if self._latest.get(key) != version:
                return
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                job = prepare()
                result: T | None = await asyncio.get_running_loop().run_in_executor(self._executor, job)
            except Exception:  # the job handles analysis errors; this is a bug in the adapter
                log.exception("analysis run for %s failed", key)
                result = None
            finally:
                self._running.discard(task)
        if self._latest.get(key) != version:
            return  # outdated: a newer version is scheduled, or the document was closed
        if result is not None:
            self.store(key, version, result)
        else:
            self._resolve(key, None)

    def store(self, key: str, version: Hashable, result: T) -> bool:
        """Keep and publish a result for `version` if that is still the latest."""
        if self._latest.get(key) != version:
            return False
        self._results[key] = (version, result)
        try:
            self._landed(key, version, result)
        except Exception:
            log.exception("publishing the result for %s failed", key)
        self._resolve(key, result)
        return True

    def _resolve(self, key: str, result: T | None) -> None:
        for waiter in self._waiters.pop(key, []):
            if not waiter.done():
                waiter.set_result(result)

    def result(self, key: str) -> tuple[Hashable, T] | None:
        """The last result stored, whatever its version."""
        return self._results.get(key)

    async def current(self, key: str, timeout: float = 60.0) -> T | None:
        """The result for the latest version, waiting for it if needed (None: unknown key)."""
        latest = self._latest.get(key)
        if latest is None:
            return None
        stored = self._results.get(key)
        if stored is not None and stored[0] == latest:
            return stored[1]
        waiter: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            return None

    def forget(self, key: str) -> None:
        self._latest.pop(key, None)
        self._results.pop(key, None)
        task = self._tasks.pop(key, None)
        if task is not None and task not in self._running:
            task.cancel()
        self._resolve(key, None)
