using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>Gateway tokens (<c>sk-...</c>) as a user manages them; the <c>/api/token/</c> routes and the dashboard both call it.</summary>
/// <remarks>
/// Every method takes the acting user, already signed in and enabled. Who may touch which key is
/// <see cref="UserRules.RefuseTokenOwnerAsync"/>; a key's group must be one its owner may use (<see cref="UsableGroups"/>).
/// Every change clears <see cref="TokenCache"/>, so the relay sees it on the next request. Scoped, like the stores.
/// </remarks>
internal sealed class TokenService(ITokenStore tokens, IUserStore users, TokenCache cache, UsableGroups usableGroups, TimeProvider time)
{
    private const string StatusHint = " (1 enabled, 2 disabled)";

    /// <summary>Lists the keys of <paramref name="ownerId"/> (an administrator's choice; anyone else always sees their own).</summary>
    public async Task<ManagementResult<PagedResult<ApiToken>>> ListAsync(RelayUser actor, long? ownerId, string? keyword, int page, int pageSize, CancellationToken cancellationToken)
    {
        // A common user's owner is ignored (their own keys); an admin's must name a user below them.
        var owner = actor.Role >= UserRole.Admin && ownerId is { } other ? other : actor.Id;
        if (await UserRules.RefuseTokenOwnerAsync(actor, owner, users, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        return await tokens.QueryAsync(new PageQuery { Page = page, PageSize = pageSize, UserId = owner, Keyword = keyword }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns a token the actor may manage: 404 when it does not exist (or, to a common user, is not theirs), 403 for an admin above whom its owner is.</summary>
    public async Task<ManagementResult<ApiToken>> GetAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        var token = await tokens.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            return ManagementError.NotFound("Token");
        }

        var refusal = await UserRules.RefuseTokenOwnerAsync(actor, token.UserId, users, cancellationToken).ConfigureAwait(false);
        return refusal is null ? token : refusal;
    }

    /// <summary>Creates a key for the actor in their own group unless <see cref="TokenChanges.Group"/> names another usable one.</summary>
    public async Task<ManagementResult<TokenCreated>> CreateAsync(RelayUser actor, TokenChanges changes, CancellationToken cancellationToken)
    {
        var token = new ApiToken { UserId = actor.Id, Group = actor.Group, CreatedAt = time.GetUtcNow() };
        if (Apply(changes, token, creating: true) is { } error)
        {
            return ManagementError.Invalid(error);
        }

        if (await RefuseGroupAsync(token, actor, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var key = ApiKeys.Generate();
        token.KeyHash = ApiKeys.Hash(key);
        token.KeyHint = ApiKeys.Mask(key);
        await tokens.AddAsync(token, cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return new TokenCreated(token, key);
    }

    /// <summary>Changes a token the actor may manage; a new group must be one its owner may use.</summary>
    public Task<ManagementResult<ApiToken>> UpdateAsync(RelayUser actor, long id, TokenChanges changes, CancellationToken cancellationToken) =>
        ChangeAsync(actor, id, token => Apply(changes, token, creating: false), cancellationToken);

    /// <summary>Enables or disables a token the actor may manage; nothing else changes.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="id">The token's id.</param>
    /// <param name="status">The new status; <see langword="null"/> when the request gave none.</param>
    /// <param name="inputError">The reader's problem with the status field, if any.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public Task<ManagementResult<ApiToken>> SetStatusAsync(RelayUser actor, long id, TokenStatus? status, string? inputError, CancellationToken cancellationToken) =>
        ChangeAsync(actor, id, token =>
        {
            var error = inputError
                ?? (status is null ? FieldRules.Required("status") : FieldRules.Range("status", (long)status.Value, 1, 2));
            if (error is not null)
            {
                return error + StatusHint;
            }

            token.Status = status!.Value;
            return null;
        }, cancellationToken);

    /// <summary>Deletes a token the actor may manage.</summary>
    public async Task<ManagementError?> DeleteAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        var found = await GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        if (found.Error is { } refusal)
        {
            return refusal;
        }

        var deleted = await tokens.DeleteAsync([id], found.Value.UserId, cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return deleted > 0 ? null : ManagementError.NotFound("Token");
    }

    /// <summary>Deletes several tokens: a common user's own only; an administrator's batch all or nothing.</summary>
    /// <returns>How many tokens were deleted.</returns>
    public async Task<ManagementResult<long>> DeleteManyAsync(RelayUser actor, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return ManagementError.Invalid("Field 'ids' must not be empty.");
        }

        if (actor.Role < UserRole.Admin)
        {
            return await DeleteAndClearAsync(ids, actor.Id, cancellationToken).ConfigureAwait(false);
        }

        // An admin's batch is all or nothing: one key of a user not below them refuses it whole.
        foreach (var id in ids.Distinct())
        {
            if (await tokens.FindAsync(id, cancellationToken).ConfigureAwait(false) is { } token
                && await UserRules.RefuseTokenOwnerAsync(actor, token.UserId, users, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }
        }

        return await DeleteAndClearAsync(ids, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ManagementResult<ApiToken>> ChangeAsync(RelayUser actor, long id, Func<ApiToken, string?> apply, CancellationToken cancellationToken)
    {
        var found = await GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
        if (found.Error is not null)
        {
            return found;
        }

        var token = found.Value;
        var group = token.Group;
        if (apply(token) is { } error)
        {
            return ManagementError.Invalid(error);
        }

        // A group is checked when it changes: a key left in a group its owner lost keeps it (and the relay refuses it).
        if (!string.Equals(group, token.Group, StringComparison.Ordinal))
        {
            var owner = token.UserId == actor.Id ? actor : await users.FindAsync(token.UserId, cancellationToken).ConfigureAwait(false);
            if (owner is not null && await RefuseGroupAsync(token, owner, cancellationToken).ConfigureAwait(false) is { } groupRefusal)
            {
                return groupRefusal;
            }
        }

        await tokens.UpdateAsync(token, cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return token;
    }

    private async Task<long> DeleteAndClearAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken)
    {
        var deleted = await tokens.DeleteAsync(ids, userId, cancellationToken).ConfigureAwait(false);
        cache.Clear();
        return deleted;
    }

    private async Task<ManagementError?> RefuseGroupAsync(ApiToken token, RelayUser owner, CancellationToken cancellationToken)
    {
        if (await usableGroups.IsUsableAsync(owner.Group, token.Group, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var usable = await usableGroups.ForAsync(owner.Group, cancellationToken).ConfigureAwait(false);
        return ManagementError.Forbidden($"Field 'group': '{token.Group}' is not a group the token's owner may use ({string.Join(", ", usable.Keys.Order(StringComparer.Ordinal))}).");
    }

    private string? Apply(TokenChanges changes, ApiToken token, bool creating)
    {
        var name = changes.Name?.Trim();
        var group = changes.Group?.Trim();
        var error = changes.InputError
            ?? (creating && name is null ? FieldRules.Required("name") : creating && name!.Length == 0 ? FieldRules.Empty("name") : FieldRules.Length("name", name, 64))
            ?? FieldRules.Range("remain_quota", changes.RemainQuota, min: 0)
            ?? FieldRules.Range("expired_time", changes.ExpiredTime, min: -1)
            ?? FieldRules.Length("group", group, 64)
            ?? FieldRules.Range("status", (long?)changes.Status, 1, 2);
        var allowIps = error is null ? AllowIps(changes.AllowIps, out error) : null;
        if (error is not null)
        {
            return error;
        }

        var expired = changes.ExpiredTime;
        if (expired is > 0 && DateTimeOffset.FromUnixTimeSeconds(expired.Value) <= time.GetUtcNow())
        {
            return "Field 'expired_time' must be in the future, or -1 for never.";
        }

        token.Name = name ?? token.Name;
        token.RemainQuota = changes.RemainQuota ?? token.RemainQuota;
        token.UnlimitedQuota = changes.UnlimitedQuota ?? token.UnlimitedQuota;
        if (expired is not null)
        {
            token.ExpiresAt = expired <= 0 ? null : DateTimeOffset.FromUnixTimeSeconds(expired.Value);
        }

        if (changes.ModelLimitsEnabled == false)
        {
            token.Models = [];
        }
        else if (changes.Models is not null)
        {
            token.Models = [.. changes.Models];
        }

        if (allowIps is not null)
        {
            token.AllowIps = allowIps;
        }

        token.Group = string.IsNullOrEmpty(group) ? (string.IsNullOrEmpty(token.Group) ? RelayGroups.Default : token.Group) : group;
        if (changes.Status is { } status)
        {
            token.Status = status;
        }

        if (token.Status is TokenStatus.Exhausted && (token.UnlimitedQuota || token.RemainQuota > 0))
        {
            token.Status = TokenStatus.Enabled;
        }

        if (token.Status is TokenStatus.Expired && token.ExpiresAt is null)
        {
            token.Status = TokenStatus.Enabled;
        }

        return null;
    }

    /// <summary>Checks <c>allow_ips</c> entries (IPs or CIDR ranges) and drops duplicates; empty allows any address.</summary>
    private static List<string>? AllowIps(IReadOnlyList<string>? entries, out string? error)
    {
        error = null;
        if (entries is null)
        {
            return null;
        }

        var list = new List<string>();
        foreach (var entry in entries)
        {
            if (!TokenEntry.IsValidNetwork(entry))
            {
                error = $"Field 'allow_ips': '{entry}' is not an IP address or CIDR range.";
                return null;
            }

            if (!list.Contains(entry, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(entry);
            }
        }

        return list;
    }
}
