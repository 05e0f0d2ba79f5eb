#!/bin/sh
# The image's entry point, /usr/local/bin/sluice: the sluice command line on the image's Java runtime.
# "serve" without --config reads /etc/sluice/sluice.yaml when that file exists (mount a folder, or a
# Kubernetes ConfigMap, at /etc/sluice), else runs on the built-in defaults. JAVA_OPTS adds JVM flags.
set -eu
config=/etc/sluice/sluice.yaml
if [ "${1:-}" = serve ] && [ -f "$config" ]; then
  given=no
  for arg in "$@"; do
    case "$arg" in --config | --config=*) given=yes ;; esac
  done
  if [ "$given" = no ]; then
    shift
    set -- serve --config "$config" "$@"
  fi
fi
# JAVA_OPTS is a list of flags, split on spaces on purpose.
# shellcheck disable=SC2086
exec /opt/java/bin/java ${JAVA_OPTS:-} -jar /opt/sluice/sluice.jar "$@"
