#!/usr/bin/env bash
# Installs the PostgreSQL server the deployment tests start (in a temporary data directory, on
# a free port on 127.0.0.1): Debian's postgresql package, from the package registry, as
# install_chromium.sh installs the browser. Nothing is started or enabled as a service here.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "install_postgres: PostgreSQL is missing and this user cannot install Debian packages." >&2
  echo "install_postgres: as root, run: apt-get update && apt-get install -y postgresql" >&2
  exit 1
fi
echo "install_postgres: installing Debian's postgresql (once per machine)"
export DEBIAN_FRONTEND=noninteractive
# The package's own cluster is not wanted: the tests make theirs, and `make serve` is pointed
# at a server by SCP_DAGSTER_PG_URL.
$sudo mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/scp.conf >/dev/null
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb
