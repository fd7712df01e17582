using LlmRelay.Management;

namespace LlmRelay.AspNetCore.Management.Redemption;

/// <summary>What an administrator asks to set on redemption codes; a <see langword="null"/> property is left as it is (on creation: its default).</summary>
/// <remarks>The <c>/api/redemption/</c> routes read it from JSON, the dashboard from its form; <see cref="RedemptionService"/> validates it.</remarks>
internal sealed record RedemptionChanges
{
    /// <summary>Gets the first problem the request's reader found (a field of the wrong type).</summary>
    public string? InputError { get; init; }

    /// <summary>Gets the codes' name (at most 64 characters; required on creation).</summary>
    public string? Name { get; init; }

    /// <summary>Gets how many codes to create (1 to 100; 1 when absent).</summary>
    public long? Count { get; init; }

    /// <summary>Gets the quota a code adds (1 or more; required on creation).</summary>
    public long? Quota { get; init; }

    /// <summary>Gets when the codes expire, in Unix seconds; -1 (or 0) for never.</summary>
    public long? ExpiredTime { get; init; }

    /// <summary>Gets the status to set (<see cref="RedemptionStatus.Enabled"/> or <see cref="RedemptionStatus.Disabled"/>).</summary>
    public RedemptionStatus? Status { get; init; }
}
