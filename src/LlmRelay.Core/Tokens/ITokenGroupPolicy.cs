namespace LlmRelay.Tokens;

/// <summary>Decides whether a token's group is one its owner may use; <see cref="TokenCache"/> asks on every cache miss of a user's token.</summary>
/// <remarks>
/// Registered by the management API (its rule: the owner's own group plus the groups configured as selectable). Without a
/// registration every group is usable, as for configuration-declared tokens, which have no owner. Whoever changes what the
/// rule reads (the selectable groups, a user's group) must call <see cref="TokenCache.Clear"/>.
/// </remarks>
internal interface ITokenGroupPolicy
{
    /// <summary>Returns whether a user in <paramref name="ownerGroup"/> may use a token in <paramref name="tokenGroup"/>.</summary>
    ValueTask<bool> IsUsableAsync(string ownerGroup, string tokenGroup, CancellationToken cancellationToken);
}
