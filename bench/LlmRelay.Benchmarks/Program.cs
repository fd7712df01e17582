using BenchmarkDotNet.Running;
using LlmRelay.Benchmarks;

// `logwrite sqlite|postgres ...` is a console measurement (see UsageLogWriteBenchmark); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "logwrite")
{
    return await UsageLogWriteBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
