"""C++ analysis on tree-sitter-cpp: `analyze_cpp(document, settings) -> FileReport`.

Detectors, all driven by tree-sitter queries (the C engine finds candidates; Python only
checks them):
- library searches from the catalog's `CPP_APIS`: mlpack's HyperParameterTuner and its
  Optimize calls (each argument a set of values), dlib's find_min_global/find_max_global
  (lower/upper bound vectors, dimension names from the objective's parameters);
- hand-written grids: range-for over two or more literal values (inline, or an array/vector
  declared apart), index loops reading such an array with the loop counter
  (`double lrs[] = {...}; ... lrs[i]`), counter sweeps (`for (lr = 1e-4; lr <= 1e-2; lr *= 10)`);
- hand-written random search: a `<random>` distribution (or `rand()`) sampled into a
  hyperparameter-named variable inside a trial loop;
- searches found by dataflow: loops that set a hyperparameter (a field, a setter, a reference
  parameter its callers name, a random draw), train or score with it and act on the result; calls of
  searches written elsewhere (value lists, candidate configurations, parameter structs);
- model selection in ML libraries: OpenCV `trainAuto`/`ParamGrid`, Shark optimizers stepped on
  model-selection objectives, Shogun `ModelSelectionParameters` trees, OpenNN growing neurons;
- genetic algorithms whose genes are decoded into hyperparameters of a model that is trained.
The vocabulary (hyperparameter names, loop variables that are never tuned) is Python's, shared
through the catalog and `is_hyperparameter`; C++ spellings (`kLearningRate`, `batchSize`, `lr_`)
are normalised first. Findings are assembled into a report by the language-neutral
`assemble` of assembly.py, with `// hpt: ignore` comments.

Modules: file (the parsed file, names, tree helpers), literals, libraries (catalog rows),
loops (loop counters and names, time loops, counter-sweep values), hands (hand-written grids and
sweeps), sampling (random search), flow (calls and settings indexed by byte range, training calls,
what loop variables are handed on as), applied (dataflow searches and their callers), setting (the
per-statement tests applied reads), search_calls (calls of searches written elsewhere), selection
(library model selection, one module per library), genetic (GAs over hyperparameters), report (sites,
entry point).
"""

from hptlens.analysis.cpp.file import CppFile, is_cpp_hyperparameter, normalized, parse
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.report import analyze_cpp

__all__ = ["CppFile", "analyze_cpp", "is_cpp_hyperparameter", "literal", "normalized", "parse"]
