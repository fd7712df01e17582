using System.Collections.Concurrent;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Remembers which users recently re-entered their password through <c>POST /api/verify</c>, for operations that reveal secrets.</summary>
/// <remarks>Thread-safe; in-process, so a verification is valid only on the instance that accepted it (<see cref="RedisSecureVerification"/> shares it).</remarks>
internal sealed class SecureVerification(TimeProvider time) : ISecureVerification
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<long, DateTimeOffset> _verifiedUntil = new();

    public DateTimeOffset Verify(long userId)
    {
        var until = time.GetUtcNow() + Lifetime;
        _verifiedUntil[userId] = until;
        return until;
    }

    public DateTimeOffset? VerifiedUntil(long userId) =>
        _verifiedUntil.TryGetValue(userId, out var until) && until > time.GetUtcNow() ? until : null;

    ValueTask<DateTimeOffset> ISecureVerification.VerifyAsync(long userId, CancellationToken cancellationToken) => new(Verify(userId));

    ValueTask<DateTimeOffset?> ISecureVerification.VerifiedUntilAsync(long userId, CancellationToken cancellationToken) => new(VerifiedUntil(userId));
}
