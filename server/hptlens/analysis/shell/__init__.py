"""Shell analysis: sweep scripts that launch one training run per hyperparameter value.

RL research often tunes from bash or a cluster scheduler rather than from Python: a loop
that starts `python train.py --lr "$lr"` per value, a Slurm/PBS/LSF job array whose index
picks values from lists, a hydra `--multirun` command line with comma-separated values, or
the `wandb sweep`/`wandb agent` and `optuna` commands that start a library's search. A loop
counts when it runs over two or more values and its variable reaches a launched command's
argument named as a hyperparameter (`--lr`, `lr=`, `+model.gamma=`), or is itself named as
one; seeds, environments and files are never hyperparameters.

Modules: file (the parsed script and the values its words stand for), flow (where a value reaches a
launched command and the hyperparameter it is), loops (for loops, index loops and job arrays),
commands (launchers of a library's search, GNU parallel and hydra multirun lines), report (sites and
the entry point).
"""

from hptlens.analysis.shell.report import analyze_shell

__all__ = ["analyze_shell"]
