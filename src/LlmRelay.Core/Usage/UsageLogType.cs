namespace LlmRelay.Usage;

/// <summary>The kind of a <see cref="UsageLog"/> entry, numbered as in new-api.</summary>
public enum UsageLogType
{
    /// <summary>Quota was added to an account.</summary>
    TopUp = 1,

    /// <summary>A relayed call consumed quota.</summary>
    Consume = 2,

    /// <summary>An administrative change.</summary>
    Manage = 3,

    /// <summary>A relayed call failed.</summary>
    Error = 4,

    /// <summary>A system event.</summary>
    System = 5,

    /// <summary>Quota was returned to an account.</summary>
    Refund = 6,
}
