namespace LlmRelay.Concurrency;

/// <summary>Options for the relay's in-flight limits and wait queue, bound to the <c>LlmRelay:Concurrency</c> configuration section.</summary>
/// <remarks>
/// A request needs a slot for its key (for example one upstream key of one channel) and a global slot. When either
/// is taken it waits in FIFO order, up to <see cref="MaxQueueWait"/>, as long as fewer than <see cref="QueueLimit"/>
/// requests are waiting; otherwise it is refused at once (the relay answers 429 with <c>Retry-After</c>).
/// Read once at start.
/// </remarks>
public sealed class ConcurrencyOptions
{
    /// <summary>Gets or sets how many requests may be in flight at once across the whole relay; 0 means no limit.</summary>
    /// <value>The default value is 0 (unlimited).</value>
    public int MaxInFlight { get; set; }

    /// <summary>Gets or sets how many requests may be in flight at once for one key; 0 means no limit.</summary>
    /// <value>The default value is 0 (unlimited).</value>
    public int MaxInFlightPerKey { get; set; }

    /// <summary>Gets or sets how many requests may wait for a slot at once; further requests are refused. 0 disables waiting.</summary>
    /// <value>The default value is 1,000.</value>
    public int QueueLimit { get; set; } = 1000;

    /// <summary>Gets or sets how long a request may wait for a slot before it is refused.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (MaxInFlight < 0)
        {
            failures.Add($"{section}:MaxInFlight must not be negative (0 means unlimited).");
        }

        if (MaxInFlightPerKey < 0)
        {
            failures.Add($"{section}:MaxInFlightPerKey must not be negative (0 means unlimited).");
        }

        if (QueueLimit < 0)
        {
            failures.Add($"{section}:QueueLimit must not be negative.");
        }

        if (MaxQueueWait <= TimeSpan.Zero || MaxQueueWait > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:MaxQueueWait must be greater than zero and at most one day.");
        }
    }
}
