#!/usr/bin/env bash
# Scale-out load run (issue #18): one LlmRelay instance against two instances behind nginx, in the same run,
# with the load harness of ../shared/bench (nginx mock upstream, wrk, probe.py). Prints a Markdown table and checks
# the usage rows in the database afterwards.
#
#   bench/scale-out/run-two-instances.sh            # from the repository root, as root (PostgreSQL is started)
#
# What it does, in order:
#   1. copies the harness (HARNESS, default ../shared/bench, read-only) into WORK_DIR/harness (the mock writes there);
#   2. publishes samples/LlmRelay.Gateway once: dotnet publish -c Release -r linux-x64 --self-contained false
#      (ReadyToRun; TieredPGO off and thread-pool spin limit 0 come from the project), unless PUBLISH=0;
#   3. starts PostgreSQL (eng/start-postgres.sh; idempotent, may be shared) and, with REDIS=1, Redis
#      (eng/start-redis.sh); creates a fresh database llmrelay_scaleout_<UTC time>;
#   4. starts the nginx mock (the harness's mock/nginx.conf, 127.0.0.1:18080) and instance A (127.0.0.1:5081);
#      through A's management API: POST /api/setup (root), an access token, one OpenAI channel at the mock's
#      /auto/v1, a user with quota; per measured row one fresh key of each kind:
#        unlimited: POST /admin/keys {"unlimited_quota": true} (no user: reserves nothing before the call)
#        limited:   the user's POST /api/token/ {"unlimited_quota": false, "remain_quota": ...} (reserves from the
#                   token and the user before every call, settles afterwards)
#   5. measures, wrk (harness's wrk/chat.lua) at CONNS connections for DURATION s per row, JSON chat and SSE stream,
#      unlimited and limited key:
#        direct   wrk -> mock (the harness alone, for scale)
#        one      wrk -> A
#        one+lb   wrk -> nginx (this folder's nginx.conf, instance B's line commented out) -> A  (the nginx hop)
#        two+lb   wrk -> nginx (nginx.conf: A and B, least_conn, keepalive 64) -> A, B (B started for it)
#      Each row: `uptime` load before and after, req/s, p50/p99, non-2xx, gateway CPU µs/req (all instances), nginx
#      load balancer CPU µs/req, upstream requests the mock answered.
#   6. stops everything it started (by PID), then checks the database: per key, usage rows against the 2xx answers
#      wrk counted and the requests the mock answered; the tokens' and the user's used quota against the sum of their
#      rows' quota; remain + used against the starting balance; nothing left in quota_reservations.
#
# CPU pinning (2 cores): wrk, the nginx mock and the nginx load balancer on LOADGEN_CPUS (core 0); every gateway
# instance on GATEWAY_CPUS (core 1; both instances share it in the two+lb rows). PostgreSQL and Redis are shared
# services started outside this script and are not pinned. Two instances on one core cannot double throughput: the
# two+lb rows measure the cost of a second process and of the shared-state path on the same CPU budget, not capacity.
#
# Environment (defaults in brackets):
#   HARNESS        the load harness [<repo>/../shared/bench]       WORK_DIR  scratch directory [/tmp/llmrelay-scaleout]
#   PUBLISH        1: dotnet publish into WORK_DIR/publish; 0: reuse it [1]
#   REDIS          1: ConnectionStrings__Redis (pub/sub change notifications, shared rate limits) [0]
#   CONFIGS        rows to run, in order ["direct one one+lb two+lb"]
#   MODES          ["chat stream"]     KEYS  ["unlimited limited"]
#   CONNS          wrk connections [32]   THREADS wrk threads [2]   DURATION s per row [10]   WARMUP s [10]
#   LOADGEN_CPUS   [0]   GATEWAY_CPUS [1]
#   MOCK_PORT [18080]  LB_PORT [18090]  GATEWAY_A_PORT [5081]  GATEWAY_B_PORT [5082]
#   KEEP_DB        1: keep the database afterwards (its name is printed) [0]
#   OUT_DIR        results [WORK_DIR/results/<UTC time>]: table.md, rows.jsonl, checks.txt, raw/*.txt, logs
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
HARNESS=${HARNESS:-$REPO/../shared/bench}
WORK_DIR=${WORK_DIR:-/tmp/llmrelay-scaleout}
PUBLISH=${PUBLISH:-1}
REDIS=${REDIS:-0}
CONFIGS=${CONFIGS:-"direct one one+lb two+lb"}
MODES=${MODES:-"chat stream"}
KEYS=${KEYS:-"unlimited limited"}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
LOADGEN_CPUS=${LOADGEN_CPUS:-0}
GATEWAY_CPUS=${GATEWAY_CPUS:-1}
MOCK_PORT=${MOCK_PORT:-18080}
LB_PORT=${LB_PORT:-18090}
GATEWAY_A_PORT=${GATEWAY_A_PORT:-5081}
GATEWAY_B_PORT=${GATEWAY_B_PORT:-5082}
KEEP_DB=${KEEP_DB:-0}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT_DIR=${OUT_DIR:-$WORK_DIR/results/$STAMP}
DB_NAME=llmrelay_scaleout_$(echo "$STAMP" | tr 'A-Z' 'a-z')
MOCK=http://127.0.0.1:$MOCK_PORT
GW_A=http://127.0.0.1:$GATEWAY_A_PORT
GW_B=http://127.0.0.1:$GATEWAY_B_PORT
LB=http://127.0.0.1:$LB_PORT
ADMIN_KEY=bench-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ROOT_PASSWORD=bench-root-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
USER_PASSWORD=bench-user-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
USER_QUOTA=900000000000000      # the limited keys' user: far more than any run spends
TOKEN_QUOTA=100000000000000     # each limited key's starting balance
MODEL=gpt-4o-mini               # the model of the harness's wrk/chat.json
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ processes: only what this script started
STARTED=()   # "pid:name", stopped in reverse order on exit

