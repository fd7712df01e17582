using System.Text.Json;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Storage;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Groups;

/// <summary>Channel groups: the names in use, and adding, renaming and deleting a group; <c>GET /api/group/</c> and the dashboard's groups page call it.</summary>
/// <remarks>
/// A group exists while a channel, the <c>GroupRatio</c> option or the <c>UserUsableGroups</c> option names it. Every method
/// needs <see cref="UserRole.Admin"/>. Renaming and deleting edit the channels through <see cref="ChannelService"/>; the
/// <c>GroupRatio</c> option changes through <see cref="OptionService"/>, so only root adds a group, and a rename or delete by
/// another administrator leaves the option as it is. Scoped, like the stores.
/// </remarks>
internal sealed class GroupService(IChannelStore channels, SystemSettings settings, ChannelService channelService, OptionService options)
{
    /// <summary>Lists every group in use, in ordinal order.</summary>
    public async Task<ManagementResult<IReadOnlyList<string>>> ListAsync(RelayUser actor, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var channel in await channels.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            groups.UnionWith(GroupsOf(channel.Group));
        }

        groups.UnionWith((await settings.GetRatiosAsync(SystemSettings.GroupRatio, cancellationToken).ConfigureAwait(false)).Keys);
        groups.UnionWith((await settings.GetTextMapAsync(SystemSettings.UserUsableGroups, cancellationToken).ConfigureAwait(false)).Keys);
        return ManagementResult<IReadOnlyList<string>>.Success([.. groups]);
    }

    /// <summary>Splits a channel's comma-separated groups.</summary>
    public static string[] GroupsOf(string group) => group.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Adds a group (root only) by giving it a ratio of 1 in the <c>GroupRatio</c> option.</summary>
    public async Task<ManagementError?> AddAsync(RelayUser actor, string name, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        name = name.Trim();
        return await EditGroupRatioAsync(actor, ratios =>
        {
            if (!IsName(name))
            {
                return "Field 'name' must be a non-empty group name without commas.";
            }

            if (ratios.ContainsKey(name))
            {
                return $"Field 'name': a group named '{name}' exists.";
            }

            ratios[name] = 1;
            return null;
        }, optional: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renames a group in every channel that serves it, and in the <c>GroupRatio</c> option when the actor is root.</summary>
    public async Task<ManagementError?> RenameAsync(RelayUser actor, string name, string newName, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        newName = newName.Trim();
        if (!IsName(newName))
        {
            return ManagementError.Invalid("Field 'new_name' must be a non-empty group name without commas.");
        }

        return await ReplaceInChannelsAsync(actor, name, newName, cancellationToken).ConfigureAwait(false)
            ?? await EditGroupRatioAsync(actor, ratios =>
            {
                if (ratios.Remove(name, out var ratio))
                {
                    ratios[newName] = ratio;
                }

                return null;
            }, optional: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a group from every channel that serves it (a channel left without a group goes to <c>default</c>), and from the <c>GroupRatio</c> option when the actor is root.</summary>
    public async Task<ManagementError?> DeleteAsync(RelayUser actor, string name, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        return await ReplaceInChannelsAsync(actor, name, null, cancellationToken).ConfigureAwait(false)
            ?? await EditGroupRatioAsync(actor, ratios =>
            {
                ratios.Remove(name);
                return null;
            }, optional: true, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsName(string name) => name.Length > 0 && !name.Contains(',', StringComparison.Ordinal);

    /// <summary>Renames (<paramref name="to"/> set) or removes a group in every channel; a channel left without a group goes to "default".</summary>
    private async Task<ManagementError?> ReplaceInChannelsAsync(RelayUser actor, string from, string? to, CancellationToken cancellationToken)
    {
        var all = await channelService.ListAllAsync(actor, cancellationToken).ConfigureAwait(false);
        if (all.Error is { } refusal)
        {
            return refusal;
        }

        foreach (var entry in all.Value)
        {
            var groups = GroupsOf(entry.Channel.Group);
            if (!groups.Contains(from, StringComparer.Ordinal))
            {
                continue;
            }

            var next = groups.Select(g => g == from ? to : g).Where(static g => g is not null).Distinct(StringComparer.Ordinal).ToList();
            var changes = new ChannelChanges { Group = next.Count == 0 ? LlmRelay.Channels.RelayGroups.Default : string.Join(',', next) };
            if ((await channelService.UpdateAsync(actor, entry.Channel.Id, changes, cancellationToken).ConfigureAwait(false)).Error is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Changes the <c>GroupRatio</c> option (root only: when <paramref name="optional"/>, others leave it as it is).</summary>
    private async Task<ManagementError?> EditGroupRatioAsync(RelayUser actor, Func<Dictionary<string, double>, string?> edit, bool optional, CancellationToken cancellationToken)
    {
        var list = await options.ListAsync(actor, cancellationToken).ConfigureAwait(false);
        if (list.Error is { } refusal)
        {
            return optional ? null : refusal;
        }

        var ratios = new Dictionary<string, double>(StringComparer.Ordinal);
        var text = list.Value.FirstOrDefault(static o => o.Key == SystemSettings.GroupRatio).Value;
        if (!string.IsNullOrEmpty(text))
        {
            try
            {
                ratios = JsonSerializer.Deserialize(text, ManagementJsonContext.Default.DictionaryStringDouble) ?? ratios;
            }
            catch (JsonException)
            {
            }
        }

        var before = JsonSerializer.Serialize(ratios, ManagementJsonContext.Default.DictionaryStringDouble);
        if (edit(ratios) is { } error)
        {
            return ManagementError.Invalid(error);
        }

        var after = JsonSerializer.Serialize(ratios, ManagementJsonContext.Default.DictionaryStringDouble);
        return before == after ? null : await options.SetAsync(actor, SystemSettings.GroupRatio, after, null, cancellationToken).ConfigureAwait(false);
    }

    private static ManagementError? RefuseNonAdmin(RelayUser actor) => actor.Role >= UserRole.Admin ? null : ManagementError.Forbidden();
}
