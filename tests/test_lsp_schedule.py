"""The language server's per-document scheduling: only the latest version is published."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from hptlens.lsp.schedule import Scheduler


def test_scheduler_publishes_only_the_latest_version():
    landed: list[tuple[str, object, str]] = []

    async def scenario() -> str | None:
        scheduler: Scheduler[str] = Scheduler(ThreadPoolExecutor(2), lambda k, v, r: landed.append((k, v, r)))

        def slow(text: str):
            return lambda: (time.sleep(0.05), text)[1]

        for version in range(1, 6):
            scheduler.schedule("doc", version, lambda v=version: slow(f"text {v}"), delay_ms=0)
            await asyncio.sleep(0.01)
        return await scheduler.current("doc")

    assert asyncio.run(scenario()) == "text 5"
    assert landed[-1] == ("doc", 5, "text 5") and all(version == 5 for _, version, _ in landed)
