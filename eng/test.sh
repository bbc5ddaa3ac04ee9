#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, builds the solution, runs every test
# project, and ends with one line summing them all up: "N passed, N failed, N skipped".
# Exit status: 0 only if the build succeeded and no test failed.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 1. Prerequisites. The tests need only the .NET 10 SDK (NuGet packages restore from the registry).
#    Debian's own archive has no .NET SDK; where a configured apt source offers it, install it.
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK is missing; trying apt-get install dotnet-sdk-10.0" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq dotnet-sdk-10.0
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq dotnet-sdk-10.0
  fi
  command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET 10 SDK is required (https://dot.net); install it and rerun" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi

# 2. Build everything once, in Release: the kernels' speed and the packaged code are Release code.
if ! dotnet build KernelDsl.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "error: the build failed" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# 3. Run each test project in turn (they use both cores themselves) and add up their summaries.
passed=0 failed=0 skipped=0 status=0
# Runs one test project (with any extra `dotnet test` arguments) and adds its summary to the totals.
run_project() {
  local label=$1 project=$2
  shift 2
  echo "== $label"
  local log
  log=$(mktemp)
  dotnet test "$project" -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
  local summary
  summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    echo "error: $label printed no test summary (the test host crashed or did not start)" >&2
    failed=$((failed + 1)) status=1
  else
    local f p s
    f=$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")
    p=$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")
    s=$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    [ "$f" -eq 0 ] || status=1
  fi
  rm -f "$log"
}

for project in tests/*/*.Tests.csproj; do
  run_project "$(basename "$project" .csproj)" "$project"
done

# 4. The random kernels again on the narrower vector paths, which this machine's widest one hides:
#    Vector256 (AVX-512 off), Vector128 without FMA (AVX2 off) and scalar (no hardware intrinsics).
for knob in DOTNET_EnableAVX512 DOTNET_EnableAVX2 DOTNET_EnableHWIntrinsic; do
  run_project "KernelDsl.Generators.Tests, random kernels with $knob=0" tests/KernelDsl.Generators.Tests/KernelDsl.Generators.Tests.csproj \
    --filter "FullyQualifiedName~RandomKernelTests" -e "$knob=0"
done

echo "$passed passed, $failed failed, $skipped skipped"
exit $status
