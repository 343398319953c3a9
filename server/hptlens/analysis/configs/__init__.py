"""YAML and JSON configs: searches defined in config files, and files of tuned values.

`sweep-config` (auto-tuning): hydra sweepers (DEHB, PBT/PB2, Optuna, Ax, nevergrad, SMAC,
the basic sweeper's `params`), standalone ConfigSpace search spaces, W&B sweep files, Ray
Tune/RLlib experiments with `grid_search`, Polyaxon `matrix` (v1) and `hptuning` (v0).
`tuned-config` (parameterization): rl-baselines3-zoo style `hyperparams/*.yml`, env ids
mapping to hyperparameter blocks.

The text is *composed*, never constructed, by ruamel.yaml: no tag can build an object, an
alias stays one shared node (a "billion laughs" file is never expanded), and every key
keeps its position. JSON goes through the same path (JSON is YAML 1.2 flow syntax).
"""

from hptlens.analysis.configs.overrides import override_space
from hptlens.analysis.configs.report import CONFIG_MAX_BYTES, analyze_config
from hptlens.analysis.configs.tree import MAX_DEPTH, load

__all__ = ["CONFIG_MAX_BYTES", "MAX_DEPTH", "analyze_config", "load", "override_space"]
