#!/usr/bin/env bash
# The Neovim end-to-end test: Debian's headless Neovim drives `hptlens serve` through its
# built-in LSP client (e2e.lua), then runs the README's Neovim snippet as a user would
# (readme.lua), over a fresh copy of a few fixtures. Prints one line per check and
# "nvim: N passed, N failed"; exits non-zero when a check fails. Keeps the transcript, the
# server's stderr and Neovim's LSP log under $E2E_ARTIFACTS (default build/e2e/nvim).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
server="${HPTLENS_SERVER:-$repo/.venv/bin/hptlens}"
artifacts="${E2E_ARTIFACTS:-$repo/build/e2e/nvim}"
nvim="${NVIM:-nvim}"

command -v "$nvim" >/dev/null || { echo "e2e-nvim: no '$nvim' on PATH; install Debian's neovim (bash .ci/system-deps)" >&2; exit 2; }
[ -x "$server" ] || { echo "e2e-nvim: no hptlens at $server; run 'make .venv/.installed' first" >&2; exit 2; }

rm -rf "$artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d "${TMPDIR:-/tmp}/hptlens-e2e-nvim.XXXXXX")"
trap 'rm -rf "$work"' EXIT
ws="$work/workspace"
mkdir -p "$ws/vendor" "$ws/hydra"
f="$repo/fixtures"
cp "$f/python/optuna_simple.py" "$ws/optuna_simple.py"
cp "$f/python/hand_grid_lr_cartpole.py" "$ws/hand_grid.py"
cp "$f/python/optuna_simple.py" "$ws/vendor/optuna_copy.py"   # excluded by initializationOptions
cp -R "$f/hydra/optuna_defaults/." "$ws/hydra/"                 # a cross-file hydra sweep
cp "$f/configs/wandb_sweep_grid_dqn.yaml" "$ws/sweep.yaml"
cp "$f/cpp/a2c_config_list.cc" "$ws/grid.cc"
cp "$f/notebooks/heldout_optuna_a2c_lunar.ipynb" "$ws/study.ipynb"

# Neovim's state (LSP log, shada, swap) stays in the temporary folder, never in the user's home.
export XDG_STATE_HOME="$work/state" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" XDG_CONFIG_HOME="$work/config"
export HPTLENS_E2E_WORKSPACE="$ws" HPTLENS_E2E_SERVER="$server" HPTLENS_E2E_ARTIFACTS="$artifacts"
export HPTLENS_E2E_README="$repo/README.md"
export PATH="$(dirname "$server"):$PATH"   # the README's snippets start `hptlens serve` by name
status=0
run() {  # one headless Neovim running a Lua script; its transcript is appended
  timeout 600 "$nvim" --headless -n -i NONE -u NONE --noplugin -c "luafile $repo/e2e/nvim/$1" 2>&1 \
    | tee -a "$artifacts/transcript.txt" || { code=$?; [ "$code" -eq 124 ] && echo "e2e-nvim: $1 did not finish within 600 s" >&2; status=1; }
}
run e2e.lua
run readme.lua
cp "$work"/state/nvim/lsp.log "$artifacts/" 2>/dev/null || cp "$work"/cache/nvim/lsp.log "$artifacts/" 2>/dev/null || true
# One closing line for both runs (each prints "... N passed, N failed").
totals="$(grep -Eo '[0-9]+ passed, [0-9]+ failed$' "$artifacts/transcript.txt" | awk '{p += $1; f += $3} END {print p + 0, f + 0}')"
read -r passed failed <<<"$totals"
[ "$failed" -eq 0 ] || status=1
echo "nvim: $passed passed, $failed failed"
exit "$status"