descendants() {
  ps -e -o pid=,ppid= | awk -v r="$1" '
    { kids[$2] = kids[$2] " " $1 }
    END { q[1] = r; n = 1; i = 1
          while (i <= n) { split(kids[q[i]], a, " "); for (k in a) { n++; q[n] = a[k]; print a[k] } i++ } }'
}
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1; [ -n "$st" ] && [ "$st" != Z ]; }
stop_tree() {  # stop_tree PID NAME: TERM (ASP.NET Core drains in-flight calls and writes queued usage rows), KILL late
  local root=$1 name=$2 p t kids
  alive "$root" || { wait "$root" 2>/dev/null || true; return 0; }
  kids=$(descendants "$root")
  log "stopping $name (pid $root${kids:+, children $(echo $kids)})"
  kill -TERM "$root" 2>/dev/null || true
  for t in $(seq 1 300); do alive "$root" || break; sleep 0.1; done
  for p in $kids; do alive "$p" && kill -TERM "$p" 2>/dev/null || true; done
  for p in $root $kids; do
    if alive "$p"; then log "  $name: pid $p ignored TERM for 30 s, sending KILL"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  wait "$root" 2>/dev/null || true
}
forget() { local keep=() e; for e in "${STARTED[@]}"; do [ "${e%%:*}" = "$1" ] || keep+=("$e"); done; STARTED=("${keep[@]+"${keep[@]}"}"); }
stop_named() { local e; for e in "${STARTED[@]}"; do [ "${e#*:}" = "$1" ] && { stop_tree "${e%%:*}" "$1"; forget "${e%%:*}"; }; done; return 0; }
pid_of() { local e; for e in "${STARTED[@]}"; do [ "${e#*:}" = "$1" ] && { echo "${e%%:*}"; return; }; done; }
cleanup() {
  local i
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do stop_tree "${STARTED[$i]%%:*}" "${STARTED[$i]#*:}"; done
  STARTED=()
  if [ -n "${DB_CREATED:-}" ] && [ "$KEEP_DB" != 1 ]; then
    psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null 2>&1 && log "dropped database $DB_NAME"
  fi
  DB_CREATED=
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_http() {  # wait_http URL SECONDS PID: 200 counts as up
  local end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    alive "$3" || return 1
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true)" = 200 ] && return 0
    sleep 0.3
  done
  return 1
}

