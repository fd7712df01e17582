using System.Diagnostics;
using System.Text;

namespace LlmRelay.Templates.Tests.Infrastructure;

/// <summary>Runs the dotnet CLI as a child process with a clean environment, a time limit and captured output.</summary>
public static class ProcessRunner
{
    public static string DotnetPath { get; } = FindDotnet();

    /// <summary>Runs a command (<c>dotnet</c>, or <paramref name="program"/>) to completion and fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> RunAsync(
        string workingDirectory,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null,
        bool check = true,
        string? program = null)
    {
        using var process = Create(workingDirectory, arguments, environment, program);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"'dotnet {string.Join(' ', arguments)}' did not finish in time.\n{Text(output)}");
        }

        process.WaitForExit();
        var text = Text(output);
        if (check && process.ExitCode != 0)
        {
            Assert.Fail($"'dotnet {string.Join(' ', arguments)}' in {workingDirectory} exited with {process.ExitCode}:\n{text}");
        }

        return text;
    }

    /// <summary>Creates (but does not start) a dotnet process (or <paramref name="program"/>) whose environment carries no MSBuild or test-host state of ours.</summary>
    public static Process Create(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment, string? program = null)
    {
        var info = new ProcessStartInfo(program ?? DotnetPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The test host may run under MSBuild-set variables that would point a child build at the wrong SDK state.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("LlmRelay__", StringComparison.OrdinalIgnoreCase) ||
                key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) ||
                key.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase) ||
                key.Equals("ASPNETCORE_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return new Process { StartInfo = info };
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Adds one line of a child process's output to <paramref name="output"/> (called from the output threads).</summary>
    internal static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    /// <summary>The output collected so far.</summary>
    internal static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string FindDotnet()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        // The test host itself runs on the dotnet muxer's shared runtime: <dotnet>/shared/Microsoft.NETCore.App/<version>/.
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var candidate = runtimeDir is null ? null : Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "dotnet"));
        return candidate is not null && File.Exists(candidate) ? candidate : "dotnet";
    }
}
