#!/usr/bin/env bash
# Builds the container image localhost/sluice:<version> (the version of the parent pom.xml):
#   - a base of a few libraries unpacked from Debian's .debs (the ones the Java runtime links to:
#     libc6, libgcc-s1, libstdc++6, zlib1g; and dash for the entry point), no package manager;
#   - a Java runtime cut down by jlink to the modules that jdeps finds in the server jar;
#   - sluice-server/target/sluice.jar, run by /usr/local/bin/sluice as user 10001.
# No registry is needed (FROM scratch); Debian's package mirror is, through apt-get download.
#
# Usage: packaging/container/build.sh [--jar FILE] [--image NAME]
#   --jar FILE    use this server jar instead of building it with ./mvnw (skipping the tests)
#   --image NAME  the image name (default localhost/sluice:<version>)
# Needs: podman, a JDK with jmods (jlink, jdeps), apt-get, dpkg-deb; binutils' objcopy if present.
# Details: docs/container.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# The first <version> of the parent POM is the project's (it has no <parent>).
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n 1)
image="localhost/sluice:$version"
jar=""

while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "build.sh: $*"; }
java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ]; then echo "$JAVA_HOME/bin/$1"; else command -v "$1"; fi
}
need() {
  command -v "$1" >/dev/null 2>&1 || { echo "build.sh: $1 not found; install Debian's $2" >&2; exit 1; }
}
need podman podman
need apt-get apt
need dpkg-deb dpkg
jlink=$(java_bin jlink) || { echo "build.sh: jlink not found; install a JDK (openjdk-17-jdk-headless)" >&2; exit 1; }
jdeps=$(java_bin jdeps)
jdk=$(cd "$(dirname "$(readlink -f "$jlink")")/.." && pwd)
[ -d "$jdk/jmods" ] || { echo "build.sh: $jdk has no jmods/ for jlink" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/sluice-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT

if [ -z "$jar" ]; then
  say "building the server jar"
  (cd "$root" && ./mvnw -q -B -pl sluice-server -am -DskipTests package)
  jar="$root/sluice-server/target/sluice.jar"
fi
[ -f "$jar" ] || { echo "build.sh: no jar at $jar" >&2; exit 1; }

# The modules the jar uses, as jdeps sees them, plus jdk.crypto.ec: the elliptic-curve provider that
# TLS to Redis (rediss://) loads by name, which no static analysis can see. Less java.desktop
# (11 MiB): only java.beans is referenced there, by code the server never runs (SnakeYAML's
# JavaBean properties, where Sluice reads maps; Jackson's optional @ConstructorProperties
# support, which it loads only if present; Micrometer's Log4j2 binder).
modules=$("$jdeps" --ignore-missing-deps --multi-release 17 --print-module-deps "$jar")
modules=$(echo "$modules,jdk.crypto.ec" | tr ',' '\n' | grep -vx java.desktop | paste -sd, -)
say "java modules: $modules"
strip=()
if command -v objcopy >/dev/null 2>&1; then
  strip=(--strip-native-debug-symbols=exclude-debuginfo-files)
else
  say "objcopy not found (Debian's binutils): native symbols stay in the runtime (3 MB more)"
fi
"$jlink" --add-modules "$modules" --strip-debug "${strip[@]}" --no-man-pages --no-header-files \
  --compress=2 --output "$stage/java"
# No CDS archive: measured here, it made the server ready 50 ms sooner (1.3 s) for 12 MB more.

# The base: the libraries the runtime links to (ldd of bin/java and lib/**/*.so, less the AWT
# natives that Sluice never loads), unpacked without their maintainer scripts.
say "downloading Debian packages"
mkdir -p "$stage/debs" "$stage/base"
packages=(libc6 libgcc-s1 libstdc++6 zlib1g dash)
download() { (cd "$stage/debs" && apt-get download -q -o APT::Sandbox::User=root "${packages[@]}"); }
if ! download >/dev/null; then
  say "apt-get download failed; updating the package lists once"
  apt-get update -qq
  download >/dev/null
fi
for deb in "$stage"/debs/*.deb; do
  dpkg-deb -x "$deb" "$stage/base"
done
base=$stage/base
# Keep each package's copyright file; drop the rest of /usr/share (docs, gdb and lintian files)
# and glibc's iconv modules (gconv), which the JVM does not use.
mkdir -p "$stage/copyright"
for doc in "$base"/usr/share/doc/*/; do
  name=$(basename "$doc")
  if [ -f "$doc/copyright" ]; then cp "$doc/copyright" "$stage/copyright/$name"; fi
done
rm -rf "$base/usr/share" "$base"/usr/lib/*/gconv
mkdir -p "$base/usr/share/doc"
for file in "$stage"/copyright/*; do
  mkdir -p "$base/usr/share/doc/$(basename "$file")"
  cp "$file" "$base/usr/share/doc/$(basename "$file")/copyright"
done
mkdir -p "$base/etc/sluice" "$base/tmp"
chmod 1777 "$base/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nsluice:x:10001:10001:Sluice:/tmp:/bin/sh\n' >"$base/etc/passwd"
printf 'root:x:0:\nsluice:x:10001:\n' >"$base/etc/group"

mkdir -p "$stage/app/opt/sluice" "$stage/app/usr/local/bin"
cp "$jar" "$stage/app/opt/sluice/sluice.jar"
cp "$root/LICENSE" "$stage/app/opt/sluice/LICENSE"
install -m 0755 "$here/sluice.sh" "$stage/app/usr/local/bin/sluice"
cp "$here/Containerfile" "$stage/Containerfile"

previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
say "building $image"
podman build -q --layers=false --build-arg VERSION="$version" -t "$image" -f "$stage/Containerfile" "$stage" >/dev/null
current=$(podman image inspect --format '{{.Id}}' "$image")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  # The image this tag named before, unless another tag or a container still uses it.
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
say "built $image: $((size / 1000000)) MB ($size bytes; java $(du -sm "$stage/java" | cut -f1) MiB," \
  "jar $(du -sm "$jar" | cut -f1) MiB, base $(du -sm "$base" | cut -f1) MiB)"
