using System.Net;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Counts sign-in attempts per client address and name, so passwords and the admin key cannot be guessed quickly.</summary>
/// <remarks>
/// In process memory by default (<see cref="LoginRateLimiter"/>, per instance); in Redis with <c>AddRedis(...)</c>
/// (<see cref="RedisLoginRateLimiter"/>), so failures on one gateway instance count toward the lockout on every other
/// (issue #18). Both allow <see cref="LoginRateLimiter.PermitsPerWindow"/> attempts per <see cref="LoginRateLimiter.Window"/>
/// and partition. Implementations are thread-safe.
/// </remarks>
internal interface ILoginRateLimiter
{
    /// <summary>Counts an attempt; <see langword="false"/> when the partition has none left in this window.</summary>
    ValueTask<bool> TryAcquireAsync(IPAddress? address, string name, CancellationToken cancellationToken);

    /// <summary>Returns how long until the partition may try again when it used up its attempts; else <see langword="null"/>.</summary>
    ValueTask<TimeSpan?> LimitedForAsync(IPAddress? address, string name, CancellationToken cancellationToken);

    /// <summary>Counts a failed attempt.</summary>
    ValueTask RecordFailureAsync(IPAddress? address, string name, CancellationToken cancellationToken);
}
