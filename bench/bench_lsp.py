"""Language-server latency and memory benchmark (not a test).

Starts `python -m hptlens serve` on stdio, as an editor would, with debounceMs = 0 (the
debounce is a setting, excluded from these figures), and measures
  * latency from sending `textDocument/didChange` to receiving the `publishDiagnostics`
    for that version, on a generated 3,000-line Python file (one small edit at a time,
    100 edits, p50/p95/max), target p95 <= 50 ms;
  * the same for a 40-cell notebook (`notebookDocument/didChange` on one cell);
  * the server's peak RSS (VmHWM) after opening 200 documents and getting their diagnostics.

Run:  .venv/bin/python bench/bench_lsp.py [--edits 100] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from lsprotocol import types as lsp
from pydantic import BaseModel
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

TARGET_P95_MS = 50.0
WARMUP = 5
"""Edits sent first and not counted (first-use costs: caches, imports, allocator)."""

PLAIN = textwrap.dedent('''\
    class ReplayBuffer{n}:
        """Uniform replay for agent {n}."""

        def __init__(self, capacity: int = 100_000, obs_dim: int = 4) -> None:
            self.capacity = capacity
            self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
            self.actions = np.zeros(capacity, dtype=np.int64)
            self.rewards = np.zeros(capacity, dtype=np.float32)
            self.dones = np.zeros(capacity, dtype=np.float32)
            self.position = 0
            self.full = False

        def add(self, obs, action, reward, done) -> None:
            self.obs[self.position] = obs
            self.actions[self.position] = action
            self.rewards[self.position] = reward
            self.dones[self.position] = done
            self.position = (self.position + 1) % self.capacity
            self.full = self.full or self.position == 0

        def sample(self, batch_size: int = 64):
            high = self.capacity if self.full else self.position
            index = np.random.randint(0, high, size=batch_size)
            return self.obs[index], self.actions[index], self.rewards[index], self.dones[index]


    def train_agent_{n}(env_id: str = "CartPole-v1", total_steps: int = 50_000, seed: int = {n}) -> float:
        env = gym.make(env_id)
        buffer = ReplayBuffer{n}(obs_dim=env.observation_space.shape[0])
        obs, _ = env.reset(seed=seed)
        epsilon = 1.0
        episode_return, returns = 0.0, []
        for step in range(total_steps):
            epsilon = max(0.05, epsilon * 0.999)
            action = env.action_space.sample() if np.random.rand() < epsilon else 0
            next_obs, reward, terminated, truncated, _ = env.step(action)
            buffer.add(obs, action, reward, terminated)
            episode_return += float(reward)
            obs = next_obs
            if terminated or truncated:
                returns.append(episode_return)
                episode_return = 0.0
                obs, _ = env.reset()
            if step % 1_000 == 0 and returns:
                logger.info("step %d mean return %.1f", step, np.mean(returns[-20:]))
        env.close()
        return float(np.mean(returns[-20:])) if returns else 0.0


    ''')

TUNING = textwrap.dedent('''\
    def objective(trial):
        """The one tuned part of the module: PPO on CartPole."""
        learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
        gamma = trial.suggest_float("gamma", 0.9, 0.9999)
        n_steps = trial.suggest_categorical("n_steps", [256, 512, 1024, 2048])
        model = PPO("MlpPolicy", "CartPole-v1", learning_rate=learning_rate, gamma=gamma, n_steps=n_steps)
        model.learn(total_timesteps=10_000)
        return train_agent_0()


    for lr in [1e-3, 3e-4, 1e-4]:
        PPO("MlpPolicy", "CartPole-v1", learning_rate=lr).learn(5_000)

    ''')

HEADER = textwrap.dedent('''\
    """Generated benchmark module: an RL code base with one Optuna study and one hand grid."""
    import logging

    import gymnasium as gym
    import numpy as np
    import optuna
    from stable_baselines3 import PPO

    logger = logging.getLogger(__name__)


    ''')

FOOTER = 'study = optuna.create_study(direction="maximize")\nstudy.optimize(objective, n_trials=100)\n'


def python_file(lines: int) -> str:
    """`lines` lines: ordinary RL code, then the tuning part, the study on the last two lines."""
    body = [HEADER]
    n = 0
    budget = lines - 2 - TUNING.count("\n")
    while sum(part.count("\n") for part in body) + PLAIN.count("\n") <= budget:
        body.append(PLAIN.format(n=n))
        n += 1
    filler = budget - sum(part.count("\n") for part in body)
    return "".join(body) + "\n" * filler + TUNING + FOOTER


DENSE = textwrap.dedent("""\
    def objective_{n}(trial):
        learning_rate = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
        gamma = trial.suggest_float("gamma", 0.9, 0.9999)
        n_steps = trial.suggest_categorical("n_steps", [256, 512, 1024, 2048])
        model = PPO("MlpPolicy", "CartPole-v1", learning_rate=learning_rate, gamma=gamma, n_steps=n_steps)
        model.learn(total_timesteps=10_000)
        return train_agent_0()


    for lr in [1e-3, 3e-4, 1e-4]:
        for batch_size in [32, 64]:
            PPO("MlpPolicy", "CartPole-v1", learning_rate=lr, batch_size=batch_size).learn(5_000)


    """)


def dense_file(lines: int) -> str:
    """`lines` lines of tuning: Optuna objectives and hand grids, one after another (issue 13's
    tuning-dense editor case), the study on the last two lines."""
    body = [HEADER]
    n = 0
    budget = lines - 2
    while sum(part.count("\n") for part in body) + DENSE.count("\n") <= budget:
        body.append(DENSE.format(n=n))
        n += 1
    filler = budget - sum(part.count("\n") for part in body)
    return "".join(body) + "\n" * filler + FOOTER.replace("objective", "objective_0")


def notebook_cells(count: int) -> list[str]:
    """Imports, ordinary code cells, the objective, the study: `count` cells."""
    cells = [HEADER.strip() + "\n"]
    for n in range(1, count - 2):
        cells.append(PLAIN.format(n=n).rstrip() + "\n")
    cells.append(TUNING.rstrip() + "\n")
    cells.append("study = optuna.create_study()\nstudy.optimize(objective, n_trials=100)\n")
    return cells


# ---------------------------------------------------------------------- client


class Client:
    """A plain pygls client that timestamps every publishDiagnostics."""

    def __init__(self) -> None:
        self.client = LanguageClient("bench", "1")
        self.received: dict[tuple[str, int | None], float] = {}
        self.arrived = asyncio.Event()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: lsp.PublishDiagnosticsParams) -> None:
            self.received.setdefault((params.uri, params.version), time.perf_counter())
            self.arrived.set()

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def log_message(params: lsp.LogMessageParams) -> None:
            print("server:", params.message, file=sys.stderr)

    async def start(self, root: Path) -> None:
        await self.client.start_io(sys.executable, "-m", "hptlens", "serve")
        capabilities = lsp.ClientCapabilities(
            notebook_document=lsp.NotebookDocumentClientCapabilities(
                synchronization=lsp.NotebookDocumentSyncClientCapabilities()
            )
        )
        await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=capabilities, root_uri=from_fs_path(str(root)), initialization_options={"debounceMs": 0}
            )
        )
        self.client.initialized(lsp.InitializedParams())

    async def wait(self, uri: str, version: int | None, timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.received:
            self.arrived.clear()
            if (uri, version) in self.received:
                break
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for {uri} v{version}")
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.received[(uri, version)]

    def peak_rss_kib(self) -> tuple[int, int]:
        pid = self.client._server.pid  # type: ignore[union-attr]
        fields = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


# ---------------------------------------------------------------------- measurements


class Latency(BaseModel):
    what: str
    edits: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_ms: float


class Results(BaseModel):
    python: Latency
    notebook: Latency
    documents_opened: int
    open_all_s: float
    peak_rss_mib: float
    rss_mib: float
    debounce_ms: int = 0
    target_p95_ms: float = TARGET_P95_MS


def summarize(what: str, samples: list[float]) -> Latency:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return Latency(
        what=what,
        edits=len(samples),
        p50_ms=round(statistics.median(samples), 2),
        p95_ms=round(p95, 2),
        max_ms=round(max(samples), 2),
        mean_ms=round(statistics.fmean(samples), 2),
    )


def line_change(uri: str, version: int, line: int, old: str, new: str) -> lsp.DidChangeTextDocumentParams:
    rng = lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=len(old)))
    return lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=new)],
    )


async def python_latency(bench: Client, root: Path, edits: int) -> Latency:
    return await edit_latency(bench, root / "big.py", python_file(3000), edits, "3,000-line Python file")


async def edit_latency(bench: Client, path: Path, text: str, edits: int, what: str, warmup: int = WARMUP) -> Latency:
    """Open `text`, then edit its last-but-one line (the study's trial budget) `edits` times
    after `warmup` edits that are not counted."""
    assert text.endswith("\n") and "study.optimize(" in text.split("\n")[-2]
    path.write_text(text)
    uri = from_fs_path(str(path))
    bench.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    await bench.wait(uri, 1, timeout=600)
    lines = text.split("\n")
    row = len(lines) - 2  # the study.optimize line: each edit changes the trial budget
    old = lines[row]
    call = old[: old.index("n_trials=")]
    samples = []
    for i in range(edits + warmup):
        version = i + 2
        new = f"{call}n_trials={100 + i + 1})"
        sent = time.perf_counter()
        bench.client.text_document_did_change(line_change(uri, version, row, old, new))
        samples.append((await bench.wait(uri, version, timeout=600) - sent) * 1000)
        old = new
    bench.client.text_document_did_close(
        lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    return summarize(what, samples[warmup:])


class DenseResults(BaseModel):
    dense_3k: Latency
    dense_30k: Latency
    documents_opened: int
    peak_rss_mib: float


async def dense_run(edits: int, documents: int) -> DenseResults:
    """Issue 13's editor targets: tuning-dense files of 3,000 and 30,000 lines (fewer edits on
    the large one), then, in a fresh server, the peak RSS once `documents` documents are open
    (a fresh one: the 30,000-line file's analysis would otherwise set the peak)."""
    with tempfile.TemporaryDirectory(prefix="hptlens-bench-") as folder:
        root = Path(folder)
        bench = Client()
        await bench.start(root)
        try:
            small = await edit_latency(
                bench, root / "dense3k.py", dense_file(3000), edits, "3,000-line tuning-dense file"
            )
            large = await edit_latency(
                bench, root / "dense30k.py", dense_file(30000), max(5, edits // 10), "30,000-line tuning-dense file", 1
            )
        finally:
            await bench.stop()
        many = Client()
        await many.start(root)
        try:
            await open_many(many, root, documents)
            peak, _ = many.peak_rss_kib()
        finally:
            await many.stop()
    return DenseResults(dense_3k=small, dense_30k=large, documents_opened=documents, peak_rss_mib=round(peak / 1024, 1))


async def notebook_latency(bench: Client, root: Path, edits: int) -> Latency:
    cells = notebook_cells(40)
    nb_uri = from_fs_path(str(root / "big.ipynb"))
    uris = [f"vscode-notebook-cell:{root.as_posix()}/big.ipynb#C{i}" for i in range(len(cells))]
    bench.client.notebook_document_did_open(
        lsp.DidOpenNotebookDocumentParams(
            notebook_document=lsp.NotebookDocument(
                uri=nb_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[lsp.NotebookCell(kind=lsp.NotebookCellKind.Code, document=u) for u in uris],
            ),
            cell_text_documents=[
                lsp.TextDocumentItem(uri=u, language_id="python", version=1, text=t) for u, t in zip(uris, cells)
            ],
        )
    )
    last = uris[-1]
    await bench.wait(last, 1)
    old = "study.optimize(objective, n_trials=100)"
    samples = []
    for i in range(edits + WARMUP):
        new = f"study.optimize(objective, n_trials={100 + i + 1})"
        change = lsp.NotebookDocumentCellContentChanges(
            document=lsp.VersionedTextDocumentIdentifier(uri=last, version=i + 2),
            changes=[
                lsp.TextDocumentContentChangePartial(
                    range=lsp.Range(
                        start=lsp.Position(line=1, character=0), end=lsp.Position(line=1, character=len(old))
                    ),
                    text=new,
                )
            ],
        )
        sent = time.perf_counter()
        bench.client.notebook_document_did_change(
            lsp.DidChangeNotebookDocumentParams(
                notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=i + 2),
                change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(text_content=[change])),
            )
        )
        samples.append((await bench.wait(last, i + 2) - sent) * 1000)
        old = new
    return summarize("40-cell notebook", samples[WARMUP:])


