#!/usr/bin/env bash
# Prints the path of a python3 >= 3.8 (the interpreter the interop tests run
# Python's multiprocessing.connection with). When there is none and we are
# root on a Debian-like system, installs one with apt-get; otherwise exits 1
# saying what to do. Progress goes to stderr, so stdout is only the path.
set -euo pipefail

MIN_MAJOR=3
MIN_MINOR=8

# A python3 on PATH that is new enough, or nothing.
find_python() {
  local candidate
  for candidate in python3 /usr/bin/python3 /usr/local/bin/python3; do
    local found
    found=$(command -v "$candidate" 2>/dev/null) || continue
    if "$found" -c "import sys; sys.exit(0 if sys.version_info >= ($MIN_MAJOR, $MIN_MINOR) else 1)" 2>/dev/null; then
      "$found" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

if find_python; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-python: no python3 >= $MIN_MAJOR.$MIN_MINOR found; installing python3 with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y python3 >&2
  if find_python; then
    exit 0
  fi
  echo "ensure-python: apt-get installed python3, but no python3 >= $MIN_MAJOR.$MIN_MINOR is on PATH" >&2
  exit 1
fi

echo "ensure-python: the Python interop tests need python3 >= $MIN_MAJOR.$MIN_MINOR, and none was found on PATH." >&2
echo "ensure-python: install it (e.g. 'sudo apt-get install python3') or run this script as root to let it do so." >&2
exit 1
