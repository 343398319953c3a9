"""Ray (the optional `hptlens[ray]` extra): the same analysis as local workers, as Ray tasks.

`hptlens scan --ray` hands `workspace.scan` a batch runner: batches of files analysed by
`analyze_batch`, the function the local worker processes run. `hptlens inventory scan --ray` runs
its per-project function through `RayExecutor`, a `concurrent.futures.Executor` over Ray tasks.
Either way the results are the ones a local run gives. Tasks are retried when they fail or their
worker dies (`RETRIES`), so a lost worker costs time, not files.

`connect("auto")` joins the cluster `ray start` made on this machine (or `$RAY_ADDRESS`) and
starts a local one when there is none; `connect("local")` always starts one of its own (on
loopback, ended with this process); any other value is a cluster address. Workers must have
the same hptlens installed: tasks refer to its functions by name. Start-up timeouts are raised
(`TIMEOUT_ENV`) because Ray's own defaults are too short on a small, loaded machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from hptlens.report import FileReport
from hptlens.settings import Settings
from hptlens.workspace.scanning import BatchRunner, analyze_batch

RETRIES = 3
"""Times a Ray task is run again after its worker died or it raised."""
BATCH_FILES = 16
"""Files per task in `hptlens scan --ray`: large enough that a task outweighs its scheduling."""
TIMEOUT_ENV = {
    "RAY_gcs_server_port_wait_time_s": "600",
    "RAY_raylet_start_wait_time_s": "600",
    "RAY_worker_register_timeout_seconds": "600",
    "RAY_USAGE_STATS_ENABLED": "0",
}
"""Ray settings taken from the environment, unless set there already."""

_T = TypeVar("_T")
_P = ParamSpec("_P")


class RayUnavailable(Exception):
    """Ray is not installed (`pip install hptlens[ray]`) or the cluster cannot be reached."""


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("Ray is not installed: pip install 'hptlens[ray]'") from exc
    return ray


def connect(address: str, num_cpus: int | None = None) -> bool:
    """Connect to (or start) a Ray cluster; True when this call started a local one."""
    for key, value in TIMEOUT_ENV.items():
        os.environ.setdefault(key, value)
    ray = _ray()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if address not in ("auto", "local"):
            ray.init(address=address, **options)
            return False
        if address == "auto":
            try:
                ray.init(address="auto", **options)
                return False
            except ConnectionError:
                pass
        ray.init(num_cpus=num_cpus, _node_ip_address="127.0.0.1", **options)
        return True
    except Exception as exc:
        raise RayUnavailable(f"cannot start or reach the Ray cluster at {address!r}: {exc}") from exc


def cluster_cpus() -> int:
    """CPUs the cluster offers (at least 1)."""
    return max(1, int(_ray().cluster_resources().get("CPU", 1)))


class RayExecutor(Executor):
    """Submits functions as Ray tasks (retried); their futures are concurrent.futures ones."""

    def __init__(self, address: str, num_cpus: int | None = None) -> None:
        self._started = connect(address, num_cpus)
        self._remote: dict[Callable[..., Any], Any] = {}

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        remote = self._remote.get(fn)
        if remote is None:
            remote = _ray().remote(max_retries=RETRIES, retry_exceptions=True)(fn)
            self._remote[fn] = remote
        future: Future[_T] = remote.remote(*args, **kwargs).future()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._started:  # a cluster this process started ends with it; one it joined goes on
            _ray().shutdown()
            self._started = False


def cluster_summary() -> str:
    """The connected cluster in a line: its address, live nodes and CPUs."""
    ray = _ray()
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    address = ray.get_runtime_context().gcs_address
    return f"Ray cluster {address}: {len(nodes)} node{'s' * (len(nodes) != 1)}, {cluster_cpus()} CPUs"


def batch_runner(executor: Executor) -> BatchRunner:
    """A `workspace.scan` runner: the files in batches through `analyze_batch`, reports in order;
    each batch counts as done when its task finishes, on whichever node ran it."""

    def run(entries: list[tuple[Path, str]], settings: Settings, finished: Callable[[int], None]) -> list[FileReport]:
        pairs = [(str(path), display) for path, display in entries]
        batches = [pairs[i : i + BATCH_FILES] for i in range(0, len(pairs), BATCH_FILES)]
        futures = {executor.submit(analyze_batch, batch, settings): len(batch) for batch in batches}
        for future in as_completed(futures):
            future.result()  # a task that failed for good raises here, before the others are awaited
            finished(futures[future])
        return [report for future in futures for report in future.result()]

    return run
