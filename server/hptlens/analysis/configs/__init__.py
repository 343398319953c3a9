"""YAML and JSON configs: searches defined in config files, and files of tuned values.

`sweep-config`: hydra sweepers (DEHB, PBT/PB2, Optuna, Ax, nevergrad, SMAC, the basic sweeper's
`params`) with the block and the defaults entries that select them, standalone ConfigSpace search
spaces, W&B sweeps, Ray Tune/RLlib experiments with `grid_search`, Polyaxon `matrix` (v1) and
`hptuning` (v0) [detectors.py, hydra.py]; HPO job specs of Google Cloud AI Platform / Vertex AI,
Azure ML, SageMaker, Katib, Determined, SigOpt/Ax experiment files [platforms.py, read by the one
parameter-spec reader of params.py]; NNI, Comet, Guild AI, Oríon, SLM Lab [tuners.py]; hand-written
run lists and grids [runs.py]. `tuned-config` (parameterization): rl-baselines3-zoo style
`hyperparams/*.yml` and ML-Agents trainer configs, environments mapping to hyperparameter blocks.

Criteria follow the rule book: an explicit space handed to a tool is auto/hand-tuning, a method that
is an HPO method (Bayesian, ASHA, PBT, evolution...) or a hydra sweeper auto-tuning, a hand-written
list of runs hand-tuning. A grid over seeds, environments or datasets alone is not a search.

The text is *composed*, never constructed (by libyaml, ruamel.yaml where libyaml cannot answer
the same way: `configs/composer.py`): no tag can build an object, an
alias stays one shared node (a "billion laughs" file is never expanded), and every key
keeps its position. JSON goes through the same path (JSON is YAML 1.2 flow syntax).
"""

from hptlens.analysis.configs.overrides import override_space
from hptlens.analysis.configs.report import CONFIG_MAX_BYTES, analyze_config
from hptlens.analysis.configs.tree import MAX_DEPTH, load

__all__ = ["CONFIG_MAX_BYTES", "MAX_DEPTH", "analyze_config", "load", "override_space"]
