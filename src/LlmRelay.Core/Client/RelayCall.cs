using LlmRelay.Tokens;
using LlmRelay.Usage;

namespace LlmRelay.Client;

/// <summary>The state of one <see cref="RelayChatClient"/> call: who pays, what was asked, and the usage-log row it fills.</summary>
internal sealed class RelayCall(TokenEntry? token, string group, string routingModel, UsageLog log, long started)
{
    /// <summary>Gets the gateway token, or <see langword="null"/> for the in-process identity.</summary>
    public TokenEntry? Token { get; } = token;

    public string Group { get; } = group;

    /// <summary>Gets the model used to select channels (after global aliases).</summary>
    public string RoutingModel { get; } = routingModel;

    public UsageLog Log { get; } = log;

    public long Started { get; } = started;
}
