using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// Records what each real CLI sends to its own provider (a tool round trip against the scripted mock, no gateway between)
/// into Agents/Recordings. Runs only when asked (<c>LLMRELAY_AGENT_RECORD=1</c>), after a CLI upgrade in
/// eng/install-agent-clis.sh; <see cref="RecordedAgentRequestTests"/> then replays the new recordings through the gateway.
/// </summary>
public sealed class AgentRecordingTests
{
    public static TheoryData<string> Clis() => [.. AgentCli.All.Select(static c => c.Name)];

    [Theory]
    [MemberData(nameof(Clis))]
    public async Task Record_ToolRoundTrip_SavesTheRequestsTheCliSends(string name)
    {
        if (Environment.GetEnvironmentVariable("LLMRELAY_AGENT_RECORD") != "1")
        {
            Assert.Skip("Records only with LLMRELAY_AGENT_RECORD=1 (and LLMRELAY_AGENT_CLIS).");
        }

        var cli = AgentCli.All.Single(c => c.Name == name);
        await using var upstream = await MockUpstream.StartAsync(ScriptedUpstream.Handler);
        var work = Directory.CreateTempSubdirectory("llmrelay-agent-record-");
        try
        {
            var marker = $"LLMRELAY-MARKER-{Guid.NewGuid():N}";
            var notes = Path.Combine(work.FullName, AgentScript.NotesFile);
            await File.WriteAllTextAsync(notes, marker + "\n", TestContext.Current.CancellationToken);

            var run = await cli.RunAsync(upstream.BaseUrl, "sk-recording-key-not-a-secret", $"Read the file {notes} and tell me what it says.", work.FullName, TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

            Assert.True(run.ExitCode == 0 && run.StandardOutput.Contains(AgentScript.Quote(marker), StringComparison.Ordinal), run.ToString());
            AgentRecordings.Save(cli, [.. upstream.Requests]);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
