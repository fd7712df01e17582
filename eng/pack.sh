#!/usr/bin/env bash
# Builds the LlmRelay NuGet packages (Formats, Core, Storage.EfCore, AspNetCore) and the `dotnet new` templates
# package into one local folder, for using LlmRelay before the packages are on a registry (issue #15).
#
# Usage: eng/pack.sh [-o DIR] [-c CONFIGURATION] [--version VERSION] [--no-build] [-- MSBUILD-ARGS...]
#   -o, --output         the folder (default: artifacts/packages in the repository)
#   -c, --configuration  Release (default) or Debug
#   --version            the package version (default: VersionPrefix of Directory.Build.props, which the templates
#                        reference; another version needs -p:LlmRelayVersion=VERSION when building a generated project)
#   --no-build           pack the src projects as they are already built in CONFIGURATION
#   -- MSBUILD-ARGS      passed on to every dotnet pack (e.g. -p:UseSharedCompilation=false)
#
# Then:
#   dotnet new install artifacts/packages/LlmRelay.Templates.<version>.nupkg
#   dotnet nuget add source "$PWD/artifacts/packages" --name llmrelay-local
#   dotnet new llmrelay -o MyGateway && cd MyGateway && dotnet run
# The test fixture of tests/LlmRelay.Templates.Tests packs through this script, so every template test runs on its output.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/artifacts/packages"
configuration=Release
version=""
no_build=()
extra=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    -o|--output) out="$2"; shift 2 ;;
    -c|--configuration) configuration="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --no-build) no_build=(--no-build); shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pack: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$version" ]]; then
  version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props" | head -n 1)"
fi
if [[ -z "$version" ]]; then
  echo "pack: no VersionPrefix in Directory.Build.props; pass --version" >&2
  exit 1
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

packages=(LlmRelay.Formats LlmRelay.Core LlmRelay.Storage.EfCore LlmRelay.AspNetCore)
for id in "${packages[@]}" LlmRelay.Templates; do
  rm -f "$out/$id.$version.nupkg" "$out/$id.$version.snupkg"
done

for id in "${packages[@]}"; do
  echo "pack: $id $version" >&2
  dotnet pack "$root/src/$id/$id.csproj" -c "$configuration" -p:Version="$version" -o "$out" -nodeReuse:false -v q "${no_build[@]}" "${extra[@]}" >&2
done
echo "pack: LlmRelay.Templates $version" >&2
dotnet pack "$root/templates/LlmRelay.Templates.csproj" -c "$configuration" -p:Version="$version" -o "$out" -nodeReuse:false -v q "${extra[@]}" >&2

# A restore keeps each package version it extracted in the global packages folder and never looks at the source again:
# drop the copies of this version of our own packages, so projects restore what was just packed.
global="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for id in "${packages[@]}"; do
  lower="$(echo "$id" | tr '[:upper:]' '[:lower:]')"
  rm -rf "${global:?}/$lower/$version"
done

for id in "${packages[@]}" LlmRelay.Templates; do
  if [[ ! -f "$out/$id.$version.nupkg" ]]; then
    echo "pack: $out/$id.$version.nupkg was not produced" >&2
    exit 1
  fi
done

cat >&2 <<NEXT
pack: done. The packages are in $out. Use them with:
  dotnet new install "$out/LlmRelay.Templates.$version.nupkg"
  dotnet nuget add source "$out" --name llmrelay-local
  dotnet new llmrelay -o MyGateway
NEXT
echo "$out"
