namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Remembers which users recently re-entered their password through <c>POST /api/verify</c>, for operations that reveal secrets.</summary>
/// <remarks>
/// In process memory by default (<see cref="SecureVerification"/>: valid only on the instance that accepted it); in Redis with
/// <c>AddRedis(...)</c> (<see cref="RedisSecureVerification"/>), valid on every instance (issue #18). A verification lasts
/// <see cref="SecureVerification.Lifetime"/>. Implementations are thread-safe.
/// </remarks>
internal interface ISecureVerification
{
    /// <summary>Records that <paramref name="userId"/> verified now; returns when that ends.</summary>
    ValueTask<DateTimeOffset> VerifyAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Returns when the verification of <paramref name="userId"/> ends, or <see langword="null"/> when there is none in force.</summary>
    ValueTask<DateTimeOffset?> VerifiedUntilAsync(long userId, CancellationToken cancellationToken);
}
