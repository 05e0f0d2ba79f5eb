#!/usr/bin/env bash
# Shows that the build is reproducible: builds the release artifacts twice from clean
# (./mvnw -Prelease clean package, tests skipped) and compares the SHA-256 of every jar and SBOM.
# Exits 1 if any differs. Javadoc warnings do not stop it (-Dmaven.javadoc.failOnWarnings=false):
# that is the release build's own check, not this one's.
#
# Usage: packaging/check-reproducible.sh      (about two minutes on 2 cores; docs/releasing.md)
set -euo pipefail
cd "$(dirname "$0")/.."

sums=$(mktemp -d "${TMPDIR:-/tmp}/sluice-reproducible.XXXXXX")
trap 'rm -rf "$sums"' EXIT

build() {
  ./mvnw -B -q -Prelease -DskipTests -Dmaven.javadoc.failOnWarnings=false clean package
  find . -maxdepth 3 -path '*/target/*' -type f \( -name '*.jar' -o -name 'bom.json' -o -name 'bom.xml' \) |
    grep -v '/original-' | sort | xargs sha256sum >"$sums/$1"
}

echo "check-reproducible: first build"
build first
echo "check-reproducible: second build"
build second
count=$(wc -l <"$sums/first")
if diff -u "$sums/first" "$sums/second"; then
  echo "check-reproducible: $count files, byte-identical in both builds:"
  sed 's|  \./|  |' "$sums/second"
else
  echo "check-reproducible: FAILED: the files above differ between two builds" >&2
  exit 1
fi
