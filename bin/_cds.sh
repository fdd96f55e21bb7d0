# Class data sharing (CDS) for a launcher jar: a dynamic AppCDS archive of the classes it loads,
# beside the jar (skiffd.jar -> skiffd.jsa), made on this machine by the jar's first start after a
# build that is not --help or --version (the JVM writes it as that process exits, with the classes
# that run loaded), then mapped by every later start: less class loading and CPU at start and on
# the first requests. SKIFF_CDS=off: neither. An archive the JVM cannot use (made for another jar)
# gets a warning from the JVM, which then runs without it.
#
# Usage: skiff_java_with_cds JAR [JVM_OPTION...] -- [ARG...]   (runs java, returns its exit code)
skiff_java_with_cds() {
  local jar=$1 opts=() archive tmp pid rc
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  archive="${jar%.jar}.jsa"
  if [ "${SKIFF_CDS:-on}" = off ]; then
    exec java "${opts[@]}" -jar "$jar" "$@"
  elif [ -s "$archive" ] && [ "$archive" -nt "$jar" ]; then
    exec java -XX:SharedArchiveFile="$archive" "${opts[@]}" -jar "$jar" "$@"
  fi
  # No training from a start that only prints help or the version, or where it cannot be written.
  case " $* " in *" --help "* | *" -h "* | *" --version "* | *" -V "*)
    exec java "${opts[@]}" -jar "$jar" "$@" ;;
  esac
  [ -w "$(dirname "$archive")" ] || exec java "${opts[@]}" -jar "$jar" "$@"
  # The training start: the JVM writes a temporary file as it exits, moved into place only after
  # a clean exit (0, or 143/130 after SIGTERM/SIGINT), since a cut-off archive crashes the JVM
  # that maps it. Signals to this script go on to the JVM; if this script is killed (SIGKILL, which
  # it cannot pass on), the kernel kills the JVM too (setpriv's parent-death signal), so no skiffd
  # is left running without its launcher.
  tmp="$archive.$$.tmp"
  local orphan_guard=()
  if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then
    orphan_guard=(setpriv --pdeathsig KILL --)
  fi
  "${orphan_guard[@]}" java -XX:ArchiveClassesAtExit="$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off "${opts[@]}" \
    -jar "$jar" "$@" &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
  rc=0
  while kill -0 "$pid" 2>/dev/null; do
    if wait "$pid"; then rc=0; else rc=$?; fi
  done
  trap - TERM INT HUP
  if { [ "$rc" = 0 ] || [ "$rc" = 143 ] || [ "$rc" = 130 ]; } && [ -s "$tmp" ]; then
    mv -f "$tmp" "$archive"
  fi
  rm -f "$tmp"
  return "$rc"
}
