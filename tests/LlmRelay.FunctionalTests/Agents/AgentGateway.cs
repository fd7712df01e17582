using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// A gateway for the coding agents: one channel of each type, each in its own group with its own gateway key, so every
/// agent asks for its usual model and the key alone chooses the channel type it reaches.
/// </summary>
internal static class AgentGateway
{
    /// <summary>The keyed <c>IChatClient</c> behind the <c>chat-client</c> channel.</summary>
    public const string ChatClientKey = "scripted-agent";

    /// <summary>Every channel type, and the model each maps the agents' models to.</summary>
    public static IReadOnlyList<(string Type, string UpstreamModel)> Channels { get; } =
    [
        ("openai", "gpt-4.1"),
        ("azure", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("gemini", "gemini-2.5-flash"),
        ("deepseek", "deepseek-chat"),
        ("chat-client", "local-model"),
    ];

    /// <summary>The models the agents ask for: their main model and the small ones some use for side calls.</summary>
    public static IReadOnlyList<string> AgentModels { get; } =
        [.. AgentCli.All.Select(static a => a.Model), "claude-haiku-4-5-20251001", "gemini-2.5-flash", "gemini-2.5-flash-lite"];

    public static string KeyFor(string type) => $"sk-agent-{type.Replace("-", "", StringComparison.Ordinal)}-0123456789abcdefghijklmn";

    public static string TokenFor(string type) => "agent-" + type;

    /// <summary>Starts the gateway, every channel on <paramref name="upstreamBaseUrl"/> but the in-process one.</summary>
    public static GatewayFactory Start(string upstreamBaseUrl)
    {
        var parts = new List<Dictionary<string, string?>> { Settings.FlatPrice([.. AgentModels]) };
        for (var i = 0; i < Channels.Count; i++)
        {
            var (type, upstreamModel) = Channels[i];
            parts.Add(Settings.Token(KeyFor(type), TokenFor(type), index: i));
            parts.Add(Settings.Channel(
                i,
                type == "chat-client" ? $"chatclient://{ChatClientKey}" : upstreamBaseUrl,
                [.. AgentModels],
                name: type,
                type: type,
                mapping: AgentModels.ToDictionary(static m => m, _ => upstreamModel)));
            parts.Add(new() { [$"LlmRelay:Tokens:{i}:Group"] = "g-" + type, [$"LlmRelay:Channels:{i}:Group"] = "g-" + type });
        }

        var gateway = new GatewayFactory(Settings.Merge([.. parts]), static services => services.AddKeyedChatClient(ChatClientKey, new ScriptedChatClient()));
        gateway.Start();
        return gateway;
    }

    /// <summary>The usage-log rows of <paramref name="token"/> for <paramref name="model"/>, waiting until at least <paramref name="count"/> are stored.</summary>
    public static async Task<IReadOnlyList<UsageLog>> RowsAsync(GatewayFactory gateway, string token, string model, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var scope = gateway.Services.CreateScope();
            var page = await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(new UsageLogQuery { PageSize = 100, TokenName = token, ModelName = model });
            var rows = page.Items;
            if (rows.Count >= count || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(50);
        }
    }
}
