namespace LlmRelay.Configuration;

/// <summary>Options for asynchronous upstream tasks (video generations, issue #17), bound to the <c>LlmRelay:Tasks</c> configuration section.</summary>
/// <remarks>
/// A task is polled first <see cref="PollInterval"/> after it was created, then with the interval doubling after each poll that
/// finds it still running, up to <see cref="MaxPollInterval"/>. A task still running <see cref="Timeout"/> after it was created
/// is failed at the gateway and its charge refunded. Read once at start.
/// </remarks>
public sealed class TaskOptions
{
    /// <summary>Gets or sets the first polling interval, and how often the poller looks for due tasks.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the longest interval between two polls of one task.</summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets how long a task may run before the gateway fails it and refunds its charge.</summary>
    /// <value>The default value is 2 hours.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Gets or sets the most due tasks one polling round reads.</summary>
    /// <value>The default value is 100.</value>
    public int BatchSize { get; set; } = 100;

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:PollInterval must be at least 10 milliseconds and at most one hour.");
        }

        if (MaxPollInterval < PollInterval || MaxPollInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:MaxPollInterval must be at least {section}:PollInterval and at most one day.");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromDays(7))
        {
            failures.Add($"{section}:Timeout must be positive and at most 7 days.");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            failures.Add($"{section}:BatchSize must be between 1 and 10000.");
        }
    }
}
