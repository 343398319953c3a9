"""What the detectors of every language share: the raw hit they emit, node text and identifiers,
enclosing scopes, literal values, and the vocabulary of hyperparameter and RL algorithm names.

Python-only helpers live in pyfile.py and spaces.py, C++ ones in cpp/; importing from here says
a module does not depend on the language it reads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from hptlens.report import Criterion, FindingKind, Hyperparameter, JsonScalar

NOT_LITERAL = object()
"""What literal evaluation returns for an expression that is not a literal."""

ALGORITHMS = (
    "PPO",
    "DQN",
    "A2C",
    "A3C",
    "SAC",
    "TD3",
    "DDPG",
    "TRPO",
    "ARS",
    "QRDQN",
    "RecurrentPPO",
    "MaskablePPO",
    "TQC",
    "CrossQ",
    "HER",
    "IMPALA",
    "APPO",
    "APEX",
    "R2D2",
    "CQL",
    "MARWIL",
    "BC",
    "DreamerV3",
    "Rainbow",
    "C51",
    "REINFORCE",
    "QMIX",
    "MADDPG",
    "PG",
)
"""RL algorithm names, as classes and configs are named after them (PPO, PPOConfig)."""

# Names that are hyperparameters in RL/ML code; loop variables and keywords are compared
# with these (`is_hyperparameter`). Seeds, envs, episodes, steps are deliberately absent.
HYPERPARAMETER_NAMES: frozenset[str] = frozenset(
    """
    lr learning_rate lr_actor lr_critic actor_lr critic_lr policy_lr value_lr q_lr alpha_lr
    gamma discount discount_factor tau polyak alpha beta beta1 beta2 lam lmbda gae_lambda lambda_
    ent_coef entropy_coef entropy_coeff ent_coeff vf_coef vf_loss_coeff value_coef
    clip clip_ratio clip_eps clip_epsilon clip_range clip_range_vf clip_param clip_coef vf_clip_param
    max_grad_norm grad_clip
    batch_size minibatch_size mini_batch_size sgd_minibatch_size train_batch_size num_minibatches
    buffer_size replay_buffer_size memory_size n_steps num_steps n_epochs num_epochs update_epochs
    num_sgd_iter learning_starts train_freq gradient_steps target_update_interval
    target_update_freq target_network_frequency exploration_fraction exploration_final_eps
    exploration_initial_eps epsilon eps eps_decay epsilon_decay epsilon_min eps_min eps_end
    hidden_size hidden_sizes hidden_dim hidden_units n_units units n_layers num_layers net_arch model_size
    layers layer_size dropout weight_decay momentum temperature kl_coef kl_target target_kl
    noise_std noise_sigma action_noise sigma ortho_init activation_fn activation use_sde
    sde_sample_freq n_envs num_envs policy_kwargs normalize_advantage n_critics
    max_depth n_estimators min_samples_leaf min_samples_split C kernel
    step_size stepsize lrate eta learning_rates reg reg_lambda reg_alpha l1 l2 l2_reg l1_reg lambda
    regularization reg_strength weight_decay_rate dropout_rate drop_rate keep_prob noise_scale
    polyak_tau target_tau soft_update_tau n_step n_steps_return nstep num_units num_hidden hidden_layers
    hidden_layer_sizes num_neurons neurons filters num_filters kernel_size embedding_dim emb_dim
    optimizer optim num_leaves min_child_samples subsample colsample_bytree n_neighbors gamma_svm
    ent_weight entropy_weight entropy_beta value_loss_coef beta_entropy init_lr base_lr max_lr bs wd mom
    """.split()
)

# Parts of argument names that say what a run is, not how it learns (`--env-id`, `--num-gpus`):
# a named argument given several numbers in turn is tuned unless its name has one of these.
NOT_TUNED_PARTS = frozenset(
    """seed seeds env envs config cfg file path dir gpu gpus device devices
