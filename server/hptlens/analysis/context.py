"""RL context of a Python file: algorithms, frameworks and environment ids it names."""

from __future__ import annotations

import re

from tree_sitter import QueryCursor

from hptlens.analysis.neutral import ALGORITHMS, text
from hptlens.analysis.pyfile import PyFile, query
from hptlens.report import RLContext

FRAMEWORKS = {
    "stable_baselines3": "Stable-Baselines3",
    "sb3_contrib": "SB3-Contrib",
    "rl_zoo3": "RL Baselines3 Zoo",
    "ray.rllib": "RLlib",
    "gymnasium": "Gymnasium",
    "gym": "Gym",
    "torch": "PyTorch",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "jax": "JAX",
    "tianshou": "Tianshou",
    "pettingzoo": "PettingZoo",
    "dopamine": "Dopamine",
    "acme": "Acme",
    "cleanrl": "CleanRL",
    "skrl": "skrl",
    "torchrl": "TorchRL",
    "sklearn": "scikit-learn",
}
_ALGORITHM_NAMES = frozenset(ALGORITHMS)
_ENV_PATTERN = r"^([A-Za-z0-9_]+/)?[A-Z][A-Za-z0-9_]*(-[A-Za-z0-9]+)*-v[0-9]+$"
_STRINGS = (
    f'((string_content) @env (#match? @env "{_ENV_PATTERN}"))'
    f' ((string_content) @algo (#match? @algo "^({"|".join(ALGORITHMS)})$"))'
)
_CONFIG = re.compile(r"^([A-Z][A-Za-z0-9]*?)Config$")


def rl_context(py: PyFile) -> RLContext:
    algorithms: set[str] = set()
    for qualified in py.aliases.values():
        name = qualified.rsplit(".", 1)[-1]
        config = _CONFIG.match(name)
        if name in _ALGORITHM_NAMES:
            algorithms.add(name)
        elif config and config.group(1) in _ALGORITHM_NAMES:
            algorithms.add(config.group(1))
    environments: set[str] = set()
    captures = QueryCursor(query(_STRINGS)).captures(py.root)
    environments.update(text(n) for n in captures.get("env", []))
    algorithms.update(text(n) for n in captures.get("algo", []))
    frameworks = {label for module, label in FRAMEWORKS.items() if py.imports_any((module,))}
    return RLContext(algorithms=sorted(algorithms), frameworks=sorted(frameworks), environments=sorted(environments))
