namespace LlmRelay.Health;

/// <summary>Options for the per-key circuit breaker, bound to the <c>LlmRelay:Health</c> configuration section.</summary>
/// <remarks>
/// The breaker works like Polly's circuit breaker: over a sliding window of <see cref="SamplingDuration"/>, once at
/// least <see cref="MinimumThroughput"/> calls were made and the share of transient failures reaches
/// <see cref="FailureRatio"/>, the key is refused for <see cref="BreakDuration"/>. Then one probe call is let through;
/// its success closes the breaker, its failure opens it again. Definitive failures (an invalid key, exhausted billing)
/// bypass the breaker and disable the key until it is enabled again.
/// </remarks>
public sealed class ChannelHealthOptions
{
    /// <summary>Gets or sets the share of failed calls in the sampling window that opens the breaker, in (0, 1].</summary>
    /// <value>The default value is 0.5.</value>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets how many calls the sampling window must hold before the failure ratio is considered.</summary>
    /// <value>The default value is 5. It must be at least 2, so that one bad response never opens the breaker.</value>
    public int MinimumThroughput { get; set; } = 5;

    /// <summary>Gets or sets the length of the sliding window over which calls and failures are counted.</summary>
    /// <value>The default value is 60 seconds. The window slides in tenths of this duration.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long an open breaker refuses calls before it lets one probe through.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how often keys disabled by a definitive failure are re-tested with a one-token call; a key that answers is enabled again.</summary>
    /// <value>The default value is <see langword="null"/>: disabled keys stay disabled until an administrator enables them.</value>
    public TimeSpan? RetestInterval { get; set; }

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (!(FailureRatio > 0 && FailureRatio <= 1))
        {
            failures.Add($"{section}:FailureRatio must be greater than 0 and at most 1.");
        }

        if (MinimumThroughput < 2)
        {
            failures.Add($"{section}:MinimumThroughput must be at least 2.");
        }

        if (SamplingDuration <= TimeSpan.Zero || SamplingDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:SamplingDuration must be greater than zero and at most one day.");
        }

        if (BreakDuration <= TimeSpan.Zero || BreakDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:BreakDuration must be greater than zero and at most one day.");
        }

        if (RetestInterval is { } retest && (retest <= TimeSpan.Zero || retest > TimeSpan.FromDays(1)))
        {
            failures.Add($"{section}:RetestInterval must be greater than zero and at most one day.");
        }
    }
}
