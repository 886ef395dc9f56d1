#!/usr/bin/env bash
# The unit suite's fashion-mlp test needs Debian's dataset-fashion-mnist (the Fashion-MNIST IDX
# files in /usr/share/datasets/fashion-mnist). Its PyTorch comparison runs only where python3-torch
# is already installed (it is large; the experiment says when it skipped it). Idempotent: installs
# only what is missing; without root or apt it says so and the test skips.
set -uo pipefail
need=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-fashion-mnist: cannot install ${need[*]} (not root, or no apt-get); the tests that need them will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || echo "ensure-fashion-mnist: apt-get install ${need[*]} failed; the tests that need them will skip" >&2
exit 0
