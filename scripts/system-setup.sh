#!/usr/bin/env bash
# Installs the system packages the test suite needs, from Debian's packages, when missing.
# Safe to run again: it changes nothing when everything is already there.
set -euo pipefail

need=()
# (PostgreSQL server and Chromium are added here by the store and report work.)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "system-setup: missing ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
