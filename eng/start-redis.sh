#!/usr/bin/env bash
# Starts a local Redis on 127.0.0.1:6379 for LlmRelay's scale-out tests and prints its connection string.
# Idempotent: installs redis-server from Debian only when missing, and leaves a running server running.
# Usage: export LLMRELAY_TEST_REDIS="$(eng/start-redis.sh | tail -n 1)"
set -euo pipefail

log() { echo "start-redis: $*" >&2; }
port=6379

# 1. Install the server if it is missing (needs root).
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends redis-server >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends redis-server >&2
  fi
fi

# 2. Start it unless something answers already (a shared server, or an earlier run of this script).
if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save "" --appendonly no \
    --logfile /tmp/llmrelay-redis.log >&2
fi

# 3. Wait until it answers.
for _ in $(seq 1 50); do
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  log "Redis did not become ready; see /tmp/llmrelay-redis.log"
  exit 1
fi

echo "127.0.0.1:$port"
