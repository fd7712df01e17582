using System.Collections.Concurrent;
using System.Diagnostics;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// The real coding-agent CLIs (eng/install-agent-clis.sh) through a real gateway on Kestrel, against scripted mock
/// upstreams, for every agent and every channel type (issue #16): a plain answer, and a tool round trip in which the
/// upstream calls the agent's own file-reading or shell tool and then quotes what the tool returned.
/// </summary>
/// <remarks>
/// The 36 runs share one gateway and one upstream and run two at a time (the CI host has two cores); each run has its
/// own gateway key (the channel type), its own HOME and its own working folder.
/// </remarks>
public sealed class AgentMatrixTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        AgentCli.Folder();
        _upstream = await MockUpstream.StartAsync(ScriptedUpstream.Handler);
        _gateway = AgentGateway.Start(_upstream.BaseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    [Fact]
    public async Task EveryAgent_OnEveryChannelType_AnswersPlainly_AndRoundTripsATool()
    {
        var cells = (from agent in AgentCli.All
                     from channel in AgentGateway.Channels
                     from tool in (bool[])[false, true]
                     select (agent, channel.Type, tool)).ToList();
        var failures = new ConcurrentBag<string>();
        var started = Stopwatch.GetTimestamp();

        await Parallel.ForEachAsync(cells, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = Ct }, async (cell, ct) =>
        {
            try
            {
                await RunCellAsync(cell.agent, cell.Type, cell.tool, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{cell.agent.Name} on {cell.Type} ({(cell.tool ? "tool round trip" : "plain")}): {e.Message}");
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"{cells.Count} agent runs in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1}s");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cells.Count} runs failed:\n\n{string.Join("\n\n", failures.Order(StringComparer.Ordinal))}");
    }

    private async Task RunCellAsync(AgentCli agent, string channelType, bool tool, CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory($"llmrelay-agent-{agent.Name}-{channelType}-");
        try
        {
            string prompt;
            string expected;
            if (tool)
            {
                var marker = $"LLMRELAY-MARKER-{Guid.NewGuid():N}";
                var notes = Path.Combine(work.FullName, AgentScript.NotesFile);
                await File.WriteAllTextAsync(notes, marker + "\n", ct);
                prompt = $"Read the file {notes} and tell me what it says.";
                expected = AgentScript.Quote(marker);
            }
            else
            {
                prompt = "Answer in one short sentence: what is a gateway?";
                expected = AgentScript.PlainAnswer;
            }

            var token = AgentGateway.TokenFor(channelType);
            var before = (await AgentGateway.RowsAsync(_gateway, token, agent.Model, 0)).Count;
            var run = await agent.RunAsync(_gateway.BaseAddress.ToString(), AgentGateway.KeyFor(channelType), prompt, work.FullName, RunTimeout, ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"{agent.Name} on {channelType} ({(tool ? "tool" : "plain")}): exit {run.ExitCode} in {run.Elapsed.TotalSeconds:F1}s");

            Assert.True(run.ExitCode == 0 && run.StandardOutput.Contains(expected, StringComparison.Ordinal), $"expected \"{expected}\" on stdout; {run}");

            // Every upstream turn is a usage row of this key and model, answered and charged (flat price: one quota a token).
            var turns = tool ? 2 : 1;
            var rows = await AgentGateway.RowsAsync(_gateway, token, agent.Model, before + turns);
            Assert.True(rows.Count >= before + turns, $"expected {turns} new usage rows for {token}/{agent.Model}, found {rows.Count - before}; {run}");
            foreach (var row in rows)
            {
                Assert.True(row.StatusCode == 200, $"usage row {row.Id} has status {row.StatusCode}: {row.Content}");
                Assert.Equal(channelType, row.ChannelName);
                Assert.Equal(AgentTurn.PromptTokens, row.PromptTokens);
                Assert.Equal(AgentTurn.CompletionTokens, row.CompletionTokens);
                Assert.Equal(AgentTurn.PromptTokens + AgentTurn.CompletionTokens, row.Quota);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
