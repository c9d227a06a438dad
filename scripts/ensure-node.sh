#!/usr/bin/env bash
# Prints a directory holding Node.js >= 24 (README, "Runtimes"). When the machine's own
# node is older, Node 24 LTS is installed from the npm registry's `node` package into
# .tools/node (ignored by git) — no download outside the npm registry.
# Usage: export PATH="$(scripts/ensure-node.sh):$PATH"
set -euo pipefail
REQUIRED_MAJOR=24
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$ROOT/.tools/node"
LOCAL_BIN="$LOCAL_DIR/node_modules/node/bin"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [[ -x "$LOCAL_BIN/node" && "$(major_of "$LOCAL_BIN/node")" -ge $REQUIRED_MAJOR ]]; then
  echo "$LOCAL_BIN"; exit 0
fi
if command -v node >/dev/null && [[ "$(major_of node)" -ge $REQUIRED_MAJOR ]]; then
  dirname "$(command -v node)"; exit 0
fi
if ! command -v npm >/dev/null; then
  echo "ensure-node: Node.js >= $REQUIRED_MAJOR is required and npm is missing to fetch it: install nodejs and npm" >&2
  exit 1
fi
echo "ensure-node: machine node is $(node --version 2>/dev/null || echo absent);" \
  "installing node@$REQUIRED_MAJOR into .tools/node" >&2
mkdir -p "$LOCAL_DIR"
# The `node` package installs its binary in a preinstall script: approve exactly that (npm 11's allowScripts).
echo '{"private": true, "allowScripts": {"node": true}}' > "$LOCAL_DIR/package.json"
npm install --prefix "$LOCAL_DIR" --no-save --no-package-lock --no-audit --no-fund "node@$REQUIRED_MAJOR" >&2
echo "$LOCAL_BIN"
