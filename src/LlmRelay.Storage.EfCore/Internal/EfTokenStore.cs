using LlmRelay.Tokens;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores <see cref="ApiToken"/> rows in the <c>tokens</c> table.</summary>
/// <param name="db">The scope's context.</param>
internal sealed class EfTokenStore(LlmRelayDbContext db) : ITokenStore
{
    public async Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyHash);
        return await db.Tokens.FirstOrDefaultAsync(t => t.KeyHash == keyHash, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Tokens.FindAsync([id], cancellationToken).ConfigureAwait(false);

    public async Task AddAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        db.Tokens.Add(token);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        await EntityUpdates.SaveAsync(db, token, token.Id, cancellationToken).ConfigureAwait(false);
    }
}
