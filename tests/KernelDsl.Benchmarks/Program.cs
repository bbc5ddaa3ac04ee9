using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/KernelDsl.Benchmarks -- --filter '*'
// The median beside the mean: on a shared machine a few slow iterations move the mean, not the median.
BenchmarkSwitcher.FromAssembly(typeof(KernelDsl.Benchmarks.ElementwiseBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.Median));
