#!/usr/bin/env bash
# Installs the browser the tests drive: Debian's chromium package, from the package registry.
# Browser downloads by test tools (`playwright install`) are not used: they fetch builds from
# hosts a closed network does not reach. Set SCP_CHROMIUM to use another binary.
set -euo pipefail

bin="${SCP_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "install_chromium: $bin is missing and this user cannot install Debian packages." >&2
  echo "install_chromium: as root, run: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
echo "install_chromium: installing Debian's chromium (once per machine)"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$bin" --version
