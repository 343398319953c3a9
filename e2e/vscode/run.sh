#!/usr/bin/env bash
# VS Code end-to-end test: code-server (VS Code 1.100 in the browser) with the extension's .vsix,
# driven in Debian's headless Chromium by Playwright for Python (no browser download).
# Installs are cached under $HPTLENS_E2E_CACHE (default ~/.cache/hptlens-e2e) between local runs.
# A screenshot of each step, code-server's and VS Code's logs go to $E2E_ARTIFACTS (default
# build/e2e/vscode). Prints one line per check and "vscode: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CODE_SERVER_VERSION=4.100.3 # the newest release whose Node engine is 20
CACHE=${HPTLENS_E2E_CACHE:-$HOME/.cache/hptlens-e2e}
ARTIFACTS=${E2E_ARTIFACTS:-$ROOT/build/e2e/vscode}
PYTHON=$ROOT/.venv/bin/python
VSIX=$ROOT/client/hptlens.vsix
CODE_SERVER_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
CODE_SERVER=$CODE_SERVER_DIR/node_modules/.bin/code-server
PLAYWRIGHT_VENV=$CACHE/playwright-venv
[ -x "$PYTHON" ] || { echo "e2e-vscode: no $PYTHON; run 'make .venv/.installed' first" >&2; exit 2; }
command -v chromium >/dev/null || { echo "e2e-vscode: no chromium on PATH; install Debian's (bash .ci/system-deps)" >&2; exit 2; }
rm -rf "$ARTIFACTS"
mkdir -p "$CACHE" "$ARTIFACTS"
started=$(date +%s)

install_code_server() {
  [ -f "$CODE_SERVER_DIR/.installed" ] && return
  echo "e2e/vscode: installing code-server $CODE_SERVER_VERSION from npm (cached in $CODE_SERVER_DIR)"
  # @vscode/ripgrep's install step downloads rg from outside the registries unless this tarball
  # is in the temp folder: one made of Debian's rg satisfies it.
  local tmp rg_cache
  tmp=$(node -p "require('os').tmpdir()")
  rg_cache=$tmp/vscode-ripgrep-cache-1.15.11
  mkdir -p "$rg_cache/stage"
  cp "$(command -v rg)" "$rg_cache/stage/rg"
  tar -C "$rg_cache/stage" -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  # As root npm needs unsafe_perm; native modules build against Node's own headers (nodedir);
  # node-pty runs node-gyp through npx (yes). npm 11 runs no dependency's install scripts unless
  # allowed, and code-server's postinstall runs nested npm installs that need theirs (node-pty,
  # spdlog, watcher, kerberos...): allow them for this install only.
  (cd "$CODE_SERVER_DIR" &&
    env npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true \
      npm_config_dangerously_allow_all_scripts=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >install.log 2>&1) || {
    tail -40 "$CODE_SERVER_DIR/install.log"
    echo "e2e/vscode: FAILED to install code-server (log: $CODE_SERVER_DIR/install.log)" >&2
    exit 1
  }
  touch "$CODE_SERVER_DIR/.installed"
}

install_playwright() {
  [ -x "$PLAYWRIGHT_VENV/bin/python" ] && "$PLAYWRIGHT_VENV/bin/python" -c "import playwright" 2>/dev/null && return
  echo "e2e/vscode: installing Playwright for Python (cached in $PLAYWRIGHT_VENV)"
  rm -rf "$PLAYWRIGHT_VENV"
  python3 -m venv "$PLAYWRIGHT_VENV"
  "$PLAYWRIGHT_VENV/bin/pip" install --quiet 'playwright>=1.40'
}

install_code_server
install_playwright
[ -f "$VSIX" ] || make client # .ci/run has built it; locally, delete it to test a changed client
installed=$(date +%s)
echo "e2e/vscode: installs ready in $((installed - started)) s"

"$PLAYWRIGHT_VENV/bin/python" e2e/vscode/e2e.py \
  --code-server "$CODE_SERVER" --vsix "$VSIX" --python "$PYTHON" --chromium "$(command -v chromium)" \
  --artifacts "$ARTIFACTS"
echo "e2e/vscode: $(($(date +%s) - started)) s in all ($(($(date +%s) - installed)) s of test)"
