using BenchmarkDotNet.Running;
using LlmRelay.Benchmarks;

// `logwrite sqlite|postgres ...`, `logquery-indexes` and `upload-memory [gateway.dll] [MiB]` are console measurements
// (UsageLogWriteBenchmark, UsageLogIndexUsage, UploadMemoryBenchmark);
// anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "logwrite")
{
    return await UsageLogWriteBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "upload-memory")
{
    return await UploadMemoryBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "logquery-indexes")
{
    return await UsageLogIndexUsage.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
