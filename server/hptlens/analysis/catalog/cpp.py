"""The C++ rows of the catalog (`CPP_APIS`) and the C++ tables: mlpack's tuner optimizers,
<random> distributions and C random calls."""

from __future__ import annotations

from hptlens.analysis.catalog.model import AUTO, LIB, RUN, SPACE, Api, Shape
from hptlens.report import Criterion

# fmt: off
# The tables below are data, laid out as rows; the formatter would spread each row over lines.
# ---- C++ ------------------------------------------------------------------------------------
# C++ rows follow the same conventions with `::`: ``**`` stands for any middle namespaces, and
# ``Type().Method`` is a method called on an object declared with that type. A name may be written
# without its namespaces when the file uses the library (`#include <dlib/...>`, `using namespace
# mlpack;`); `requires` names that library. ``#*`` in `space_arg` makes every positional argument
# one dimension (mlpack's Optimize(lambdas, alphas)); ``#1``/``#2`` name the lower and upper
# bound vectors (dlib). A C++ `budget` entry names a wrapper call among the arguments
# (`max_function_calls(50)`), since C++ has no keyword arguments.

# The optimizer of an mlpack HyperParameterTuner (its 4th template argument, or Optimize<...>'s):
# name -> (method, criterion). GridSearch is mlpack's default.
MLPACK_TUNER_OPTIMIZERS: dict[str, tuple[str, Criterion]] = {
    "GridSearch": ("grid search", LIB),
    "GradientDescent": ("gradient descent", AUTO),
    "L_BFGS": ("L-BFGS", AUTO),
    "SA": ("simulated annealing", AUTO),
    "CNE": ("neuro-evolution", AUTO),
    "CMAES": ("CMA-ES", AUTO),
    "DE": ("differential evolution", AUTO),
}

# <random> distributions a hand-written random search samples hyperparameters from:
# template name -> space type (float, int, normal, bool, index = an index into a list of choices).
CPP_DISTRIBUTIONS: dict[str, str] = {
    "uniform_real_distribution": "float",
    "uniform_int_distribution": "int",
    "normal_distribution": "normal",
    "lognormal_distribution": "normal",
    "exponential_distribution": "float",
    "bernoulli_distribution": "bool",
    "discrete_distribution": "index",
}
# C calls that return a random number (old-style random search: `lr = lo + (hi - lo) * drand48()`).
CPP_RANDOM_CALLS: frozenset[str] = frozenset({"rand", "std::rand", "drand48", "erand48", "random"})


def _cpp() -> list[Api]:
    ml, dl = "mlpack", "dlib"
    dlib_budget = ("max_function_calls:function calls",)
    dlib_method = "global optimisation (LIPO + trust region)"
    return [
        Api(ml, "mlpack::**::HyperParameterTuner", RUN, method="grid search", requires=("mlpack",)),
        Api(ml, "mlpack::**::HyperParameterTuner().Optimize", RUN, method="grid search", space_arg=("#*",),
            space_shape=Shape.VALUES, requires=("mlpack",)),
        Api(dl, "dlib::find_min_global", RUN, AUTO, method=dlib_method, space_arg=("#1", "#2"),
            space_shape=Shape.BOUNDS, budget=dlib_budget, requires=("dlib",)),
        Api(dl, "dlib::find_max_global", RUN, AUTO, method=dlib_method, space_arg=("#1", "#2"),
            space_shape=Shape.BOUNDS, budget=dlib_budget, requires=("dlib",)),
        Api(dl, "dlib::global_function_search", RUN, AUTO, method=dlib_method, requires=("dlib",)),
        Api(dl, "dlib::function_spec", SPACE, LIB, space_arg=("#0", "#1"), space_shape=Shape.BOUNDS,
            requires=("dlib",)),
    ]


CPP_APIS: tuple[Api, ...] = tuple(_cpp())
# fmt: on
