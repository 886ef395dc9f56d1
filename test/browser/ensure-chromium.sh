#!/bin/sh
# Idempotent: install Debian's chromium for the browser tests, and poppler-utils (pdftoppm renders the
# PDF exports in test/browser/pdf.test.mjs), if they are not there yet.
set -e
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/pdftoppm ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core poppler-utils
test -x /usr/bin/chromium
test -x /usr/bin/pdftoppm
