namespace LlmRelay.Configuration;

/// <summary>Options for quota reservations stored in a database, bound to the <c>LlmRelay:Quota</c> configuration section.</summary>
/// <remarks>
/// Each gateway process records the quota it holds reserved and writes a heartbeat every <see cref="InstanceHeartbeat"/>;
/// an instance whose heartbeat is older than <see cref="InstanceLease"/> counts as dead, and another instance (or the same
/// gateway restarted) returns what it held to the tokens and users. A shorter lease restores balances sooner after a crash;
/// it must stay well above the heartbeat interval (and above any pause the database or the process may take), or a live
/// instance would be taken for dead and its reservations returned while its calls run (they are then charged in full
/// when they settle, never returned twice). The in-memory stores do not use these settings. Read once at start.
/// </remarks>
public sealed class QuotaOptions
{
    /// <summary>Gets or sets how often an instance writes its heartbeat and sweeps the reservations of dead instances.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan InstanceHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how old an instance's heartbeat may get before the instance counts as dead and its reservations are returned.</summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan InstanceLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Gets or sets a value indicating whether a relayed answer's last byte waits until the call's usage-log row is stored.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    /// <remarks>
    /// Usage-log rows are written in batches a few milliseconds after their answers ended, and a row is what settles its call's
    /// reservation. When a process dies without stopping (SIGKILL, an out-of-memory kill, a lost machine), the rows still
    /// queued are lost, and the sweep then returns their reservations: calls whose callers got a whole answer go unlogged and
    /// unbilled. With this on, the relay endpoints (<c>/v1/chat/completions</c>, <c>/v1/messages</c>, <c>/v1/responses</c>,
    /// Gemini's <c>generateContent</c>, ...) hold back the end of each answer (the last byte of a JSON answer, the end of a
    /// stream) until the row is committed, so an answer a caller received in full is always logged and charged once. It costs
    /// each call one database commit of latency (rows still share one transaction under load; see issue #18).
    /// </remarks>
    public bool HoldAnswerUntilLogged { get; set; }

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        if (InstanceHeartbeat < TimeSpan.FromMilliseconds(1) || InstanceHeartbeat > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:InstanceHeartbeat must be at least 1 millisecond and at most one hour.");
        }

        if (InstanceLease <= InstanceHeartbeat * 2 || InstanceLease > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:InstanceLease must be more than twice {section}:InstanceHeartbeat and at most one day.");
        }
    }
}
