namespace LlmRelay.Health;

/// <summary>A point-in-time view of one channel key's health, for the management API and status page.</summary>
/// <param name="State">The circuit state.</param>
/// <param name="Calls">The calls recorded in the current sampling window (successes and transient failures).</param>
/// <param name="Failures">The transient failures recorded in the current sampling window.</param>
/// <param name="OpenUntil">When <paramref name="State"/> is <see cref="ChannelKeyState.Open"/>, the time the break ends; otherwise <see langword="null"/>.</param>
/// <param name="DisabledReason">When <paramref name="State"/> is <see cref="ChannelKeyState.Disabled"/>, why; otherwise <see langword="null"/>.</param>
/// <param name="DisabledAt">When <paramref name="State"/> is <see cref="ChannelKeyState.Disabled"/>, since when; otherwise <see langword="null"/>.</param>
internal readonly record struct ChannelKeyHealth(
    ChannelKeyState State,
    int Calls,
    int Failures,
    DateTimeOffset? OpenUntil,
    string? DisabledReason,
    DateTimeOffset? DisabledAt)
{
    /// <summary>Gets the health of a key that has no recorded calls.</summary>
    public static ChannelKeyHealth Healthy => default;
}
