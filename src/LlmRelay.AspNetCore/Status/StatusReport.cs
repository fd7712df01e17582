using System.ComponentModel;

namespace LlmRelay.AspNetCore.Status;

/// <summary>Infrastructure for the status page's Razor component; not meant to be used directly.</summary>
/// <remarks>What the public status page shows: health, uptime, models, token usage per model and upstream balances. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class StatusReport
{
    internal string Health { get; init; } = "";

    internal TimeSpan Uptime { get; init; }

    internal long HealthChecks { get; init; }

    internal IReadOnlyList<string> Models { get; init; } = [];

    internal IReadOnlyList<ModelUsage> Usage { get; init; } = [];

    internal IReadOnlyList<ChannelBalance> Balances { get; init; } = [];

    internal string GatewayUrl { get; init; } = "";

    internal sealed record ModelUsage(string Model, long Calls, long PromptTokens, long CompletionTokens, bool Estimated);

    internal sealed record ChannelBalance(string Channel, double? Total, double? Used, double Left, DateTimeOffset? UpdatedAt);
}
