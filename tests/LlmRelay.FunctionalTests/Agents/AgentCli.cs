using System.Diagnostics;
using System.Text;
using LlmRelay.Templates.Tests.Infrastructure;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// One coding-agent CLI (Claude Code, Codex CLI, Gemini CLI) installed by eng/install-agent-clis.sh, run non-interactively
/// against a gateway the way docs/coding-agents.md tells a user to: a fresh HOME, a clean environment, stdin closed,
/// telemetry, update checks and plugins off, so it reaches nothing but the loopback gateway.
/// </summary>
public sealed class AgentCli
{
    /// <summary>The variable naming the folder that holds the claude, codex and gemini commands.</summary>
    public const string FolderVariable = "LLMRELAY_AGENT_CLIS";

    private AgentCli(string name, string command, string model, string version)
    {
        Name = name;
        Command = command;
        Model = model;
        Version = version;
    }

    /// <summary>Claude Code: Anthropic Messages, <c>POST /v1/messages</c>, its session in <c>x-claude-code-session-id</c>.</summary>
    public static AgentCli ClaudeCode { get; } = new("claude", "claude", "claude-sonnet-4-5", "2.1.332");

    /// <summary>Codex CLI: OpenAI Responses, <c>POST /v1/responses</c>.</summary>
    public static AgentCli Codex { get; } = new("codex", "codex", "gpt-5-codex", "0.171.0");

    /// <summary>Gemini CLI: Gemini <c>streamGenerateContent</c>.</summary>
    public static AgentCli Gemini { get; } = new("gemini", "gemini", "gemini-2.5-pro", "0.61.0");

    public static IReadOnlyList<AgentCli> All { get; } = [ClaudeCode, Codex, Gemini];

    public string Name { get; }

    public string Command { get; }

    /// <summary>The model the CLI asks the gateway for.</summary>
    public string Model { get; }

    /// <summary>The version pinned in eng/install-agent-clis.sh, checked against <c>--version</c>.</summary>
    public string Version { get; }

    public override string ToString() => Name;

    /// <summary>The installed CLIs' folder; skips the test when <see cref="FolderVariable"/> is unset, fails it under CI=true.</summary>
    public static string Folder()
    {
        var folder = Environment.GetEnvironmentVariable(FolderVariable);
        if (string.IsNullOrEmpty(folder))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"CI must provide {FolderVariable} (see .ci/run and eng/install-agent-clis.sh).");
            Assert.Skip($"The coding-agent CLI tests need {FolderVariable} (export {FolderVariable}=\"$(bash eng/install-agent-clis.sh | tail -n 1)\").");
        }

        Assert.True(Directory.Exists(folder), $"{FolderVariable}={folder} is not a folder.");
        return folder;
    }

    /// <summary>Runs the CLI once with <paramref name="prompt"/> in <paramref name="workDirectory"/> against <paramref name="gatewayOrigin"/>.</summary>
    public async Task<AgentRun> RunAsync(string gatewayOrigin, string key, string prompt, string workDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var home = Directory.CreateTempSubdirectory("llmrelay-agent-home-").FullName;
        try
        {
            var info = new ProcessStartInfo(Path.Combine(Folder(), Command))
            {
                WorkingDirectory = workDirectory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment.Clear();
            info.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
            info.Environment["HOME"] = home;
            info.Environment["LANG"] = "C.UTF-8";
            info.Environment["TMPDIR"] = home;
            foreach (var argument in Configure(home, gatewayOrigin.TrimEnd('/'), key, prompt, info.Environment))
            {
                info.ArgumentList.Add(argument);
            }

            using var process = new Process { StartInfo = info };
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) => ProcessRunner.Append(stdout, e.Data);
            process.ErrorDataReceived += (_, e) => ProcessRunner.Append(stderr, e.Data);
            var started = Stopwatch.GetTimestamp();
            process.Start();
            process.StandardInput.Close(); // stdin at end of file, as </dev/null
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            var timedOut = false;
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            process.WaitForExit(); // drains the redirected output
            return new AgentRun(this, timedOut ? -1 : process.ExitCode, ProcessRunner.Text(stdout), ProcessRunner.Text(stderr), Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Writes the CLI's configuration into <paramref name="home"/> and its environment; returns its arguments.</summary>
    private IEnumerable<string> Configure(string home, string origin, string key, string prompt, IDictionary<string, string?> environment)
    {
        switch (Name)
        {
            case "claude":
                environment["ANTHROPIC_BASE_URL"] = origin;
                environment["ANTHROPIC_AUTH_TOKEN"] = key;
                environment["ANTHROPIC_MODEL"] = Model;
                environment["ANTHROPIC_SMALL_FAST_MODEL"] = Model;
                environment["DISABLE_TELEMETRY"] = "1";
                environment["DISABLE_AUTOUPDATER"] = "1";
                environment["DISABLE_ERROR_REPORTING"] = "1";
                environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
                return ["-p", prompt, "--model", Model, "--allowedTools", "Read"];
            case "codex":
                var codexHome = Directory.CreateDirectory(Path.Combine(home, ".codex")).FullName;
                File.WriteAllText(Path.Combine(codexHome, "config.toml"), CodexConfig(origin));
                environment["CODEX_HOME"] = codexHome;
                environment["LLMRELAY_API_KEY"] = key;
                return ["exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-m", Model, prompt];
            default:
                var geminiHome = Directory.CreateDirectory(Path.Combine(home, ".gemini")).FullName;
                File.WriteAllText(Path.Combine(geminiHome, "settings.json"), GeminiSettings);
                environment["GOOGLE_GEMINI_BASE_URL"] = origin;
                environment["GEMINI_API_KEY"] = key;
                environment["GEMINI_CLI_TRUST_WORKSPACE"] = "true";
                return ["-p", prompt, "-m", Model];
        }
    }

    /// <summary>Codex's config.toml for a gateway at <paramref name="origin"/> (the text docs/coding-agents.md shows).</summary>
    public static string CodexConfig(string origin) => $$"""
        model_provider = "llmrelay"

        [model_providers.llmrelay]
        name = "LlmRelay"
        base_url = "{{origin}}/v1"
        wire_api = "responses"
        env_key = "LLMRELAY_API_KEY"

        [features]
        plugins = false
        remote_plugin = false
        plugin_sharing = false
        apps = false

        """;

    /// <summary>Gemini CLI's ~/.gemini/settings.json (the text docs/coding-agents.md shows).</summary>
    public const string GeminiSettings = """
        {
          "security": { "auth": { "selectedType": "gemini-api-key" } },
          "privacy": { "usageStatisticsEnabled": false },
          "telemetry": { "enabled": false },
          "general": { "disableAutoUpdate": true, "disableUpdateNag": true }
        }

        """;
}
