#!/bin/sh
# Runs every test: unit tests (no root), root tests (*RootIT: the real kernel) and end-to-end tests
# (*E2EIT: a real berthd driven by the docker CLI and bin/berth). Must run as root: the root and
# end-to-end tiers may not be skipped. Prints how many tests of each tier ran.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "$0: the tests must run as root (root and end-to-end tests may not be skipped)" >&2; exit 1; }
sh scripts/packages.sh
command -v docker >/dev/null 2>&1 || { echo "$0: the docker CLI is needed for the end-to-end tests" >&2; exit 1; }
status=0
mvn -B -ntp verify "$@" || status=$?
sh scripts/test-summary.sh || status=1
exit $status