cuda rank port node nodes worker workers thread threads procs jobs job id name tag run exp log
checkpoint ckpt episodes eval render wandb project group output trial trials""".split()
)

# Affixes around a hyperparameter's name in real code (`lr_i`, `random_gamma`, `lambda_val`, `bs_trial`).
HYPERPARAMETER_PREFIXES = (
    "random_",
    "rand_",
    "new_",
    "cur_",
    "curr_",
    "current_",
    "sampled_",
    "trial_",
    "candidate_",
    "test_",
    "this_",
    "tmp_",
    "log_",
)
HYPERPARAMETER_SUFFIXES = (
    "_val",
    "_value",
    "_exp",
    "_log",
    "_i",
    "_j",
    "_k",
    "_idx",
    "_candidate",
    "_trial",
    "_try",
    "_cur",
    "_new",
    "_sample",
    "_sampled",
)

# Names of iterables that hold several values of one hyperparameter (`for lr in lrs`).
PLURAL_SUFFIXES = ("s", "_values", "_list", "_grid", "_candidates", "_options")

# Loop variables that are never tuned hyperparameters, whatever flows from them.
NOT_HYPERPARAMETERS: frozenset[str] = frozenset(
    """
    seed seeds env env_id env_name envs environment episode episodes ep step steps t timestep
    epoch iteration it i j k n idx index run runs trial trials checkpoint ckpt path file fname
    filename dataset data batch sample action state obs observation reward wrapper agent model
    algo algorithm game task level split fold
    """.split()
)

# Classic machine-learning hyperparameters (SVMs, kernels, trees and boosting, neighbours,
# regularisation, network sizes), as C++ libraries and hand-written C++ searches name them. The
# C++ analysis reads them beside HYPERPARAMETER_NAMES; `C` matches only as written.
ML_HYPERPARAMETER_NAMES: frozenset[str] = frozenset(
    """
    C nu eta degree coef0 epsilon_svr kernel_width kernel_gamma rbf_gamma
    lambda lambda1 lambda2 lambda_l1 lambda_l2 l1 l2 l1_ratio reg_lambda reg_alpha regularization
    regularization_weight regularization_param penalty ridge shrinkage
    max_iterations max_iter n_iter num_iterations max_epochs
    num_trees n_trees tree_depth max_tree_depth num_leaves max_leaves min_child_weight subsample
    colsample_bytree min_samples min_leaf_size min_samples_per_leaf num_boost_round num_rounds
    n_neighbors num_neighbors k_neighbors knn_k num_clusters n_clusters
    neurons hidden_neurons num_neurons n_neurons neurons_number hidden_layers hidden_layer_size
    hidden_layer_sizes n_hidden num_hidden hidden_units_number num_filters kernel_size
    learning_rate_init step_size stepsize
    """.split()
)

# Words of a call that trains or scores a model (`train`, `fit`, `cross_validate`, `test_eval_accuracies`,
# `cv.run`): a loop that sets a hyperparameter is a search only when it also trains or evaluates.
TRAINING_WORDS: frozenset[str] = frozenset(
    """
    train training trainer fit learn learning sgd backprop backpropagate validate validation
    crossvalidate crossvalidation cross cv kfold evaluate evaluation eval test score accuracy
    accuracies fitness error errors loss costs rmse mse auc
    """.split()
)
# Receivers whose methods run a model or its validation whatever the method is called (`cv.run(...)`).
TRAINING_RECEIVERS: frozenset[str] = frozenset(
    "cv crossvalidation validator evaluator trainer learner tuner strategy experiment".split()
)

# C++ suffixes of a collection of one hyperparameter's values (`cRange`, `gammaValues`, `lr_vec`),
# read after PLURAL_SUFFIXES and camelCase normalisation.
CPP_PLURAL_SUFFIXES = (
    "_range",
    "_ranges",
    "_vals",
    "_vec",
    "_vector",
    "_array",
    "_set",
    "_grid",
    "_list",
    "_values",
    "_candidates",
    "_options",
    "_choices",
    "_to_try",
    "_space",
)

# Loop variables that C++ code sweeps without tuning anything: resources, repetitions, attempts.
CPP_NOT_HYPERPARAMETERS: frozenset[str] = NOT_HYPERPARAMETERS | frozenset(
    """
    thread threads num_threads n_threads nthreads worker workers num_workers core cores job jobs n_jobs
    gpu gpus device devices rep reps repeat repeats repetition repetitions iter iters attempt attempts
    tries retry retries sample_size problem_size size sizes scale
    """.split()
)


@dataclass(frozen=True)
class Span:
    """Where a hit is in a file without a syntax tree (YAML, JSON): 1-based lines, columns in code points."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class Hit:
    """A detector's raw finding, before it becomes a report `Finding` (see assembly.py)."""

    kind: FindingKind
    category: Criterion
    library: str
    node: Node | Span
    """The syntax node it was found at (Python, C++), or its span in a config file."""
    label: str
    method: str | None = None
    api: str | None = None
    hyperparameters: list[Hyperparameter] = field(default_factory=list)
    confidence: float = 0.9
    budget: str | None = None
    message: str | None = None
    """The finding's whole message when the detector writes it (configs); else made from the label."""
    shown: tuple[tuple[int, int], tuple[int, int]] | None = None
    """0-based (row, byte column) points the finding is shown over when wider than its node: the
    first and last entries of a multi-line space dict stretch to the statement holding it."""

    @property
    def tree_node(self) -> Node:
        """The syntax node of a hit from a parsed file (Python, C++)."""
        if isinstance(self.node, Span):
            raise TypeError(f"a config hit has no syntax node: {self.label}")
        return self.node

    @property
    def start(self) -> tuple[int, int]:
        """0-based (row, column) where the hit starts: sorts hits in source order."""
        if isinstance(self.node, Span):
            return self.node.line - 1, self.node.column - 1
        return self.node.start_point

    @property
    def shown_row(self) -> int:
        """0-based row where the finding is shown to start (its report range, its summary line)."""
        return self.shown[0][0] if self.shown is not None else self.start[0]


