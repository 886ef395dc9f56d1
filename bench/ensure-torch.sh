#!/bin/sh
# Idempotent: install Debian's PyTorch and NumPy for the PyTorch column of `npm run bench` if they
# are not there yet. Never fails the bench: without them the PyTorch columns are skipped.
if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "bench: python3-torch is not installed and we cannot apt-get as $(id -un); the PyTorch columns will be skipped" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends python3-torch python3-numpy; } >&2; then
  echo "bench: could not install python3-torch / python3-numpy; the PyTorch columns will be skipped" >&2
fi
exit 0