# ------------------------------------------------------------------ PostgreSQL
PG_BASE=
psql_admin() { PGPASSWORD=postgres psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
psql_db() { PGPASSWORD=postgres psql -h 127.0.0.1 -p 5432 -U postgres -d "$DB_NAME" -v ON_ERROR_STOP=1 -qtA "$@"; }

# ------------------------------------------------------------------ gateways
start_gateway() {  # start_gateway NAME PORT
  local name=$1 port=$2
  port_busy "$port" && die "port $port already in use (not started by this script)"
  log "starting gateway $name on 127.0.0.1:$port, cores $GATEWAY_CPUS"
  local redis=()
  [ "$REDIS" = 1 ] && redis=(ConnectionStrings__Redis=127.0.0.1:6379)
  ( cd "$WORK_DIR/publish" && exec env \
      ASPNETCORE_URLS=http://127.0.0.1:$port \
      DOTNET_TC_CallCountingDelayMs=0 \
      Logging__LogLevel__Default=Warning \
      LlmRelay__Database__Provider=postgres \
      ConnectionStrings__LlmRelay="$PG_BASE;Database=$DB_NAME" \
      LlmRelay__DataProtection__Keys=Database \
      LlmRelay__DataProtection__ApplicationName=llmrelay-scaleout-bench \
      LlmRelay__Admin__Key="$ADMIN_KEY" \
      LlmRelay__Admin__JwtSecret="$JWT_SECRET" \
      LlmRelay__Outbound__AllowPrivateAddresses=true \
      "${redis[@]}" \
      taskset -c "$GATEWAY_CPUS" dotnet LlmRelay.Gateway.dll ) > "$OUT_DIR/gateway-$name.log" 2>&1 &
  STARTED+=("$!:gateway-$name")
  wait_http "http://127.0.0.1:$port/readyz" 120 "$!" || { tail -30 "$OUT_DIR/gateway-$name.log" >&2; die "gateway $name not ready"; }
}

start_lb() {  # start_lb 1|2: nginx with one or both instances
  local n=$1 conf=$WORK_DIR/lb/nginx.conf
  port_busy "$LB_PORT" && die "port $LB_PORT already in use (not started by this script)"
  mkdir -p "$WORK_DIR/lb/tmp"
  sed -e "s/127\.0\.0\.1:5081/127.0.0.1:$GATEWAY_A_PORT/" -e "s/127\.0\.0\.1:5082/127.0.0.1:$GATEWAY_B_PORT/" \
      -e "s/127\.0\.0\.1:18090/127.0.0.1:$LB_PORT/" "$SCRIPT_DIR/nginx.conf" > "$conf"
  [ "$n" = 1 ] && sed -i '/# instance B/s/^/#/' "$conf"
  log "starting nginx load balancer on $LB ($n instance(s)), cores $LOADGEN_CPUS"
  taskset -c "$LOADGEN_CPUS" nginx -p "$WORK_DIR/lb/" -c "$conf" -e "$WORK_DIR/lb/error.log" > "$OUT_DIR/lb.out" 2>&1 &
  STARTED+=("$!:nginx-lb")
  wait_http "$LB/lb_status" 10 "$!" || { cat "$OUT_DIR/lb.out" "$WORK_DIR/lb/error.log" >&2 2>/dev/null; die "nginx load balancer did not come up"; }
}

# ------------------------------------------------------------------ management API (through instance A)
api() {  # api METHOD PATH [JSON] with the root's access token
  curl -sS -m 30 -X "$1" "$GW_A$2" -H "Authorization: Bearer $ROOT_TOKEN" -H "New-Api-User: $ROOT_ID" \
       -H 'Content-Type: application/json' ${3:+-d "$3"}
}
need_success() { echo "$1" | jq -e '.success == true' >/dev/null || die "$2: $1"; }

declare -A KEY_OF KEY_ID
new_key() {  # new_key KIND LABEL -> sets KEY_OF[LABEL], KEY_ID[LABEL]
  local kind=$1 label=$2 r
  if [ "$kind" = unlimited ]; then
    r=$(curl -sS -m 30 -X POST "$GW_A/admin/keys" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
          -d "{\"name\":\"$label\",\"unlimited_quota\":true}")
    need_success "$r" "POST /admin/keys"
    KEY_OF[$label]=$(echo "$r" | jq -r .key); KEY_ID[$label]=$(echo "$r" | jq -r .id)
  else
    r=$(curl -sS -m 30 -b "$WORK_DIR/user.cookies" -X POST "$GW_A/api/token/" -H 'Content-Type: application/json' \
          -d "{\"name\":\"$label\",\"unlimited_quota\":false,\"remain_quota\":$TOKEN_QUOTA}")
    need_success "$r" "POST /api/token/"
    KEY_OF[$label]=$(echo "$r" | jq -r .data.key); KEY_ID[$label]=$(echo "$r" | jq -r .data.id)
  fi
}

# ------------------------------------------------------------------ measuring
proc_ticks() {  # utime+stime of the given PIDs and their descendants
  local total=0 p v
  for p in "$@"; do
    for q in $p $(descendants "$p"); do
      v=$(sed 's/^.*) //' "/proc/$q/stat" 2>/dev/null | awk '{print $12 + $13}') || v=0
      total=$((total + ${v:-0}))
    done
  done
  echo $total
}
mock_requests() { curl -s -m 2 "$MOCK/nginx_status" | awk 'NR==3{print $3}'; }
load1() { awk '{print $1}' /proc/loadavg; }
dropped() {  # rows a gateway's usage-log writer dropped (full queue), from its last warning (event 1003)
  grep -o 'dropped ([0-9]* since start)' "$OUT_DIR/gateway-$1.log" 2>/dev/null | tail -1 | grep -o '[0-9]*' || echo 0
}
dropped_all() { echo $(( $(dropped A) + $(dropped B) )); }

run_wrk() {  # run_wrk OUT SECONDS URL MODE KEY
  local out=$1 secs=$2 url=$3 mode=$4 key=$5 body=$HARNESS_COPY/wrk/chat.json t=$THREADS
  [ "$mode" = stream ] && body=$HARNESS_COPY/wrk/chat-stream.json
  [ "$CONNS" -lt "$t" ] && t=$CONNS
  local cmd=(taskset -c "$LOADGEN_CPUS" wrk -t"$t" -c"$CONNS" -d"${secs}s" --latency --timeout 10s
             -s "$HARNESS_COPY/wrk/chat.lua" -H "Authorization: Bearer $key" "$url")
  { printf '# WRK_BODY_FILE=%q' "$body"; printf ' %q' "${cmd[@]}"; echo; } | sed "s|$key|<key>|" > "$out"
  WRK_BODY_FILE=$body timeout $((secs + 30)) "${cmd[@]}" >> "$out" 2>&1 || true
}

verify() {  # verify URL MODE KEY: the answer equals the mock's (harness probe.py)
  local body=$HARNESS_COPY/wrk/chat.json
  [ "$2" = stream ] && body=$HARNESS_COPY/wrk/chat-stream.json
  taskset -c "$LOADGEN_CPUS" timeout 30 python3 "$HARNESS_COPY/probe.py" verify "$1" "$body" "$2" -H "Authorization: Bearer $3" \
    || die "verify $1 $2 failed"
}

measure() {  # measure CONFIG MODE KIND URL PIDS...
  local config=$1 mode=$2 kind=$3 url=$4; shift 4
  local gw_pids=() lb_pid p
  lb_pid=$(pid_of nginx-lb || true)
  for p in "$@"; do gw_pids+=("$p"); done
  local label=$config-$mode-$kind key
  key=${KEY_OF[$config-$mode-$kind]:-}
  [ "$config" = direct ] && key=sk-bench-mock
  local raw=$OUT_DIR/raw/$label.txt l0 l1 g0 g1 b0 b1 m0 m1 d0 d1
  local split0="" split=""
  for p in "${gw_pids[@]+"${gw_pids[@]}"}"; do split0="$split0 $(proc_ticks "$p")"; done
  l0=$(load1); g0=$(proc_ticks "${gw_pids[@]+"${gw_pids[@]}"}"); b0=$(proc_ticks ${lb_pid:+$lb_pid}); m0=$(mock_requests); d0=$(dropped_all)
  run_wrk "$raw" "$DURATION" "$url" "$mode" "$key"
  g1=$(proc_ticks "${gw_pids[@]+"${gw_pids[@]}"}"); b1=$(proc_ticks ${lb_pid:+$lb_pid}); l1=$(load1)
  for p in "${gw_pids[@]+"${gw_pids[@]}"}"; do split="$split $(proc_ticks "$p")"; done
  # calls wrk abandoned when its time ended (queued for a reservation, or in flight) still reach the mock: wait until
  # its counter stands still before reading it, so that the row's upstream count is complete (a drain, not a timing)
  m1=$(mock_requests); local mprev=-1 reads=1 i
  for i in $(seq 1 20); do
    [ $((m1 - mprev)) = 1 ] && break   # only our own read since the last one
    mprev=$m1; sleep 0.5; m1=$(mock_requests); reads=$((reads + 1))
  done
  d1=$(dropped_all)
  local j
  j=$(grep '^WRKJSON ' "$raw" | tail -1 | cut -d' ' -f2-) || die "wrk produced no result, see $raw"
  python3 - "$j" "$config" "$mode" "$kind" "$CONNS" "$l0" "$l1" "$g0" "$g1" "$b0" "$b1" "$m0" "$m1" "$CLK_TCK" \
      "${#gw_pids[@]}" "${lb_pid:-}" "${KEY_ID[$label]:-}" "$split0" "$split" "$reads" $((d1 - d0)) >> "$OUT_DIR/rows.jsonl" <<'EOF'
import json, sys
a = sys.argv
w = json.loads(a[1])
g0, g1, b0, b1, m0, m1, tck = map(int, a[8:15])
n = max(1, w["requests"])
us = 1e6 / tck
print(json.dumps({
  "config": a[2], "mode": a[3], "key": a[4], "conns": int(a[5]), "load_before": float(a[6]), "load_after": float(a[7]),
  "requests": w["requests"], "non2xx": w["err_status"], "ok": w["requests"] - w["err_status"],
  "socket_errors": w["err_connect"] + w["err_read"] + w["err_write"] + w["err_timeout"],
  "rps": w["rps"], "p50": w["lat_ms"]["p50"], "p99": w["lat_ms"]["p99"],
  "gw_cpu_us_per_req": round((g1 - g0) * us / n, 1) if int(a[15]) else None,
  "lb_cpu_us_per_req": round((b1 - b0) * us / n, 1) if a[16] else None,
  # upstream requests the mock answered during the row (and its drain), minus the stub_status reads themselves
  "mock_requests": m1 - m0 - int(a[20]), "token_id": int(a[17]) if a[17] else None,
  # each instance's share of the gateways' CPU time in the row (A, B): is the load balancer spreading the calls?
  # usage-log rows the gateways reported dropped (full queue) between the row's start and the end of its drain
  "rows_dropped": int(a[21]),
  "gw_cpu_split": [int(t1) - int(t0) for t0, t1 in zip(a[18].split(), a[19].split())],
}))
EOF
  tail -1 "$OUT_DIR/rows.jsonl" | python3 -c "import json,sys; r=json.load(sys.stdin); print(f\"  {r['config']:>7} {r['mode']:>6} {r['key']:>9}: {r['rps']:>9,.0f} req/s  p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  non-2xx {r['non2xx']}  gw {r['gw_cpu_us_per_req']} us/req  lb {r['lb_cpu_us_per_req']} us/req  load {r['load_before']}->{r['load_after']}\")" >&2
}

run_config() {  # run_config CONFIG
  local config=$1 url pids=()
  case $config in
    direct) url=$MOCK ;;
    one) url=$GW_A; pids=("$(pid_of gateway-A)") ;;
    one+lb) stop_named gateway-B; start_lb 1; url=$LB; pids=("$(pid_of gateway-A)") ;;
    two+lb) [ -n "$(pid_of gateway-B)" ] || start_gateway B "$GATEWAY_B_PORT"; start_lb 2; url=$LB
            pids=("$(pid_of gateway-A)" "$(pid_of gateway-B)") ;;
    *) die "unknown config $config" ;;
  esac
  log "=== $config"
  local mode kind path
  for mode in $MODES; do
    path=/v1/chat/completions
    [ "$config" = direct ] && [ "$mode" = stream ] && path=/stream/v1/chat/completions
    if [ "$config" != direct ]; then
      verify "$url$path" "$mode" "${KEY_OF[warmup]}"
      local w=$WARMUP; [ "$mode" = stream ] && w=3
      log "  warm-up ${w}s ($mode)"
      run_wrk "$OUT_DIR/raw/$config-$mode-warmup.txt" "$w" "$url$path" "$mode" "${KEY_OF[warmup]}"
    fi
    for kind in $KEYS; do
      [ "$config" = direct ] && [ "$kind" != unlimited ] && continue
      measure "$config" "$mode" "$kind" "$url$path" "${pids[@]+"${pids[@]}"}"
    done
  done
  case $config in *+lb) stop_named nginx-lb ;; esac
}

