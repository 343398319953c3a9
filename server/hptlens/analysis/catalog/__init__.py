"""The catalog: the HPO APIs hptlens recognises, as data.

    model.py       the row types (`Api`, `SpaceSpec` and its parser `spec`, `Shape`)
    vocabulary.py  names the detectors match besides rows: space keywords, random samplers,
                   HPO method words, keys that are never tuned
    python.py      the Python rows (`PYTHON_APIS`)
    cpp.py         the C++ rows (`CPP_APIS`) and the C++ tables of mlpack and <random>
    selection.py   C++ model selection in ML libraries (OpenCV, Shark, Shogun, OpenNN)

Each `Api` row says how a call is matched, what finding it makes and how to read
its search space and budget. Adding a library is adding rows (and a fixture), not
a code path.

Matching (`call`):
- a qualified name after import resolution, e.g. ``optuna.create_study``; ``**`` stands
  for any middle part (``ray.**.PopulationBasedTraining`` matches
  ``ray.tune.schedulers.pbt.PopulationBasedTraining`` and ``ray.tune.PopulationBasedTraining``);
- a method on an object made by another call, e.g. ``optuna.create_study().optimize``;
- a bare method ``.suggest_float``, for receivers whose origin is unknown (a function
  parameter): it matches when the file imports one of `requires` (if given) and the
  receiver's name matches `receiver` (if given).

Space specs (`space`, written ``spec("TYPE[+FLAG...]: ROLE, ROLE, ...")`` and parsed into a
checked `SpaceSpec`) name the positional arguments; keywords are read through `KEYWORD_ROLES`.
Types: float, int, categorical, grid, normal, auto (a bounds tuple or a choices list, decided
by the value), sampler (a `random.*` callable followed by its arguments). Flags: log (always
log scale), explog (bounds are natural logs, as in hyperopt), bool (choices True/False).

`space_arg` names where a dict- or list-shaped space is passed (keyword, or ``#N`` for
the N-th positional argument) and `space_shape` how to read it (a `Shape`).
`budget` lists ``keyword:unit`` pairs that state the search budget.
"""
