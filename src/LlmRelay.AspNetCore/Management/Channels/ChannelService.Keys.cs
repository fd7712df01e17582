using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Management;
using LlmRelay.Tokens;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>The keys of a multi-key channel: each one's status (enabled, disabled by an administrator, disabled by the relay with its reason and time) and the actions on them.</summary>
internal sealed partial class ChannelService
{
    /// <summary>The actions <see cref="ManageKeysAsync"/> takes.</summary>
    public static readonly string[] KeyActions = ["disable_key", "enable_key", "delete_key", "delete_disabled_keys", "enable_all_keys", "disable_all_keys"];

    /// <summary>Lists a channel's keys, masked: the enabled ones in order, then those an administrator disabled.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="id">The channel's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<ManagementResult<IReadOnlyList<KeyStatusView>>> KeyStatusAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channel = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            return ManagementError.NotFound("Channel");
        }

        var state = await stateStore.FindAsync(channel.Id, cancellationToken).ConfigureAwait(false);
        var list = channel.Keys.Select((k, i) => keyStatus.Find(channel.Id, k) is { } auto
                ? new KeyStatusView(i, 3, ApiKeys.Mask(k), auto.Reason, auto.DisabledAt.ToUnixTimeSeconds())
                : new KeyStatusView(i, 1, ApiKeys.Mask(k)))
            .Concat((state?.DisabledKeys ?? []).Select((k, i) => new KeyStatusView(channel.Keys.Count + i, 2, ApiKeys.Mask(k))))
            .ToList();
        return list;
    }

    /// <summary>Changes a channel's keys: one of <see cref="KeyActions"/>, the single-key ones at <paramref name="index"/> (a position of <see cref="KeyStatusAsync"/>'s list).</summary>
    /// <remarks>Enabling a key also forgets that the relay disabled it, so it is used again from the next request.</remarks>
    /// <param name="actor">The acting user.</param>
    /// <param name="id">The channel's id.</param>
    /// <param name="action">One of <see cref="KeyActions"/>.</param>
    /// <param name="index">The key's position, for the single-key actions.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The channel with its state after the change.</returns>
    public async Task<ManagementResult<ChannelEntry>> ManageKeysAsync(RelayUser actor, long id, string action, long? index, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channel = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            return ManagementError.NotFound("Channel");
        }

        var state = await stateStore.FindAsync(channel.Id, cancellationToken).ConfigureAwait(false) ?? new ChannelState { ChannelId = channel.Id };
        var all = channel.Keys.Select(static k => (Key: k, Enabled: true)).Concat(state.DisabledKeys.Select(static k => (Key: k, Enabled: false))).ToList();
        if (action is "disable_key" or "enable_key" or "delete_key")
        {
            if (index is null || index < 0 || index >= all.Count)
            {
                return ManagementError.Invalid($"Field 'key_index' must be between 0 and {all.Count - 1}.");
            }

            var i = (int)index.Value;
            if (action == "enable_key")
            {
                keyStatus.Clear(channel.Id, all[i].Key);
            }

            all[i] = action switch
            {
                "disable_key" => (all[i].Key, false),
                "enable_key" => (all[i].Key, true),
                _ => (null!, false),
            };
        }
        else if (action == "delete_disabled_keys")
        {
            all = [.. all.Where(static k => k.Enabled)];
        }
        else if (action is "enable_all_keys" or "disable_all_keys")
        {
            var enabled = action == "enable_all_keys";
            all = [.. all.Select(k => (k.Key, enabled))];
            if (enabled)
            {
                keyStatus.Clear(channel.Id);
            }
        }
        else
        {
            return ManagementError.Invalid("Field 'action' must be one of get_key_status, " + string.Join(", ", KeyActions) + ".");
        }

        channel.Keys = [.. all.Where(static k => k.Key is not null && k.Enabled).Select(static k => k.Key)];
        state.DisabledKeys = [.. all.Where(static k => k.Key is not null && !k.Enabled).Select(static k => k.Key)];
        await store.UpdateAsync(channel, cancellationToken).ConfigureAwait(false);
        await stateStore.SaveAsync(state, cancellationToken).ConfigureAwait(false);
        ManagementLog.ChannelChanged(_logger, actor.Id, action, channel.Id);
        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return new ChannelEntry(channel, state);
    }
}