# ------------------------------------------------------------------ main
[ "$(id -u)" = 0 ] || die "run as root (eng/start-postgres.sh manages the postgres service)"
for c in nginx wrk curl jq psql python3 taskset dotnet; do command -v $c >/dev/null || die "$c not found (the harness's setup.sh installs nginx-light and wrk)"; done
[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || die "nginx echo module missing: apt-get install -y nginx-light"
[ -f "$HARNESS/mock/nginx.conf" ] || die "load harness not found at $HARNESS (set HARNESS)"
mkdir -p "$OUT_DIR/raw" "$WORK_DIR"
: > "$OUT_DIR/rows.jsonl"

HARNESS_COPY=$WORK_DIR/harness
rm -rf "$HARNESS_COPY"; mkdir -p "$HARNESS_COPY"
cp -r "$HARNESS/mock" "$HARNESS/wrk" "$HARNESS/probe.py" "$HARNESS_COPY/"
mkdir -p "$HARNESS_COPY/.run/nginx-tmp"

if [ "$PUBLISH" = 1 ]; then
  log "publishing samples/LlmRelay.Gateway (Release, linux-x64, ReadyToRun) into $WORK_DIR/publish"
  rm -rf "$WORK_DIR/publish"
  dotnet publish "$REPO/samples/LlmRelay.Gateway" -c Release -r linux-x64 --self-contained false -o "$WORK_DIR/publish" -v q \
    > "$OUT_DIR/publish.log" 2>&1 || { tail -20 "$OUT_DIR/publish.log" >&2; die "publish failed"; }
fi
[ -f "$WORK_DIR/publish/LlmRelay.Gateway.dll" ] || die "no published gateway in $WORK_DIR/publish (PUBLISH=1)"

PG_BASE=$(bash "$REPO/eng/start-postgres.sh" | tail -n 1)
[ "$REDIS" = 1 ] && bash "$REPO/eng/start-redis.sh" >/dev/null
psql_admin -c "CREATE DATABASE $DB_NAME" >/dev/null; DB_CREATED=1
log "database $DB_NAME on 127.0.0.1:5432$([ "$REDIS" = 1 ] && echo ", Redis 127.0.0.1:6379")"

{
  echo "date_utc: $(date -u '+%Y-%m-%d %H:%M:%S'); head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "host: nproc=$(nproc), cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel=$(uname -r)"
  echo "nginx $(nginx -v 2>&1 | cut -d/ -f2), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), dotnet $(dotnet --version), $(psql_admin -c 'SHOW server_version' | head -1 | sed 's/^/PostgreSQL /'), synchronous_commit=$(psql_admin -c 'SHOW synchronous_commit')"
  echo "settings: CONFIGS='$CONFIGS' MODES='$MODES' KEYS='$KEYS' CONNS=$CONNS THREADS=$THREADS DURATION=$DURATION WARMUP=$WARMUP LOADGEN_CPUS=$LOADGEN_CPUS GATEWAY_CPUS=$GATEWAY_CPUS REDIS=$REDIS"
  echo "uptime before: $(uptime)"
} > "$OUT_DIR/meta.txt"
cat "$OUT_DIR/meta.txt" >&2

port_busy "$MOCK_PORT" && die "port $MOCK_PORT already in use (not started by this script)"
[ "$MOCK_PORT" != 18080 ] && sed -i "s/127\.0\.0\.1:18080/127.0.0.1:$MOCK_PORT/" "$HARNESS_COPY/mock/nginx.conf"
log "starting nginx mock on $MOCK, cores $LOADGEN_CPUS"
taskset -c "$LOADGEN_CPUS" nginx -p "$HARNESS_COPY/mock/" -c "$HARNESS_COPY/mock/nginx.conf" -e "$HARNESS_COPY/.run/nginx-error.log" \
  > "$OUT_DIR/mock.out" 2>&1 &
STARTED+=("$!:nginx-mock")
wait_http "$MOCK/health" 10 "$!" || die "nginx mock did not come up"

start_gateway A "$GATEWAY_A_PORT"

# root, access token, channel, user, keys: all through the management and admin APIs of instance A
need_success "$(curl -sS -m 30 -X POST "$GW_A/api/setup" -H 'Content-Type: application/json' \
  -d "{\"username\":\"root\",\"password\":\"$ROOT_PASSWORD\"}")" "POST /api/setup"
need_success "$(curl -sS -m 30 -c "$WORK_DIR/root.cookies" -X POST "$GW_A/api/user/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"root\",\"password\":\"$ROOT_PASSWORD\"}")" "root login"
ROOT_TOKEN=$(curl -sS -m 30 -b "$WORK_DIR/root.cookies" "$GW_A/api/user/token" | jq -r .data)
ROOT_ID=$(curl -sS -m 30 -b "$WORK_DIR/root.cookies" "$GW_A/api/user/self" | jq -r .data.id)
need_success "$(api POST /api/channel/ '{"mode":"single","channel":{"name":"mock","type":"openai","base_url":"'"$MOCK"'/auto/v1","key":"sk-bench-mock-upstream","models":"'"$MODEL"'","group":"default"}}')" "POST /api/channel/"
need_success "$(api POST /api/user/ '{"username":"bench","password":"'"$USER_PASSWORD"'","quota":'"$USER_QUOTA"'}')" "POST /api/user/"
need_success "$(curl -sS -m 30 -c "$WORK_DIR/user.cookies" -X POST "$GW_A/api/user/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$USER_PASSWORD\"}")" "user login"
USER_ID=$(curl -sS -m 30 -b "$WORK_DIR/user.cookies" "$GW_A/api/user/self" | jq -r .data.id)
new_key unlimited warmup
for config in $CONFIGS; do
  [ "$config" = direct ] && continue
  for mode in $MODES; do for kind in $KEYS; do new_key "$kind" "$config-$mode-$kind"; done; done
