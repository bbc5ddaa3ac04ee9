#!/usr/bin/env bash
# Measures what KernelDsl's generator and analyzer add to the build of a project with 200 kernels
# (docs/performance.md). Writes the project under a temporary folder, builds it cold with and
# without KernelDsl's analyzers (the source is the same; without them nothing is generated), and
# prints the compiler's own timing of each analyzer and generator (-p:ReportAnalyzer=true).
#   eng/measure-build.sh [runs]      (default 3 rounds of the builds; medians, and the median of the rounds' differences)
#   KEEP=1 eng/measure-build.sh      keeps the generated project (its path is in /tmp/kerneldsl-build-*)
#   eng/measure-build.sh --in-process  only the in-process measurements (eng/BuildCost), no builds
#   KERNELDSL_DUMP_GENERATED=dir / KERNELDSL_COMPARE_GENERATED=dir: see eng/BuildCost/Program.cs
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
in_process_only=
[ "${1:-}" = --in-process ] && { in_process_only=1; shift; }
runs=${1:-3}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build src/KernelDsl/KernelDsl.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build analyzers/KernelDsl.Analyzers/KernelDsl.Analyzers.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
bin=$repo/src/KernelDsl/bin/Release/net10.0
gen=$repo/generators/KernelDsl.Generators/bin/Release/netstandard2.0
ana=$repo/analyzers/KernelDsl.Analyzers/bin/Release/netstandard2.0

work=$(mktemp -d /tmp/kerneldsl-build-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cat >"$work/Kernels200.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <Deterministic>true</Deterministic>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="System.Numerics.Tensors" Version="11.0.0" />
    <Reference Include="$bin/KernelDsl.dll" />
  </ItemGroup>
  <ItemGroup Condition="'\$(WithKernelDsl)' != 'false'">
    <Analyzer Include="$gen/KernelDsl.Generators.dll;$gen/KernelDsl.Compiler.dll;$ana/KernelDsl.Analyzers.dll" />
  </ItemGroup>
  <!-- What the generator wrote, compiled as ordinary source files without the generator and the
       analyzer: separates the cost of the generated code from the cost of generating it. -->
  <ItemGroup>
    <Compile Remove="Generated/**" />
    <Compile Include="Generated/**/*.cs" Condition="'\$(WithGeneratedSources)' == 'true'" />
  </ItemGroup>
</Project>
PROJ

# 20 files of 10 kernels: elementwise, softmax, layer norm, dense and attention, each one distinct.
for f in $(seq 0 19); do
  {
    printf 'using System.Numerics.Tensors;\nusing KernelDsl;\nusing static KernelDsl.Ops;\n\nnamespace Bench;\n\npublic static partial class File%d\n{\n' "$f"
    for k in $(seq 0 9); do
      i=$((f * 10 + k))
      case $((i % 5)) in
        0) printf '    [Kernel] public static Tensor<float> K%d(Tensor<float> x, float a) => 0.5f * x * (1f + Tanh(0.7978845f * (x + 0.0447%df * x * x * x))) + a;\n' "$i" "$i" ;;
        1) printf '    [Kernel] public static Tensor<float> K%d([Shape("B", "N")] Tensor<float> x) => Softmax(x * %d.5f, axis: -1);\n' "$i" "$i" ;;
        2) printf '    [Kernel] public static Tensor<float> K%d([Shape("B", "N")] Tensor<float> x, [Shape("N")] Tensor<float> g, [Shape("N")] Tensor<float> b) => LayerNorm(x + %d.25f, g, b);\n' "$i" "$i" ;;
        3) printf '    [Kernel] public static Tensor<float> K%d([Shape("B", "K")] Tensor<float> x, [Shape("K", "N")] Tensor<float> w, [Shape("N")] Tensor<float> b) => Relu(MatMul(x, w) + b) * %d.5f;\n' "$i" "$i" ;;
        4) printf '    [Kernel] public static Tensor<float> K%d([Shape("H", "T", "D")] Tensor<float> q, [Shape("H", "T", "D")] Tensor<float> k, [Shape("H", "T", "D")] Tensor<float> v) => MatMul(Softmax(MatMul(q, Transpose(k)) * %d.125f, axis: -1), v);\n' "$i" "$i" ;;
      esac
    done
    printf '}\n'
  } >"$work/File$f.cs"
