"""Detector for hand-written tuning: grid loops, random search, hand-written genetic search.

    grid.py      for-loops over sets of values, and while-loops that step a hyperparameter
    launches.py  loop values written into a launched run's command line or overrides
    sampling.py  random sampling repeated by a loop, and genetic operators around it
    syntax.py    loop targets, enclosing loops and statements
    found.py     what the detectors have found so far (each loop is one finding)

A loop is a search when it iterates over two or more hyperparameter values (a literal,
a generator such as np.logspace, a product of those, a list of config dicts) and its
variable is a hyperparameter: by name, or because it flows into a hyperparameter
keyword or config key. Loops over seeds, environments, episodes and files are not.
"""

from __future__ import annotations

from hptlens.analysis.loops.found import Found
from hptlens.analysis.loops.grid import GridLoops
from hptlens.analysis.loops.sampling import RandomSearch
from hptlens.analysis.neutral import Hit
from hptlens.analysis.pyfile import PyFile


def detect_hand_tuning(py: PyFile) -> list[Hit]:
    # Order matters: grid loops skip loops that random search already claimed, and the genetic
    # search needs the random sampling found before it.
    found = Found()
    sampling = RandomSearch(py, found)
    sampling.random_search()
    grid = GridLoops(py, found)
    grid.for_loops()
    grid.while_sweeps()
    sampling.genetic()
    return found.hits