async def open_many(bench: Client, root: Path, count: int) -> float:
    fixtures = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "python").glob("*.py"))
    started = time.perf_counter()
    uris = []
    for i in range(count):
        source = fixtures[i % len(fixtures)].read_text(encoding="utf-8")
        path = root / "many" / f"doc_{i:03d}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
        uri = from_fs_path(str(path))
        uris.append(uri)
        bench.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=source)
            )
        )
    for uri in uris:
        await bench.wait(uri, 1)
    return time.perf_counter() - started


async def run(edits: int, documents: int) -> Results:
    with tempfile.TemporaryDirectory(prefix="hptlens-bench-") as folder:
        root = Path(folder)
        bench = Client()
        await bench.start(root)
        try:
            python = await python_latency(bench, root, edits)
            notebook = await notebook_latency(bench, root, edits)
            open_s = await open_many(bench, root, documents)
            peak, rss = bench.peak_rss_kib()
        finally:
            await bench.stop()
    return Results(
        python=python,
        notebook=notebook,
        documents_opened=documents,
        open_all_s=round(open_s, 2),
        peak_rss_mib=round(peak / 1024, 1),
        rss_mib=round(rss / 1024, 1),
    )


def render(results: Results) -> str:
    rows = [f"{'didChange -> publishDiagnostics':<36} {'edits':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for item in (results.python, results.notebook):
        rows.append(f"{item.what:<36} {item.edits:>5} {item.p50_ms:>8.1f} {item.p95_ms:>8.1f} {item.max_ms:>8.1f}")
    verdict = "met" if results.python.p95_ms <= results.target_p95_ms else "NOT met"
    rows.append(
        f"{WARMUP} warm-up edits not counted; debounce: {results.debounce_ms} ms (excluded); "
        f"target p95 <= {results.target_p95_ms:g} ms "
        f"for the 3,000-line file: {verdict}"
    )
    rows.append(
        f"server after opening {results.documents_opened} documents ({results.open_all_s:.1f} s to all "
        f"diagnostics): peak RSS {results.peak_rss_mib:.1f} MiB, RSS now {results.rss_mib:.1f} MiB"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=100, help="edits per latency run (default 100)")
    parser.add_argument("--documents", type=int, default=200, help="documents opened for the memory figure")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.edits, args.documents))
    print(results.model_dump_json(indent=2) if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
