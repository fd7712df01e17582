namespace LlmRelay.Health;

/// <summary>The outcome of <see cref="ChannelProbe.GetBalanceAsync"/>: the account balance an upstream reports, or why there is none.</summary>
/// <param name="Balance">The balance in the upstream's currency; <see langword="null"/> on failure.</param>
/// <param name="Error">Why the balance could not be read; <see langword="null"/> on success.</param>
/// <param name="Unsupported">Whether the channel's type has no balance API here (as opposed to a failed query).</param>
public sealed record ChannelBalanceResult(double? Balance, string? Error, bool Unsupported = false);
