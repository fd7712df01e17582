namespace LlmRelay.FunctionalTests.Agents;

/// <summary>What one CLI run printed.</summary>
public sealed record AgentRun(AgentCli Cli, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{Cli.Name} exited {(ExitCode < 0 ? "by timeout" : ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))} after {Elapsed.TotalSeconds:F1}s\n--- stdout\n{StandardOutput}\n--- stderr\n{Tail(StandardError)}";

    private static string Tail(string text) => text.Length > 3000 ? "..." + text[^3000..] : text;
}
