#!/usr/bin/env bash
# Installs the coding-agent CLIs that tests/LlmRelay.FunctionalTests/Agents runs against the gateway
# (Claude Code, Codex CLI, Gemini CLI), pinned, from npm, into a cache folder outside the repository.
# Idempotent: when the pinned versions are already there it installs nothing.
# Usage: eng/install-agent-clis.sh [folder]   (default: $LLMRELAY_AGENT_CLIS_CACHE or ~/.cache/llmrelay-agent-clis)
# The last line printed is the folder holding the claude, codex and gemini commands (LLMRELAY_AGENT_CLIS).
set -euo pipefail

# The versions the tests and docs/coding-agents.md were checked with (npm view <package> version, December 2026).
packages=(
  "@anthropic-ai/claude-code@2.1.332"
  "@openai/codex@0.171.0"
  "@google/gemini-cli@0.61.0"
)

root="${1:-${LLMRELAY_AGENT_CLIS_CACHE:-${HOME}/.cache/llmrelay-agent-clis}}"
pins="$(printf '%s\n' "${packages[@]}")"
stamp="${root}/installed.txt"
bin="${root}/node_modules/.bin"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$pins" && -x "${bin}/claude" && -x "${bin}/codex" && -x "${bin}/gemini" ]]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }
mkdir -p "$root"
rm -f "$stamp"
[[ -f "${root}/package.json" ]] || echo '{ "name": "llmrelay-agent-clis", "private": true }' > "${root}/package.json"
# --ignore-scripts: no dependency's install hook runs. The native binaries come in per-platform optional packages;
# Codex finds its own at run time, Claude Code's one hook only hard-links (or copies) its binary into bin/claude.exe,
# so that hook, and only it, is run by hand.
npm install --prefix "$root" --no-audit --no-fund --no-save --ignore-scripts --loglevel=error "${packages[@]}" >&2
(cd "${root}/node_modules/@anthropic-ai/claude-code" && node install.cjs >&2)
for cli in claude codex gemini; do
  "${bin}/${cli}" --version >&2 || { echo "${cli} does not run after install" >&2; exit 1; }
done
printf '%s\n' "$pins" > "$stamp"
echo "$bin"
