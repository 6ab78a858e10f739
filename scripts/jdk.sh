# Sourced by ./coffer, scripts/test and .ci/run: finds a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME, then the usual install places, then the java on PATH.

coffer_java_major() { # prints the major version of the JDK at $1, or nothing
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  # The JDK's release file names its version: no JVM start (about 0.1 s per JDK, paid by every
  # command before this). Only a JDK without one is asked.
  v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)"/\1/p' "$1/release" 2>/dev/null | head -n1)
  [ -n "$v" ] || v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  case "$v" in 1.*) v=${v#1.}; v=${v%%.*} ;; esac
  v=${v%%.*}
  echo "${v%%[!0-9]*}" # 26-ea -> 26
}

coffer_find_jdk() {
  local cand major best="" best_major=0
  local places=()
  [ -n "${JAVA_HOME:-}" ] && places+=("$JAVA_HOME")
  for cand in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* /usr/java/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$cand" ] && places+=("$cand")
  done
  if command -v javac >/dev/null 2>&1; then
    places+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  # A JAVA_HOME that is new enough wins; otherwise the newest JDK found.
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(coffer_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in "${places[@]}"; do
    major=$(coffer_java_major "$cand")
    [ -n "$major" ] || continue
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$cand"; best_major=$major; fi
  done
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}

if ! COFFER_JDK=$(coffer_find_jdk); then
  echo "coffer: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm, /opt/java, ~/.sdkman)." >&2
  echo "coffer: install one (for example: apt-get install openjdk-21-jdk, or Temurin 21/25) or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$COFFER_JDK"
