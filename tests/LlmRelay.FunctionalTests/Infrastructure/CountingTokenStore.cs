using System.Runtime.CompilerServices;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Wraps the gateway's real <see cref="ITokenStore"/> and counts quota reservations (the relay's per-request database calls).</summary>
internal sealed class CountingTokenStore(ITokenStore inner, StrongBox<int> reservations) : ITokenStore
{
    /// <summary>Replaces the registered store with one that counts into <paramref name="reservations"/>.</summary>
    public static void Install(IServiceCollection services, StrongBox<int> reservations)
    {
        var registered = services.Last(static d => d.ServiceType == typeof(ITokenStore));
        services.Remove(registered);
        services.AddScoped<ITokenStore>(sp => new CountingTokenStore(
            registered.ImplementationFactory is { } factory ? (ITokenStore)factory(sp) : (ITokenStore)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
            reservations));
    }

    public Task<QuotaReservation> TryReserveQuotaAsync(long tokenId, long amount, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reservations.Value);
        return inner.TryReserveQuotaAsync(tokenId, amount, cancellationToken);
    }

    public Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default) => inner.FindByKeyHashAsync(keyHash, cancellationToken);

    public Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

    public Task AddAsync(ApiToken token, CancellationToken cancellationToken = default) => inner.AddAsync(token, cancellationToken);

    public Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default) => inner.UpdateAsync(token, cancellationToken);

    public Task<PagedResult<ApiToken>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public Task<int> DeleteAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken = default) => inner.DeleteAsync(ids, userId, cancellationToken);
}
