#!/usr/bin/env bash
# Regenerates every table and chart of BENCHMARKS.md: builds the benchmark jar (and the sluice server
# for the HTTP parts), installs wrk, nginx, redis-tools and nghttp2-client (h2load) from Debian when
# missing, then runs the four parts with progress on the console. The benchmark starts and stops
# its own redis-server on a free loopback port (never 6379) and its own nginx and sluice servers.
#
#   sluice-bench/run.sh                 full run (about 50 minutes on 2 cores): BENCHMARKS.md, docs/bench/*.png,
#                                       sluice-bench/results/*.csv
#   sluice-bench/run.sh --short         a quick look (a few minutes): sluice-bench/target/short/
#   sluice-bench/run.sh --parts 2,3     only some parts (1 in-process, 2 Redis, 3 HTTP, 4 Envoy's
#                                       rate limit service); the report keeps the others
#
# The report alone, from the saved results and without running any benchmark (BENCHMARKS.md and
# docs/bench/*.png again from sluice-bench/results/*.csv; add --short for sluice-bench/target/short/):
#
#   ./mvnw -q -B -pl sluice-bench -am -DskipTests package && java -jar sluice-bench/target/sluice-bench.jar report
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "run.sh: installing ${missing[*]} from Debian"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "run.sh: building sluice-bench (tests skipped)"
./mvnw -q -B -pl sluice-bench -am package -DskipTests
echo "run.sh: building the sluice server for the HTTP part (tests skipped)"
./mvnw -q -B -pl sluice-server -am package -DskipTests \
  || echo "run.sh: the sluice server did not build; the HTTP part will report it"

exec java -jar sluice-bench/target/sluice-bench.jar "$@"
