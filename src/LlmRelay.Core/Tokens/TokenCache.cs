using System.Collections.Concurrent;
using LlmRelay.Changes;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Tokens;

/// <summary>Resolves presented gateway keys to tokens with an in-memory cache in front of <see cref="ITokenStore"/>.</summary>
/// <remarks>
/// Keys are cached by their raw value (memory only) so a hit costs one dictionary lookup and no hashing.
/// Unknown keys are cached briefly too, so a caller hammering with a bad key does not reach the database
/// on every request. The owning user's status and group are read with the token (one extra lookup per cache miss, none per
/// request; the group is checked against <see cref="ITokenGroupPolicy"/> when one is registered), so management changes to
/// a user or to the selectable groups must call <see cref="Clear"/> like token changes do. Thread-safe. Registered by
/// <c>AddLlmRelay()</c>: resolve it from the service provider.
/// </remarks>
public sealed class TokenCache
{
    private const int MaxEntries = 100_000;
    private static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CacheItem> _items = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory scopeFactory;
    private readonly TimeProvider timeProvider;
    private readonly IRelayChangeNotifier? changes;

    internal TokenCache(IServiceScopeFactory scopeFactory, TimeProvider timeProvider, IRelayChangeNotifier? changes = null)
    {
        this.scopeFactory = scopeFactory;
        this.timeProvider = timeProvider;
        this.changes = changes;
    }

    /// <summary>Resolves a presented gateway key to its token.</summary>
    /// <param name="key">The raw key the caller presented.</param>
    /// <param name="cancellationToken">Cancels a store lookup on a cache miss.</param>
    /// <returns>The token, or <see langword="null"/> when no token has this key.</returns>

    public ValueTask<TokenEntry?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (_items.TryGetValue(key, out var item) && now < item.ExpiresAt)
        {
            return ValueTask.FromResult(item.Entry);
        }

        return LoadAsync(key, now, cancellationToken);
    }

    /// <summary>Drops every cached token, so changes in the store are seen on the next request, on this instance and (through
    /// <see cref="IRelayChangeNotifier"/>) on the other gateway instances.</summary>
    public void Clear()
    {
        _items.Clear();
        changes?.Publish(RelayChangeKinds.Tokens);
    }

    /// <summary>Drops every cached token without telling the other instances (when they told this one).</summary>
    internal void ClearLocal() => _items.Clear();

    private async ValueTask<TokenEntry?> LoadAsync(string key, long now, CancellationToken cancellationToken)
    {
        ApiToken? token;
        var userEnabled = true;
        var groupUsable = true;
        var scope = scopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            token = await scope.ServiceProvider.GetRequiredService<ITokenStore>()
                .FindByKeyHashAsync(ApiKeys.Hash(key), cancellationToken).ConfigureAwait(false);

            // Configuration tokens (user 0) and stores without users (in-memory) have no owner to check.
            if (token is { UserId: > 0 } && scope.ServiceProvider.GetService<IUserStore>() is { } users)
            {
                var user = await users.FindAsync(token.UserId, cancellationToken).ConfigureAwait(false);
                userEnabled = user is null || user.Status != Users.UserStatus.Disabled;
                if (user is not null && scope.ServiceProvider.GetService<ITokenGroupPolicy>() is { } groups)
                {
                    groupUsable = await groups.IsUsableAsync(
                        string.IsNullOrWhiteSpace(user.Group) ? Channels.RelayGroups.Default : user.Group,
                        string.IsNullOrWhiteSpace(token.Group) ? Channels.RelayGroups.Default : token.Group,
                        cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var entry = token is null ? null : new TokenEntry(token, userEnabled, groupUsable);
        if (_items.Count >= MaxEntries)
        {
            _items.Clear();
        }

        var ttl = entry is null ? NegativeTtl : PositiveTtl;
        _items[key] = new CacheItem(entry, now + (long)(ttl.TotalSeconds * timeProvider.TimestampFrequency));
        return entry;
    }

    private readonly record struct CacheItem(TokenEntry? Entry, long ExpiresAt);
}
