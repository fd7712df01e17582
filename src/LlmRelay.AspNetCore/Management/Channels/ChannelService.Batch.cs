using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Management;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Channel operations on several channels at once (delete, enable, disable, test) and the upstream model list (issue #15).</summary>
internal sealed partial class ChannelService
{
    /// <summary>The message for a batch without channels.</summary>
    public const string NoIdsMessage = "Field 'ids' must not be empty.";

    /// <summary>Deletes the listed channels and their state; ids that name no channel are skipped.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="ids">The channels' ids (at least one).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many channels were deleted.</returns>
    public async Task<ManagementResult<long>> DeleteManyAsync(RelayUser actor, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (RefuseBatch(actor, ids) is { } refusal)
        {
            return refusal;
        }

        long deleted = 0;
        foreach (var id in ids.Distinct())
        {
            if (await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
            {
                await stateStore.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
                ManagementLog.ChannelChanged(_logger, actor.Id, "deleted", id);
                deleted++;
            }
        }

        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Deletes every channel that is not enabled, and its state.</summary>
    /// <returns>How many channels were deleted.</returns>
    public async Task<ManagementResult<long>> DeleteDisabledAsync(RelayUser actor, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var ids = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Where(static c => c.Status != ChannelStatus.Enabled).Select(static c => c.Id).ToList();
        return ids.Count == 0 ? 0L : await DeleteManyAsync(actor, ids, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the status of the listed channels; enabling also re-enables the keys the relay disabled. Ids that name no channel are skipped.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="ids">The channels' ids (at least one).</param>
    /// <param name="status"><see cref="ChannelStatus.Enabled"/> or <see cref="ChannelStatus.ManuallyDisabled"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many channels were changed.</returns>
    public async Task<ManagementResult<long>> SetStatusManyAsync(RelayUser actor, IReadOnlyCollection<long> ids, ChannelStatus status, CancellationToken cancellationToken)
    {
        if (RefuseBatch(actor, ids) is { } refusal)
        {
            return refusal;
        }

        if (status is not (ChannelStatus.Enabled or ChannelStatus.ManuallyDisabled))
        {
            return ManagementError.Invalid("Field 'status' must be 1 (enabled) or 2 (disabled).");
        }

        long changed = 0;
        foreach (var id in ids.Distinct())
        {
            if (await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } channel)
            {
                continue;
            }

            channel.Status = status;
            await store.UpdateAsync(channel, cancellationToken).ConfigureAwait(false);
            if (status == ChannelStatus.Enabled)
            {
                keyStatus.Clear(channel.Id);
            }

            ManagementLog.ChannelChanged(_logger, actor.Id, status == ChannelStatus.Enabled ? "enabled" : "disabled", id);
            changed++;
        }

        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>Tests the listed channels (whatever their status), one after another, and records each one's time; ids that name no channel are skipped.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="ids">The channels' ids (at least one).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One result per channel tested, failures included (with <see cref="ChannelTestView.Success"/> false and the test's message).</returns>
    public async Task<ManagementResult<IReadOnlyList<ChannelTestView>>> TestManyAsync(RelayUser actor, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (RefuseBatch(actor, ids) is { } refusal)
        {
            return refusal;
        }

        var wanted = ids.ToHashSet();
        var channels = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Where(c => wanted.Contains(c.Id));
        return ManagementResult<IReadOnlyList<ChannelTestView>>.Success(await TestEachAsync(channels, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Asks the upstream which models it serves, with the relay's own sender (the existing fetch-models probe).</summary>
    /// <remarks>
    /// With <paramref name="id"/>, the stored channel is asked, with whatever of <paramref name="type"/>, <paramref name="baseUrl"/>
    /// and <paramref name="key"/> is given in place of its own (a channel being edited); without it, those three describe the
    /// channel being written and <paramref name="baseUrl"/> and <paramref name="key"/> are required. Only the first key is used.
    /// </remarks>
    /// <param name="actor">The acting user.</param>
    /// <param name="id">The stored channel, or <see langword="null"/>.</param>
    /// <param name="type">The channel type; <see langword="null"/> or empty for the stored one (or OpenAI).</param>
    /// <param name="baseUrl">The upstream's base URL; <see langword="null"/> or empty for the stored one.</param>
    /// <param name="key">The upstream keys, one a line; <see langword="null"/> or empty for the stored ones.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The models the upstream lists; refused with 502 and the probe's message when the upstream fails.</returns>
    public async Task<ManagementResult<IReadOnlyList<string>>> FetchModelsAsync(RelayUser actor, long? id, string? type, string? baseUrl, string? key, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        type = string.IsNullOrWhiteSpace(type) ? null : type.Trim();
        baseUrl = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.Trim();
        var firstKey = key?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        RelayChannel channel;
        if (id is { } stored)
        {
            var found = await store.FindAsync(stored, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                return ManagementError.NotFound("Channel");
            }

            if (firstKey is null && ChannelInput.KeyError(found) is { } keyError)
            {
                return new ManagementError(StatusCodes.Status409Conflict, keyError);
            }

            channel = ChannelInput.Clone(found);
            channel.Id = found.Id;
        }
        else if (baseUrl is null || firstKey is null)
        {
            return ManagementError.Invalid(FieldRules.Required(baseUrl is null ? "base_url" : "key"));
        }
        else
        {
            channel = new RelayChannel { Type = ChannelTypes.OpenAI };
        }

        if (type is not null && !ChannelInput.Types.Contains(type, StringComparer.Ordinal))
        {
            return ManagementError.Invalid(ChannelInput.UnknownTypeMessage);
        }

        if (baseUrl is not null && ChannelInput.ValidateBaseUrl(baseUrl, policy) is { } urlError)
        {
            return ManagementError.Invalid(urlError);
        }

        channel.Type = type ?? channel.Type;
        channel.BaseUrl = baseUrl ?? channel.BaseUrl;
        channel.Keys = firstKey is not null ? [firstKey] : [.. channel.Keys.Take(1)];
        if (ChannelTester.NoModelList(channel) is { } noList)
        {
            return ManagementError.Invalid(noList);
        }

        if (!channel.Keys.Any(static k => !string.IsNullOrWhiteSpace(k)))
        {
            return ManagementError.Invalid("The channel has no enabled key.");
        }

        var (models, error) = await tester.FetchModelsAsync(channel, cancellationToken).ConfigureAwait(false);
        return models is null
            ? new ManagementError(StatusCodes.Status502BadGateway, error!)
            : ManagementResult<IReadOnlyList<string>>.Success(models);
    }

    private async Task<List<ChannelTestView>> TestEachAsync(IEnumerable<RelayChannel> channels, CancellationToken cancellationToken)
    {
        var results = new List<ChannelTestView>();
        foreach (var channel in channels)
        {
            results.Add(await TestAndRecordAsync(channel, null, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private static ManagementError? RefuseBatch(RelayUser actor, IReadOnlyCollection<long> ids) =>
        RefuseNonAdmin(actor) ?? (ids.Count == 0 ? ManagementError.Invalid(NoIdsMessage) : null);
}
