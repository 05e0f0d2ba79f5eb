#!/usr/bin/env bash
# Measures the image, to size a pod's resources (docs/container.md): the server's memory
# (RSS, and its peak VmHWM) idle and under a closed loop of wrk, and its CPU time under that load.
# Runs the image built by build.sh on 127.0.0.1 with the host network; wrk from Debian's packages.
#
# Usage: packaging/container/measure.sh [--memory LIMIT] [--seconds N] [--connections N]
#   --memory LIMIT    a podman memory limit such as 256m (default: none), as a pod's limit would be
#   --cpus N          a CPU limit such as 1 (default: none)
#   --redis URI       keep the buckets in this Redis (default: in memory), e.g. redis://127.0.0.1:6379
#   --seconds N       the length of the load (default 20)
#   --connections N   wrk's connections, each a closed loop (default 8; 2 threads)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n 1)
image="localhost/sluice:$version"
memory=""
cpus=""
store=()
seconds=20
connections=8
while [ $# -gt 0 ]; do
  case "$1" in
    --memory) memory=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --redis) store=(--redis "$2"); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "measure.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null 2>&1 || { echo "measure.sh: wrk not found; install Debian's wrk" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-measure.XXXXXX")
name=sluice-measure-$$
trap 'podman rm -f -t 0 "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

port=$((20000 + RANDOM % 20000))
limit=()
[ -z "$memory" ] || limit+=(--memory "$memory")
[ -z "$cpus" ] || limit+=(--cpus "$cpus")
podman run -d --name "$name" --runtime /usr/sbin/runc --ulimit nofile=4096:4096 \
  --ulimit nproc=4096:4096 --network host "${limit[@]}" "$image" \
  serve --port "$port" --host 127.0.0.1 "${store[@]}" >/dev/null
started=$(date +%s%N)
until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready"; do sleep 0.02; done
echo "ready $((($(date +%s%N) - started) / 1000000)) ms after podman run returned"
pid=$(podman inspect --format '{{.State.Pid}}' "$name")

mib() { awk -v key="$1:" '$1 == key {printf "%.0f", $2 / 1024}' "/proc/$pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

sleep 5 # let the start-up settle: this is the idle figure
echo "idle: RSS $(mib VmRSS) MiB, peak $(mib VmHWM) MiB (limits: memory ${memory:-none}, cpus ${cpus:-none};" \
  "store: ${store[1]:-memory})"

# 1,000 keys, one token each per request: most allowed at first, then mostly denied, as in production.
cat >"$work/acquire.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"key":"user' .. (n % 1000) .. '"}')
end
EOF
ticks=$(cpu_ticks)
wrk -t 2 -c "$connections" -d "${seconds}s" -s "$work/acquire.lua" "http://127.0.0.1:$port/v1/acquire" \
  | grep -E "Requests/sec|Latency|requests in"
hz=$(getconf CLK_TCK)
used=$(($(cpu_ticks) - ticks))
echo "under load: RSS $(mib VmRSS) MiB, peak $(mib VmHWM) MiB;" \
  "CPU $(awk -v t="$used" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.2f", t / hz / s}') cores on average"
sleep 5
echo "5 s after the load: RSS $(mib VmRSS) MiB"
