"""Superlinear shapes (issue 11, item 5): analysis time and memory must grow linearly with size.

Each shape is built at two sizes and analysed in a fresh process (CPU seconds, so other load
on the machine does not count, and peak RSS). Linear means the time per byte stays about the
same from the small size to the large one; the table prints that ratio.

    python bench/bench_shapes.py            # every shape
    python bench/bench_shapes.py nested     # shapes whose name contains "nested"
"""

from __future__ import annotations

import json
import subprocess
import sys

RUN = """
import json, resource, sys, time
from hptlens.analysis import analyze
from hptlens.documents import Document
path, text = json.loads(sys.stdin.read())
start = time.process_time()
report = analyze(Document.from_text(path, text))
seconds = time.process_time() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps([seconds, rss, len(report.findings), [e.code for e in report.errors]]))
"""

LOOP = (
    "def f{i}(trial):\n    lr = trial.suggest_float('lr', 1e-5, 1e-1)\n"
    "    for b in [1, 2]:\n        train(lr=lr, b=b)\n"
)
CPP_LOOP = "int f{i}() {{ for (double lr : {{0.1, 0.2}}) {{ train(lr); }} return 0; }}\n"


def python_file(size: int) -> tuple[str, str]:
    text = "".join(LOOP.format(i=i) for i in range(size // 110 + 1))
    return "big.py", text


def unclosed_python(size: int) -> tuple[str, str]:
    return "unclosed.py", "x = (\n" + python_file(size)[1]


def unclosed_cpp(size: int) -> tuple[str, str]:
    return "unclosed.cpp", "int x = f(\n" + "".join(CPP_LOOP.format(i=i) for i in range(size // 75 + 1))


def nested_suggest(count: int) -> tuple[str, str]:
    calls = "f(trial.suggest_float('a', 0, 1), " * count + ")" * count
    return "nested.py", "import optuna\ndef objective(trial):\n    x = " + calls + "\n"


def nested_cpp_grids(count: int) -> tuple[str, str]:
    loops = "".join("  " * i + f"for (double lr{i} : {{0.1, 0.2}}) {{\n" for i in range(count))
    return "nested.cpp", "int main() {\n" + loops + "train(lr0);\n" + "}\n" * count + "}\n"


def single_line(size: int) -> tuple[str, str]:
    return "line.py", "x = [" + ", ".join(f"trial.suggest_float('a{i}', 0, 1)" for i in range(size // 34)) + "]\n"


SHAPES = [  # name, builder, small size, large size (bytes or count)
    ("unclosed bracket, Python (100 KB)", unclosed_python, 25_000, 100_000),
    ("unclosed bracket, C++ (100 KB)", unclosed_cpp, 25_000, 100_000),
    ("nested suggest_* calls (1,000)", nested_suggest, 250, 1000),
    ("nested C++ for-grids (1,000)", nested_cpp_grids, 250, 1000),
    ("Python file (5 MB)", python_file, 1_250_000, 5_000_000),
    ("single line (5 MB)", single_line, 1_250_000, 5_000_000),
]


def measure(path: str, text: str) -> tuple[float, float, int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", RUN],
        input=json.dumps([path, text]),
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    seconds, rss, findings, errors = json.loads(result.stdout)
    return seconds, rss, findings, errors


def main(filters: list[str]) -> None:
    print("| shape | size | CPU s | peak RSS MiB | findings | small size: CPU s | time per byte, large / small |")
    print("|---|---|---|---|---|---|---|")
    for name, build, small, large in SHAPES:
        if filters and not any(f in name for f in filters):
            continue
        small_path, small_text = build(small)
        path, text = build(large)
        s_seconds, _, _, _ = measure(small_path, small_text)
        seconds, rss, findings, errors = measure(path, text)
        ratio = (seconds / len(text)) / (s_seconds / len(small_text)) if s_seconds > 0 else float("nan")
        note = f" ({', '.join(sorted(set(errors)))})" if errors else ""
        print(
            f"| {name} | {len(text) / 1e6:.2f} MB | {seconds:.2f} | {rss:.0f} | {findings}{note} | "
            f"{s_seconds:.2f} | {ratio:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
