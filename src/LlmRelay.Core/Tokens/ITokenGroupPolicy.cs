namespace LlmRelay.Tokens;

/// <summary>Decides whether a token's group is one its owner may use; <see cref="TokenCache"/> asks on every cache miss of a user's token.</summary>
/// <remarks>
/// Registered by the management API (its rule: the owner's own group plus the groups configured as selectable). Without a
/// registration every group is usable, as for configuration-declared tokens, which have no owner. Whoever changes what the
/// rule reads (the selectable groups, a user's group) must call <see cref="TokenCache.Clear"/>.
/// </remarks>
public interface ITokenGroupPolicy
{
    /// <summary>Returns whether a user in <paramref name="ownerGroup"/> may use a token in <paramref name="tokenGroup"/>.</summary>
    /// <param name="ownerGroup">The group of the token's owner.</param>
    /// <param name="tokenGroup">The group the token is in.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns><see langword="true"/> when the owner may use the token's group.</returns>
    ValueTask<bool> IsUsableAsync(string ownerGroup, string tokenGroup, CancellationToken cancellationToken);
}
