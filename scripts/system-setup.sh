#!/usr/bin/env bash
# Installs the system packages the test suite needs, from Debian's packages, when missing,
# then starts the private PostgreSQL test server (scripts/pg-test-server.sh, 127.0.0.1:54329).
# Safe to run again: it installs nothing when everything is already there, and a running test
# server is left as it is. Not root and something missing: prints the apt-get command and exits 0
# (the tests that need it then skip and say why).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

have_fonts() {
  [ -d /usr/share/fonts ] && [ -n "$(find /usr/share/fonts -type f \( -iname '*.ttf' -o -iname '*.otf' \
    -o -iname '*.ttc' -o -iname '*.pfb' \) -print -quit 2>/dev/null)" ]
}
# the charts' font (workbook.report.blocks.FONT): Chromium draws their labels with the font
# vl-convert measured them with, so the browser tests see the text people will see
have_liberation() { [ -n "$(find /usr/share/fonts -iname 'LiberationSans-Regular.ttf' -print -quit 2>/dev/null)" ]; }
have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }

need=()
have_postgres || need+=(postgresql)        # the store's tests run against a real server
[ -x /usr/bin/chromium ] || need+=(chromium) # the report's tests drive Debian's Chromium
have_fonts || need+=(fonts-dejavu-core)    # Chromium renders text with some font
have_liberation || need+=(fonts-liberation) # ... and the charts' with theirs

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "system-setup: missing ${need[*]}; the tests that need it will be skipped. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    echo "  (or run: sudo bash scripts/system-setup.sh)" >&2
  else
    echo "system-setup: installing ${need[*]} (apt-get)" >&2
    log="$(mktemp)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get -o DPkg::Lock::Timeout=300 update -qq \
           && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}"; } \
         >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      echo "system-setup: apt-get failed" >&2
      exit 1
    fi
    rm -f "$log"
  fi
fi

# The throwaway PostgreSQL server for the tests (never the system's cluster on 5432).
if have_postgres; then
  if url="$(bash "$here/pg-test-server.sh" start)"; then
    echo "system-setup: test PostgreSQL at $url" >&2
  elif [ "$(id -u)" = 0 ]; then
    echo "system-setup: could not start the test PostgreSQL server" >&2
    exit 1
  else
    echo "system-setup: could not start the test PostgreSQL server; the tests that need it will be skipped" >&2
  fi
fi
