# Shared by the bin/ scripts: locate the repo, check the toolchain, build on first use.
SKIFF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

skiff_need_toolchain() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "skiff: installing ${missing[*]}" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
      echo "skiff: needs ${missing[*]}. Install them, e.g.: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
}

# Builds a launcher jar and the modules it needs (no tests) when the jar is missing or older than the
# sources of those modules. Usage: skiff_build_if_needed JAR MODULE [SOURCE_DIR...]
skiff_build_if_needed() {
  local jar=$1 module=$2
  shift 2
  local dirs=()
  for d in "$@"; do dirs+=("$SKIFF_ROOT/$d"); done
  if [ -f "$jar" ] && [ -z "$(find "${dirs[@]}" "$SKIFF_ROOT/pom.xml" -path '*/target' -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -name '*.c' -o -name '*.wat' \) -newer "$jar" -print -quit)" ]; then
    return
  fi
  skiff_need_toolchain
  echo "skiff: building $module (first use or sources changed)..." >&2
  (cd "$SKIFF_ROOT" && mvn -q -B -ntp -DskipTests -pl "$module" -am install) >&2
}

# Installs Debian packages that are missing, when root; otherwise prints the apt-get command.
# Usage: skiff_need_packages WHO required|optional PACKAGE...   (required: stop when they are missing)
skiff_need_packages() {
  local who=$1 need=$2 missing=() p
  shift 2
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$who: installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  elif [ "$need" = required ]; then
    echo "$who: needs these Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
    echo "  then run $who again." >&2
    exit 1
  else
    echo "$who: without ${missing[*]} some examples are skipped (C examples need clang's wasm32 target," >&2
    echo "  the container example needs gcc and runc, and containers need root); to have them all:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
  fi
}
