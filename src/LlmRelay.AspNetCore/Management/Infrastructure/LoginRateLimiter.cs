using System.Threading.RateLimiting;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Limits sign-in attempts per client address and user name, so passwords cannot be guessed quickly.</summary>
/// <remarks>Thread-safe. The limit is <see cref="PermitsPerWindow"/> attempts per minute and partition.</remarks>
internal sealed class LoginRateLimiter : IDisposable
{
    public const int PermitsPerWindow = 10;

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        static key => RateLimitPartition.GetFixedWindowLimiter(key, static _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = PermitsPerWindow,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }),
        StringComparer.Ordinal);

    public bool TryAcquire(string? address, string username)
    {
        using var lease = _limiter.AttemptAcquire(string.Concat(address ?? "?", "|", username.ToLowerInvariant()));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
