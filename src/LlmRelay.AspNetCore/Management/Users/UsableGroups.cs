using System.Collections.Frozen;
using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Channels;
using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>The groups a user may give their tokens: the user's own group plus the groups root made selectable (option <c>UserUsableGroups</c>), as new-api's <c>GetUserUsableGroups</c>.</summary>
/// <remarks>
/// One rule for the management API (token create and update, <c>/api/user/self/groups</c>), the dashboard (which calls that API)
/// and the relay (<see cref="TokenCache"/> asks on a cache miss; <see cref="SystemSettings"/> clears the cache when the option changes).
/// An administrator widens what a user may use by moving the user into another group, root also by making groups selectable. Thread-safe.
/// </remarks>
internal sealed class UsableGroups(SystemSettings settings) : ITokenGroupPolicy
{
    private const string OwnGroupDescription = "Your group";

    private volatile Selectable? _selectable;

    /// <summary>Returns the groups a user in <paramref name="userGroup"/> may use, each with its description.</summary>
    public async ValueTask<Dictionary<string, string>> ForAsync(string userGroup, CancellationToken cancellationToken)
    {
        var usable = await settings.GetTextMapAsync(SystemSettings.UserUsableGroups, cancellationToken).ConfigureAwait(false);
        usable.TryAdd(Normalize(userGroup), OwnGroupDescription);
        return usable;
    }

    /// <summary>Returns the groups a user in <paramref name="userGroup"/> may use, each with its ratio (option <c>GroupRatio</c>, 1 when unset) and description.</summary>
    public async ValueTask<Dictionary<string, GroupInfoView>> DescribeForAsync(string userGroup, CancellationToken cancellationToken)
    {
        var usable = await ForAsync(userGroup, cancellationToken).ConfigureAwait(false);
        var ratios = await settings.GetRatiosAsync(SystemSettings.GroupRatio, cancellationToken).ConfigureAwait(false);
        return usable.ToDictionary(p => p.Key, p => new GroupInfoView(ratios.TryGetValue(p.Key, out var r) ? r : 1, p.Value), StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> IsUsableAsync(string ownerGroup, string tokenGroup, CancellationToken cancellationToken)
    {
        var group = Normalize(tokenGroup);
        if (string.Equals(group, Normalize(ownerGroup), StringComparison.Ordinal))
        {
            return true;
        }

        // The relay asks on every token-cache miss: parse the option once per value, not per call.
        var text = await settings.GetAsync(SystemSettings.UserUsableGroups, cancellationToken).ConfigureAwait(false);
        var selectable = _selectable;
        if (selectable is null || !ReferenceEquals(selectable.Text, text))
        {
            var groups = await settings.GetTextMapAsync(SystemSettings.UserUsableGroups, cancellationToken).ConfigureAwait(false);
            selectable = new Selectable(text, groups.Keys.ToFrozenSet(StringComparer.Ordinal));
            _selectable = selectable;
        }

        return selectable.Groups.Contains(group);
    }

    private static string Normalize(string? group) => string.IsNullOrWhiteSpace(group) ? RelayGroups.Default : group;

    private sealed record Selectable(string Text, FrozenSet<string> Groups);
}