done

if [ -n "$in_process_only" ]; then
  dotnet run -c Release --project "$repo/eng/BuildCost" -- "$work" File7.cs "71.5f" "71.75f"
  exit
fi

cd "$work"
dotnet restore -nologo >/dev/null

# One cold compile: obj/bin removed except the restore output. Each is measured twice: with the
# compiler server (the default on a developer's machine: the compiler and the loaded generator stay
# warm between builds, as in an edit-build loop) and with a new compiler process per build
# (UseSharedCompilation=false, as on machines that disable the server, CI among them: the compiler
# and the generator are loaded and JIT-compiled every time).
clean() {
  find obj -mindepth 1 -maxdepth 1 ! -name '*.json' ! -name '*.props' ! -name '*.targets' ! -name '*.cache' -exec rm -rf {} +
  rm -rf bin
}
build() { # $1 = true|false|sources: with KernelDsl's generator and analyzer, without, or without them but with the files they generate; $2 = true|false: compiler server
  clean
  local start end kerneldsl=$1 sources=false
  [ "$1" = sources ] && kerneldsl=false sources=true
  start=$(date +%s%N)
  dotnet build --no-restore -c Release -nologo -p:WithKernelDsl="$kerneldsl" -p:WithGeneratedSources="$sources" -p:UseSharedCompilation="$2" >"build-$1.log" 2>&1 || { cat "build-$1.log"; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

echo "kernels: 200 in 20 files"
build false true >/dev/null # start the build and compiler servers
build true true >/dev/null  # and load the generator and analyzer into the compiler server
# Keep what the generator wrote, for the builds that compile it as ordinary source files.
clean; rm -rf Generated
dotnet build --no-restore -c Release -nologo -p:EmitCompilerGeneratedFiles=true -p:CompilerGeneratedFilesOutputPath=Generated >/dev/null 2>&1
find Generated -name '*.cs' | grep -q . || { echo "the generator wrote no files" >&2; exit 1; }
build sources true >/dev/null
for server in true false; do
  with=() without=() sources=()
  for r in $(seq 1 "$runs"); do
    without+=("$(build false "$server")")
    with+=("$(build true "$server")")
    sources+=("$(build sources "$server")")
  done
  [ "$server" = true ] && mode="compiler server, warm" || mode="new compiler process per build"
  echo "cold build ($mode) without KernelDsl's generator and analyzer (ms): ${without[*]}  median $(printf '%s\n' "${without[@]}" | median)"
  echo "cold build ($mode) with them (ms): ${with[*]}  median $(printf '%s\n' "${with[@]}" | median)"
  echo "cold build ($mode) without them, the generated files compiled as sources (ms): ${sources[*]}  median $(printf '%s\n' "${sources[@]}" | median)"
  # Each round builds the three ways back to back, so a round's differences share the machine's
  # state of that moment: their median is steadier on a noisy machine than a difference of medians.
  added=() added_sources=()
  for r in $(seq 0 $((runs - 1))); do
    added+=($((with[r] - without[r])))
    added_sources+=($((sources[r] - without[r])))
  done
  echo "added to a cold build ($mode), median of the rounds' differences (ms): $(printf '%s\n' "${added[@]}" | median) (rounds: ${added[*]}); the generated files alone: $(printf '%s\n' "${added_sources[@]}" | median)"
done

# The compiler's own account of one build with them. -p:ReportAnalyzer runs csc as a new process
# (no compiler server), so these times include loading and JIT-compiling each analyzer.
clean
dotnet build --no-restore -c Release -nologo -v:d -p:ReportAnalyzer=true -p:EmitCompilerGeneratedFiles=true >report.log 2>&1
echo "generated: $(find obj -name '*.g.cs' | wc -l) files, $(find obj -name '*.g.cs' -exec cat {} + | wc -l) lines"
echo "compiler's report (csc without the compiler server):"
grep -E 'Total (analyzer|generator) execution time|^ +[0-9.<]+ +[0-9<]+ +KernelDsl\.(Generators|Analyzers),' report.log | sed -E 's/^ +/  /'

# In process, warm: a cold generator run, a one-kernel edit, and the analyzer on the edited kernel.
dotnet run -c Release --project "$repo/eng/BuildCost" -- "$work" File7.cs "71.5f" "71.75f"
