#!/usr/bin/env bash
# Prints the path of a redis-server >= 6.2 (what the @procpool/bullmq tests
# start a throwaway Redis with; BullMQ recommends 6.2 or newer). When there is
# none and we are root on a Debian-like system, installs Debian's redis-server
# with apt-get (which starts no service: the tests start their own); otherwise
# exits 1 saying what to do. Progress goes to stderr, so stdout is only the path.
# REDIS_SERVER=/path/to/redis-server picks a binary of your own.
set -euo pipefail

MIN_MAJOR=6
MIN_MINOR=2

# A redis-server that is new enough, or nothing.
find_redis() {
  local candidate seen=' '
  for candidate in ${REDIS_SERVER:+"$REDIS_SERVER"} redis-server /usr/bin/redis-server /usr/local/bin/redis-server; do
    local found version
    found=$(command -v "$candidate" 2>/dev/null) || continue
    [[ $seen == *" $found "* ]] && continue
    seen+="$found "
    # "Redis server v=7.0.15 sha=..." → 7 and 0
    [[ $("$found" --version 2>/dev/null) =~ v=([0-9]+)\.([0-9]+) ]] || continue
    local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
    version="$major.$minor"
    if [ "$major" -gt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -ge "$MIN_MINOR" ]; }; then
      echo "$found"
      return 0
    fi
    echo "ensure-redis: $found is Redis $version, older than $MIN_MAJOR.$MIN_MINOR" >&2
  done
  return 1
}

if find_redis; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Jest workers start their test files at once: one installs, the others wait for it, then look again.
  if command -v flock >/dev/null 2>&1; then
    exec 9<"$0"
    flock 9
    if find_redis; then
      exit 0
    fi
  fi
  echo "ensure-redis: no redis-server >= $MIN_MAJOR.$MIN_MINOR found; installing redis-server with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y redis-server >&2
  if find_redis; then
    exit 0
  fi
  echo "ensure-redis: apt-get installed redis-server, but no redis-server >= $MIN_MAJOR.$MIN_MINOR is on PATH" >&2
  exit 1
fi

echo "ensure-redis: the distributed (@procpool/bullmq) tests need redis-server >= $MIN_MAJOR.$MIN_MINOR, and none was found." >&2
echo "ensure-redis: install it (e.g. 'sudo apt-get install redis-server') or run this script as root to let it do so." >&2
exit 1
