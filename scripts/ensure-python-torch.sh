#!/usr/bin/env bash
# Installs Debian's python3-torch and python3-numpy for the export tests (test/unit/export-pytorch*),
# which run the exported PyTorch scripts with /usr/bin/python3. Idempotent: nothing is done when
# /usr/bin/python3 already imports torch. Called by the unit suite's pre-script (npm test,
# npm run test:unit); without apt (or root) it says so and the tests that need torch skip.
set -euo pipefail
if /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    echo "ensure-python-torch: /usr/bin/python3 cannot import torch and this user cannot install it (run as root: apt-get install python3-torch python3-numpy); the PyTorch export tests will skip" >&2
    exit 0
  fi
fi
echo "ensure-python-torch: installing Debian packages python3-torch python3-numpy"
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends python3 python3-torch python3-numpy
/usr/bin/python3 -c 'import torch; print("ensure-python-torch: torch", torch.__version__)'
