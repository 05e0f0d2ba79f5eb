#!/usr/bin/env bash
# Checks every panel of deploy/grafana/sluice-rls-dashboard.json against a real Prometheus
# (Debian's `prometheus` package) scraping a real `sluice serve` on 127.0.0.1: starts Sluice with an
# RLS configuration, sends requests that are within, near, over and in shadow, lets Prometheus
# scrape every second, then asks each panel's query and fails unless each returns series.
#   scripts/check-dashboard.sh [JAR]      (default sluice-server/target/sluice.jar, built by verify)
set -euo pipefail
cd "$(dirname "$0")/.."
jar="${1:-sluice-server/target/sluice.jar}"
dashboard=deploy/grafana/sluice-rls-dashboard.json
command -v prometheus >/dev/null || { echo "check-dashboard: prometheus is not installed (apt-get install prometheus)"; exit 1; }
[ -f "$jar" ] || { echo "check-dashboard: $jar is missing: build it first (./mvnw package -pl sluice-server -am)"; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

cat > "$work/rls.yaml" <<'YAML'
domain: shop
descriptors:
  - key: api_key
    rate_limit: { name: per_key, unit: hour, requests_per_unit: 5 }
  - key: shadowed
    shadow_mode: true
    rate_limit: { unit: hour, requests_per_unit: 1 }
YAML
java -jar "$jar" serve --host 127.0.0.1 --port 0 --grpc-port 0 --rls-config "$work/rls.yaml" > "$work/sluice.out" 2> "$work/sluice.err" &
pids+=($!)
port=""
for _ in $(seq 1 100); do
  port="$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/sluice.out" | grep -o '[0-9]*$' || true)"
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { echo "check-dashboard: sluice did not start:"; cat "$work/sluice.err"; exit 1; }
ask() { curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/json" -H 'Content-Type: application/json' -d "$1"; }
for i in 1 2 3 4 5 6 7; do
  ask '{"domain":"shop","descriptors":[{"entries":[{"key":"api_key","value":"k"}]}]}' > /dev/null
  ask '{"domain":"shop","descriptors":[{"entries":[{"key":"shadowed","value":"s"}]}]}' > /dev/null
done

prom_port="$(free_port)"
cat > "$work/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: sluice
    metrics_path: /metrics
    static_configs: [{ targets: ["127.0.0.1:$port"] }]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
sleep 4
# Keep traffic flowing while Prometheus collects the samples rate() needs.
for i in $(seq 1 8); do
  ask '{"domain":"shop","descriptors":[{"entries":[{"key":"api_key","value":"k'"$i"'"}]}]}' > /dev/null
  ask '{"domain":"shop","descriptors":[{"entries":[{"key":"shadowed","value":"s"}]}]}' > /dev/null
  ask '{"domain":"shop","descriptors":[{"entries":[{"key":"api_key","value":"k"}]}]}' > /dev/null
  sleep 1
done

PROM="http://127.0.0.1:$prom_port" python3 - "$dashboard" <<'PY'
import json, os, sys, urllib.parse, urllib.request
panels = json.load(open(sys.argv[1]))["panels"]
failed = 0
for panel in panels:
    for target in panel["targets"]:
        url = os.environ["PROM"] + "/api/v1/query?" + urllib.parse.urlencode({"query": target["expr"]})
        answer = json.load(urllib.request.urlopen(url, timeout=10))
        series = answer["data"]["result"] if answer.get("status") == "success" else []
        ok = len(series) > 0
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {len(series):3d} series  {panel['title']}: {target['expr']}")
print(f"{len(panels) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
