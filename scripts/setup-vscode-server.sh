#!/usr/bin/env bash
# Installs a real VS Code (the server inside the npm package code-server@4.100.3 = VS Code 1.100.3)
# and Debian's Chromium, for the integration and e2e tests. Idempotent: every step is skipped when
# its result is already there. Installs into .vscode-test/ (git-ignored).
# See ../shared/spec/VSCODE-TESTING.md for why it is done this way.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VERSION=4.100.3
DEST="$ROOT/.vscode-test/code-server-$VERSION"
SERVER_MAIN="$DEST/node_modules/code-server/lib/vscode/out/server-main.js"

# 1. Debian packages: compilers for code-server's native modules, ripgrep, chromium.
need=()
for p in build-essential python3 pkg-config libkrb5-dev ripgrep chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-vscode-server: installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}"
fi

if [ -f "$SERVER_MAIN" ]; then
  echo "setup-vscode-server: VS Code server already installed at $DEST"
  exit 0
fi

# 2. @vscode/ripgrep downloads a binary on install; it first looks in this cache folder.
CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
TARBALL="$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$TARBALL" ]; then
  mkdir -p "$CACHE"
  tmp="$(mktemp -d)"
  cp "$(command -v rg)" "$tmp/rg"
  tar -czf "$TARBALL" -C "$tmp" rg
  rm -rf "$tmp"
fi

# 3. code-server itself (~50 s, ~300 MB). npx node-gyp runs in a post-install step.
mkdir -p "$DEST"
[ -f "$DEST/package.json" ] || echo '{ "name": "vscode-test-server", "private": true }' > "$DEST/package.json"
echo "setup-vscode-server: installing code-server@$VERSION into $DEST"
( cd "$DEST" && npm_config_yes=true PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm install --no-audit --no-fund --unsafe-perm=true "code-server@$VERSION" )
test -f "$SERVER_MAIN" || { echo "setup-vscode-server: $SERVER_MAIN missing after install" >&2; exit 1; }
echo "setup-vscode-server: done"
