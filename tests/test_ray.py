"""Ray: a real local cluster (started once per session, on loopback, two CPUs) runs the scan's
batches and the inventory's projects; the results are the ones a local run gives, and a task whose
worker dies is run again."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hptlens.inventory.scan import InProcess, scan_inventory
from hptlens.inventory.store import Store
from hptlens.report import build_report, report_json
from hptlens.settings import Settings
from hptlens.workspace import scan
from hptlens.workspace.scanning import EditorView
from support.projects import contents, hydra_projects, split_fixtures

if importlib.util.find_spec("ray") is None:
    if os.environ.get("CI"):
        raise RuntimeError("ray is missing in CI: .ci/run installs the hptlens[ray] extra")
    pytest.skip("ray is not importable: pip install -e '.[ray]' (CI installs it)", allow_module_level=True)

from hptlens.workspace.onray import RayExecutor, batch_runner  # noqa: E402  (only with ray installed)


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    """One local cluster for these tests: starting Ray takes tens of seconds on a loaded machine."""
    executor = RayExecutor("local", num_cpus=2)
    yield executor
    executor.shutdown()


def test_scan_on_ray_gives_the_local_report(ray_executor: RayExecutor, tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path, 1, 40) + hydra_projects(tmp_path)
    local = scan([tmp_path], jobs=1)
    seen: list[tuple[int, int]] = []
    view = EditorView(progress=lambda done, total: seen.append((done, total)))
    on_ray = scan([tmp_path], runner=batch_runner(ray_executor), editor=view)
    assert len(local) >= 40 and len(projects) > 1
    assert report_json(build_report(on_ray)) == report_json(build_report(local))
    # Progress comes as each batch's task finishes: one step per file, up to every file.
    assert [done for done, _ in seen] == list(range(len(seen))) and seen[-1] == (len(local), len(local))


def test_inventory_on_ray_gives_the_local_database(ray_executor: RayExecutor, tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path / "src", 6, 8) + hydra_projects(tmp_path / "src")
    databases = {name: tmp_path / f"{name}.sqlite" for name in ("local", "ray")}
    for database in databases.values():
        with Store(database) as store:
            for folder in projects:
                store.add(str(folder))
    with Store(databases["local"]) as store:
        local = scan_inventory(store, Settings(), InProcess())
    with Store(databases["ray"]) as store:
        on_ray = scan_inventory(store, Settings(), ray_executor, in_flight=4)
    assert on_ray.scanned == local.scanned == len(projects)
    assert on_ray.files == local.files and on_ray.files_analysed == local.files_analysed
    assert contents(databases["ray"]) == contents(databases["local"])


def test_a_task_whose_worker_dies_is_run_again(ray_executor: RayExecutor, tmp_path: Path) -> None:
    marker = tmp_path / "died-once"

    def dies_the_first_time(value: int) -> int:  # a closure: Ray ships it by value
        if not marker.exists():
            marker.write_text("x", encoding="utf-8")
            os._exit(1)  # the worker process dies, as on a lost node
        return value * 2

    assert ray_executor.submit(dies_the_first_time, 21).result(timeout=600) == 42
    assert marker.exists()


def test_cli_ray_flags_give_the_local_results(
    ray_executor: RayExecutor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hptlens.cli import main

    folder = split_fixtures(tmp_path / "src", 1, 12)[0]
    outputs = {}
    for name, extra in (("local", ["--jobs", "1"]), ("ray", ["--ray", "local"])):
        outputs[name] = tmp_path / f"{name}.json"
        assert main(["scan", str(folder), "--format", "json", "-o", str(outputs[name]), *extra]) == 0
        database = tmp_path / f"{name}.sqlite"
        assert main(["inventory", "add", "--db", str(database), str(folder)]) == 0
        assert main(["inventory", "scan", "--db", str(database), "--no-progress", *extra]) == 0
    assert outputs["ray"].read_text(encoding="utf-8") == outputs["local"].read_text(encoding="utf-8")
    announced = capsys.readouterr().err
    assert "hptlens: Ray cluster " in announced and ": 1 node, 2 CPUs" in announced
    assert contents(tmp_path / "ray.sqlite") == contents(tmp_path / "local.sqlite")