done
log "root $ROOT_ID, user $USER_ID, $(( ${#KEY_OF[@]} )) keys created"

for config in $CONFIGS; do run_config "$config"; done

# stop the gateways (SIGTERM: queued usage rows are written before exit), then read the database
stop_named nginx-lb; stop_named gateway-B; stop_named gateway-A; stop_named nginx-mock
echo "uptime after: $(uptime)" >> "$OUT_DIR/meta.txt"

python3 - "$OUT_DIR" "$SCRIPT_DIR" <<'EOF' > "$OUT_DIR/table.md"
import json, sys
rows = [json.loads(l) for l in open(f"{sys.argv[1]}/rows.jsonl")]
def f(v, fmt): return "-" if v is None else format(v, fmt)
print("| config | mode | key | req/s | p50 ms | p99 ms | non-2xx | gateway CPU µs/req | nginx LB CPU µs/req | CPU A:B | usage rows dropped | load 1 min before → after |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
for r in rows:
    print(f"| {r['config']} | {r['mode']} | {r['key'] if r['config'] != 'direct' else '-'} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
          f"{r['non2xx'] + r['socket_errors']} | {f(r['gw_cpu_us_per_req'], '.0f')} | {f(r['lb_cpu_us_per_req'], '.0f')} | "
          f"{':'.join(str(round(100 * t / max(1, sum(r['gw_cpu_split'])))) for t in r['gw_cpu_split']) if len(r['gw_cpu_split']) > 1 else '-'} | {r['rows_dropped']:,} | "
          f"{r['load_before']:.2f} → {r['load_after']:.2f} |")
EOF

# usage rows against what wrk saw, per key; quota charged against the sum of the rows. A row per call: status 200 for an
# answer (type 2, charged); a call wrk abandoned when its time ended is either answered anyway (status 200: rows over wrk's
# 2xx, at most CONNS), cut while streaming (499, what was delivered is charged) or refused before the upstream while it
# waited for its reservation (status 0, type 4, charged nothing). Rows that reached the upstream = the mock's count.
{
  echo "| row | wrk 2xx | mock requests | rows 200 | rows 200 - 2xx | rows that reached the mock | rows refused before it (charged) | token used_quota | sum(rows.quota) | remain + used = start |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---|"
  ok=1
  while read -r line; do
    tid=$(echo "$line" | jq -r '.token_id // empty'); [ -n "$tid" ] || continue
    label=$(echo "$line" | jq -r '"\(.config) \(.mode) \(.key)"'); wrk_ok=$(echo "$line" | jq -r .ok); mock=$(echo "$line" | jq -r .mock_requests)
    IFS='|' read -r n200 nup n0 n0q sumq used remain unlimited < <(psql_db -c \
      "SELECT count(*) FILTER (WHERE status_code = 200), count(*) FILTER (WHERE status_code <> 0),
              count(*) FILTER (WHERE status_code = 0), count(*) FILTER (WHERE status_code = 0 AND quota <> 0),
              coalesce(sum(quota), 0), (SELECT used_quota FROM tokens WHERE id = $tid), (SELECT remain_quota FROM tokens WHERE id = $tid),
              (SELECT unlimited_quota FROM tokens WHERE id = $tid)
       FROM usage_logs WHERE token_id = $tid")
    balance="-"
    [ "$unlimited" = f ] && { [ $((remain + used)) = "$TOKEN_QUOTA" ] && balance=yes || { balance=NO; ok=0; }; }
    { [ "$n200" -ge "$wrk_ok" ] && [ $((n200 - wrk_ok)) -le "$CONNS" ] && [ "$nup" = "$mock" ] && [ "$n0q" = 0 ] && [ "$used" = "$sumq" ]; } || ok=0
    echo "| $label | $wrk_ok | $mock | $n200 | $((n200 - wrk_ok)) | $nup | $n0 ($n0q) | $used | $sumq | $balance |"
  done < "$OUT_DIR/rows.jsonl"
  IFS='|' read -r uq uused usum resv < <(psql_db -c \
    "SELECT u.quota, u.used_quota, (SELECT coalesce(sum(l.quota),0) FROM usage_logs l JOIN tokens t ON t.id=l.token_id WHERE t.user_id=u.id),
            (SELECT coalesce(sum(amount),0) FROM quota_reservations) FROM users u WHERE u.id=$USER_ID")
  echo
  echo "user bench: quota $uq + used_quota $uused = $((uq + uused)) (start $USER_QUOTA); sum of its keys' rows $usum; reserved and not settled: $resv"
  [ $((uq + uused)) = "$USER_QUOTA" ] && [ "$uused" = "$usum" ] && [ "$resv" = 0 ] || ok=0
  echo "usage-log rows dropped by a full queue (gateway warnings, event 1003, warm-ups included): A $(dropped A), B $(dropped B)"
  echo "usage rows and quota check: $( [ $ok = 1 ] && echo PASSED || echo FAILED )"
} > "$OUT_DIR/checks.txt"

cat "$OUT_DIR/meta.txt"; echo; cat "$OUT_DIR/table.md"; echo; cat "$OUT_DIR/checks.txt"
echo; echo "results: $OUT_DIR"
grep -q PASSED "$OUT_DIR/checks.txt"
