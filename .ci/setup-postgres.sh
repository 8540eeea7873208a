#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the database tests (tests/db_fixtures.py
# starts a throwaway server itself; nothing is started here). Does nothing when they are
# already installed. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  echo "PostgreSQL already installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends postgresql
# Debian's package starts (and on later boots would start) a cluster of its own; the
# tests don't use it.
if command -v pg_ctlcluster >/dev/null; then
  for v in /usr/lib/postgresql/*; do $SUDO pg_ctlcluster "$(basename "$v")" main stop 2>/dev/null || true; done
fi
