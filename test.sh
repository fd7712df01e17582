#!/usr/bin/env bash
# Runs every LlmRelay test project and prints one summary line: "tests: N passed, N failed, N skipped".
# PostgreSQL tests run when LLMRELAY_TEST_POSTGRES holds a connection string (see eng/start-postgres.sh);
# without it they are skipped, except under CI=true where they fail.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Test processes are short-lived and share two cores: JIT instrumentation for dynamic PGO and thread-pool spinning
# only take CPU from the tests (the gateway sample and template set the same for small hosts).
export DOTNET_TieredPGO=${DOTNET_TieredPGO:-0} DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet test LlmRelay.sln "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform closes with "total/failed/succeeded/skipped" lines; add them up per project run.
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }'; }
passed=$(sum succeeded); failed=$(sum failed); skipped=$(sum skipped)
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $status -eq 0 && $passed -eq 0 ]]; then
  echo "No test ran." >&2
  exit 1
fi
exit "$status"