def child_field(node: Node, name: str) -> Node:
    """A field the grammar always gives this kind of node (a call's `function`): tree-sitter types
    every field as optional, and a missing one here is a bug, not bad input."""
    found = node.child_by_field_name(name)
    if found is None:
        raise ValueError(f"a {node.type} node without its {name}")
    return found


def line_count(text: str) -> int:
    """Lines of a text as reports count them (a last line without a newline counts)."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def source_lines(text: str) -> int:
    """Lines as the Python, C++ and shell reports count them: the length of `text.split("\n")`
    (an empty text counts none), without splitting it."""
    return text.count("\n") + 1 if text else 0


def source_order(node: Node) -> tuple[int, int]:
    """Sort key of nodes in source order, an outer node before those inside it (tree-sitter's
    captures come in no fixed order across patterns and nestings; reports must not vary)."""
    return node.start_byte, -node.end_byte


def text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def identifiers_in(node: Node) -> set[str]:
    return {m.decode() for m in _WORD.findall(node.text or b"")}


def enclosing(node: Node, types: frozenset[str]) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in types:
        parent = parent.parent
    return parent


def statement_of(node: Node, kinds: frozenset[str], stops: frozenset[str] = frozenset()) -> Node | None:
    """The innermost node of one of `kinds` that holds `node`, node itself included; None when a
    node of `stops` (or the root) comes first. Each language and detector says what a statement is."""
    current: Node | None = node
    while current is not None and current.type not in kinds:
        if current.type in stops:
            return None
        current = current.parent
    return current


def named_descendants(node: Node) -> Iterator[Node]:
    """Every named node below `node`, in source order, iteratively (code can nest deeper than
    Python's stack)."""
    stack = list(reversed(node.named_children))
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def is_hyperparameter(name: str | None) -> bool:
    if not name or name in NOT_HYPERPARAMETERS or name.startswith("_"):
        return False
    if name in HYPERPARAMETER_NAMES:
        return True
    if len(name) < 3:
        return False  # short names (`c`, `lr` aside) match only as written: `c` is usually a character
    lowered = name.lower()
    if lowered in HYPERPARAMETER_NAMES or lowered.rstrip("0123456789_") in HYPERPARAMETER_NAMES:
        return True
    return _unaffixed(lowered) in HYPERPARAMETER_NAMES


def is_not_tuned_argument(name: str) -> bool:
    """`--seed`, `--env-id`, `--num-workers`: arguments that pick a run, not how it learns."""
    lowered = name.lower().replace("-", "_")
    return lowered in NOT_HYPERPARAMETERS or bool(set(lowered.split("_")) & NOT_TUNED_PARTS)


def plural_hyperparameter(name: str) -> str | None:
    """The hyperparameter a plural name holds values of: `learning_rates` -> learning_rate,
    `gamma_values` -> gamma; None when no plural suffix leaves a hyperparameter."""
    return next(
        (name[: -len(s)] for s in PLURAL_SUFFIXES if name.endswith(s) and is_hyperparameter(name[: -len(s)])), None
    )


def argument_key(flag: str) -> str:
    """The name a command-line flag or override sets, as Python would spell it:
    `--policy-noise` -> policy_noise, `+model.lr` -> lr, `~trainer.max-epochs` -> max_epochs."""
    return flag.lstrip("-+~").rsplit(".", 1)[-1].replace("-", "_")


def _unaffixed(name: str) -> str:
    """`random_gamma` -> gamma, `lambda_val` -> lambda, `lr_exp` -> lr (one prefix, then one suffix)."""
    for prefix in HYPERPARAMETER_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix) :]
            break
    for suffix in HYPERPARAMETER_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name.rstrip("0123456789_")


MAX_INT_BITS = 4000
"""Integers beyond this (about 1,200 digits) are not computed on: str() of them can fail."""


_JSON_INT = 2**63
"""Larger integers are reported as text: JSON readers and SARIF tools take 64-bit numbers."""


def scalar(value: Any) -> JsonScalar:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _JSON_INT:
        return int_text(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def int_text(value: int) -> str:
    """An integer as text, whatever its size (str() refuses past 4,300 digits)."""
    if value.bit_length() <= MAX_INT_BITS:
        return str(value)
    return f"{'-' if value < 0 else ''}<integer of about {int(value.bit_length() * 0.30103)} digits>"


def number(value: Any) -> float | None:
    """A finite float, or None: for non-numbers, and for values no float holds (10 ** 400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def power(base: float, exponent: float) -> float | None:
    """base ** exponent as a finite float, or None when it has none (0 ** -1, 10.0 ** 400)."""
    try:
        result = float(base) ** float(exponent)
    except (ArithmeticError, ValueError):
        return None
    return result if isinstance(result, float) and math.isfinite(result) else None
