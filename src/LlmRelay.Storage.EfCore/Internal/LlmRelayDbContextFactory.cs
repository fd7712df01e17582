using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Exposes a provider context's pooled factory as a factory of the provider-neutral <see cref="LlmRelayDbContext"/>.</summary>
/// <typeparam name="TContext">The provider subclass.</typeparam>
/// <param name="inner">The pooled factory of the provider subclass.</param>
internal sealed class LlmRelayDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<LlmRelayDbContext>
    where TContext : LlmRelayDbContext
{
    public LlmRelayDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<LlmRelayDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
}
