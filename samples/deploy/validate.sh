#!/usr/bin/env bash
# Checks the deployment sample without deploying it:
#   nginx.conf        `nginx -t` on a copy whose certificate paths point at a throw-away self-signed pair
#   llmrelay.service  `systemd-analyze verify` on a copy whose paths point at stand-ins
#   .env.example      every line is a comment or KEY=VALUE, and it names the settings the unit relies on
# A check whose tool is missing prints "skipped" (install: apt-get install nginx-light systemd openssl).
# Prints "deploy: N passed, N failed, N skipped"; exits non-zero when a check fails.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1" >&2; failed=$((failed + 1)); }
skip() { echo "skipped: $1"; skipped=$((skipped + 1)); }

# nginx
if command -v nginx >/dev/null && command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=llm.example.com" \
    -keyout "$work/privkey.pem" -out "$work/fullchain.pem" >/dev/null 2>&1
  mkdir -p "$work/logs"
  sed -e "s#/etc/letsencrypt/live/llm.example.com/#$work/#g" \
      -e "s#/var/log/nginx/#$work/logs/#g" \
      -e "s#^pid .*#pid $work/nginx.pid;#" \
      -e "s#^user .*##" \
      "$here/nginx.conf" >"$work/nginx.conf"
  if out="$(nginx -t -q -c "$work/nginx.conf" -e "$work/logs/error.log" 2>&1)"; then
    pass "nginx -t: nginx.conf"
  else
    fail "nginx -t: nginx.conf: $out"
  fi
  # Streaming must not be buffered, and the probes must be proxied.
  for needle in "proxy_buffering off;" "location = /healthz" "location = /readyz" "X-Forwarded-Proto" "return 301 https://"; do
    grep -qF "$needle" "$here/nginx.conf" && pass "nginx.conf has '$needle'" || fail "nginx.conf lacks '$needle'"
  done
else
  skip "nginx -t (nginx or openssl not installed)"
fi

# systemd
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$work/opt"
  printf '#!/bin/sh\nexit 0\n' >"$work/dotnet" && chmod +x "$work/dotnet"
  touch "$work/llmrelay.env"
  sed -e "s#/usr/bin/dotnet#$work/dotnet#" \
      -e "s#WorkingDirectory=/opt/llmrelay#WorkingDirectory=$work/opt#" \
      -e "s#EnvironmentFile=/etc/llmrelay/llmrelay.env#EnvironmentFile=$work/llmrelay.env#" \
      "$here/llmrelay.service" >"$work/llmrelay.service"
  if out="$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$work/llmrelay.service" 2>&1)" && [[ -z "$out" ]]; then
    pass "systemd-analyze verify: llmrelay.service"
  else
    fail "systemd-analyze verify: llmrelay.service: $out"
  fi
else
  skip "systemd-analyze verify (systemd not installed)"
fi

# .env.example
bad="$(grep -nvE '^(#.*|[A-Za-z_][A-Za-z0-9_]*=.*|)$' "$here/.env.example" || true)"
[[ -z "$bad" ]] && pass ".env.example lines are KEY=VALUE" || fail ".env.example has malformed lines: $bad"
for key in LlmRelay__Database__Provider ConnectionStrings__LlmRelay ConnectionStrings__Redis ASPNETCORE_FORWARDEDHEADERS_ENABLED; do
  grep -q "^$key=" "$here/.env.example" && pass ".env.example sets $key" || fail ".env.example lacks $key"
done

echo "deploy: ${passed} passed, ${failed} failed, ${skipped} skipped"
[[ $failed -eq 0 ]]
