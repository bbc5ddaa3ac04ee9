using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/KernelDsl.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(KernelDsl.Benchmarks.ElementwiseBenchmarks).Assembly).Run(args);
