#!/usr/bin/env bash
# Repeats FreshFleetIT: two cold `sluice serve` JVMs on one Redis with the default store settings,
# 32 closed-loop callers on one key from the first ready moment, 5 s; RUNS times on an idle machine
# and RUNS times with two busy processes beside it. Each run must admit at most the bound plus one
# and at least 98% of what refilled. Prints one line per run, which docs/design-decisions.md
# quotes. Run it on a quiet machine (no build or test beside it).
#   scripts/fresh-fleet.sh [RUNS]       (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
./mvnw -q -B verify -pl sluice-server -am \
  -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FreshFleetIT -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dsluice.freshFleet.runs="$runs" -Dsluice.freshFleet.floor=0.98 \
  -Dsluice.freshFleet.report="$report" || status=$?
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$report"
exit "${status:-0}"
