#!/usr/bin/env bash
# ShouldRateLimit (gRPC) against POST /v1/acquire (HTTP) on one `sluice serve`, same store, same
# machine: h2load (Debian's nghttp2-client) over h2c on 127.0.0.1, 64 concurrent streams (4
# connections x 16 streams), a warm-up run then a measured one for each. The gRPC body is one framed
# RateLimitRequest (domain "bench", one descriptor key=k), made here byte by byte; the rule and the
# policy are large enough that every request is allowed and written. Prints h2load's
# requests/s and latency lines for both. Run it on a quiet machine; results go in BENCHMARKS.md.
#   scripts/bench-rls.sh [SECONDS] [REDIS_URI]    (default 20 s, in memory)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
redis="${2:-}"
jar=sluice-server/target/sluice.jar
command -v h2load >/dev/null || { echo "bench-rls: h2load is missing (apt-get install nghttp2-client)"; exit 1; }
[ -f "$jar" ] || ./mvnw -q -B package -pl sluice-server -am -DskipTests
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

cat > "$work/rls.yaml" <<'YAML'
domain: bench
descriptors:
  - key: key
    rate_limit: { unit: second, requests_per_unit: 1000000000 }
YAML
printf 'policies:\n  default: { capacity: 1000000000, refill: 100000000/s }\n' > "$work/sluice.yaml"
store=()
[ -n "$redis" ] && store=(--redis "$redis")
java -jar "$jar" serve --host 127.0.0.1 --port 0 --grpc-port 0 --config "$work/sluice.yaml" \
  --rls-config "$work/rls.yaml" "${store[@]}" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 1 100); do grep -q 'gRPC) on' "$work/out" && break; sleep 0.2; done
http_port="$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/out" | grep -o '[0-9]*$')"
grpc_port="$(grep -o 'gRPC) on http://127.0.0.1:[0-9]*' "$work/out" | grep -o '[0-9]*$')"
until curl -sf "http://127.0.0.1:$http_port/health/ready" > /dev/null; do sleep 0.5; done

python3 - "$work/request.bin" <<'PY'
import struct, sys
def field(number, payload):
    return bytes([number << 3 | 2, len(payload)]) + payload
entry = field(1, b"key") + field(2, b"k")
message = field(1, b"bench") + field(2, field(1, entry))
open(sys.argv[1], "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
PY
printf '{"key": "k"}' > "$work/acquire.json"

run() {
  local name="$1"; shift
  h2load -c 4 -m 16 -t 2 -D 5 "$@" > /dev/null
  echo "== $name: $seconds s, 64 streams"
  h2load -c 4 -m 16 -t 2 -D "$seconds" "$@" | grep -E 'requests:|finished in|time for request|status codes'
}
run "ShouldRateLimit (gRPC)" -d "$work/request.bin" \
  -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$grpc_port/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit"
run "POST /v1/acquire (HTTP)" -d "$work/acquire.json" -H 'content-type: application/json' \
  "http://127.0.0.1:$http_port/v1/acquire"
