using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Management;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Channel administration: listing, reading, creating, editing (status too), deleting and testing channels; the <c>/api/channel/</c> routes and the dashboard both call it.</summary>
/// <remarks>
/// Every method needs <see cref="UserRole.Admin"/>. Every change reloads <see cref="ChannelCatalogProvider"/>, so the relay
/// routes by it on the next request without a restart. Scoped, like the stores.
/// </remarks>
internal sealed partial class ChannelService(
    IChannelStore store,
    IChannelStateStore stateStore,
    ChannelCatalogProvider catalog,
    ChannelKeyStatusRegistry keyStatus,
    ChannelTester tester,
    OutboundAddressPolicy policy,
    TimeProvider time,
    ILoggerFactory? loggerFactory = null)
{
    /// <summary>The creation modes: one channel, one channel per key, or one channel with every key.</summary>
    public static readonly string[] Modes = ["single", "batch", "multi_to_single"];

    private readonly ILogger _logger = loggerFactory?.CreateLogger("LlmRelay.Management") ?? NullLogger.Instance;

    /// <summary>Lists one page of channels, by priority (highest first) then id unless <paramref name="idOrder"/>.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="enabled"><see langword="true"/> for enabled channels only, <see langword="false"/> for the others, <see langword="null"/> for all.</param>
    /// <param name="type">Only channels of this type (case-insensitive); <see langword="null"/> or empty for all.</param>
    /// <param name="idOrder">Whether to list by id only.</param>
    /// <param name="page">The 1-based page.</param>
    /// <param name="pageSize">The page's size.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<ManagementResult<PagedResult<ChannelEntry>>> ListAsync(RelayUser actor, bool? enabled, string? type, bool idOrder, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channels = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).AsEnumerable();
        if (enabled is { } on)
        {
            channels = channels.Where(c => (c.Status == ChannelStatus.Enabled) == on);
        }

        if (!string.IsNullOrEmpty(type))
        {
            channels = channels.Where(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase));
        }

        if (!idOrder)
        {
            channels = channels.OrderByDescending(static c => c.Priority).ThenBy(static c => c.Id);
        }

        return await PageAsync([.. channels], page, pageSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists every channel, in the store's order, with its state.</summary>
    public async Task<ManagementResult<IReadOnlyList<ChannelEntry>>> ListAllAsync(RelayUser actor, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channels = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var states = await StatesAsync(cancellationToken).ConfigureAwait(false);
        return ManagementResult<IReadOnlyList<ChannelEntry>>.Success([.. channels.Select(c => new ChannelEntry(c, states.GetValueOrDefault(c.Id)))]);
    }

    /// <summary>Lists one page of the channels whose name or base URL holds <paramref name="keyword"/> (or whose id it is), that serve <paramref name="group"/> and a model holding <paramref name="model"/>; an empty filter matches every channel.</summary>
    public async Task<ManagementResult<PagedResult<ChannelEntry>>> SearchAsync(RelayUser actor, string keyword, string group, string model, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channels = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Where(c =>
            (keyword.Length == 0 || c.Name.Contains(keyword, StringComparison.OrdinalIgnoreCase) || c.BaseUrl.Contains(keyword, StringComparison.OrdinalIgnoreCase) || c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == keyword)
            && (group.Length == 0 || c.Group.Split(',', StringSplitOptions.TrimEntries).Contains(group, StringComparer.Ordinal))
            && (model.Length == 0 || c.Models.Any(m => m.Contains(model, StringComparison.OrdinalIgnoreCase)) || c.ModelMapping.ContainsKey(model))).ToList();
        return await PageAsync(channels, page, pageSize, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PagedResult<ChannelEntry>> PageAsync(List<RelayChannel> channels, int page, int pageSize, CancellationToken cancellationToken)
    {
        var states = await StatesAsync(cancellationToken).ConfigureAwait(false);
        var items = channels.Skip((page - 1) * pageSize).Take(pageSize).Select(c => new ChannelEntry(c, states.GetValueOrDefault(c.Id))).ToList();
        return new PagedResult<ChannelEntry>(items, channels.Count);
    }

    /// <summary>Returns a channel with its state.</summary>
    public async Task<ManagementResult<ChannelEntry>> GetAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var channel = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return channel is null
            ? ManagementError.NotFound("Channel")
            : new ChannelEntry(channel, await stateStore.FindAsync(id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Creates one channel (<c>single</c>, <c>multi_to_single</c>) or one per key (<c>batch</c>).</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="changes">The new channel's fields.</param>
    /// <param name="mode">One of <see cref="Modes"/>.</param>
    /// <param name="requestError">The reader's problem with the request around the channel's fields (the mode, the <c>channel</c> object), reported after theirs.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The created channels, each with the tag's state when a tag was given.</returns>
    public async Task<ManagementResult<IReadOnlyList<ChannelEntry>>> CreateAsync(RelayUser actor, ChannelChanges changes, string mode, string? requestError, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var template = new RelayChannel { CreatedAt = time.GetUtcNow() };
        var (keys, error) = Apply(changes, template, creating: true);
        error ??= requestError;
        if (error is null && !Modes.Contains(mode, StringComparer.Ordinal))
        {
            error = "Field 'mode' must be single, batch or multi_to_single.";
        }

        if (error is null && mode == "single" && keys!.Count > 1)
        {
            error = "Field 'key': single mode takes one key; use batch or multi_to_single for several.";
        }

        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var created = new List<RelayChannel>();
        if (mode == "batch" && keys!.Count > 1)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var copy = ChannelInput.Clone(template);
                copy.Name = $"{template.Name}-{i + 1}";
                copy.Keys = [keys[i]];
                created.Add(copy);
            }
        }
        else
        {
            template.Keys = keys!;
            created.Add(template);
        }

        var names = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(static c => c.Name).ToHashSet(StringComparer.Ordinal);
        if (created.FirstOrDefault(c => names.Contains(c.Name)) is { } clash)
        {
            return new ManagementError(StatusCodes.Status409Conflict, $"Field 'name': a channel named '{clash.Name}' exists.");
        }

        var tag = changes.Tag?.Trim();
        foreach (var channel in created)
        {
            await store.AddAsync(channel, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(tag))
            {
                await stateStore.SaveAsync(new ChannelState { ChannelId = channel.Id, Tag = tag }, cancellationToken).ConfigureAwait(false);
            }

            ManagementLog.ChannelChanged(_logger, actor.Id, "created", channel.Id);
        }

        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return ManagementResult<IReadOnlyList<ChannelEntry>>.Success(
            [.. created.Select(c => new ChannelEntry(c, string.IsNullOrEmpty(tag) ? null : new ChannelState { ChannelId = c.Id, Tag = tag }))]);
    }

    /// <summary>Changes a channel's fields (only those <paramref name="changes"/> sets); enabling it also re-enables the keys the relay disabled.</summary>
    public async Task<ManagementResult<ChannelEntry>> UpdateAsync(RelayUser actor, long id, ChannelChanges changes, CancellationToken cancellationToken)
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

        var oldName = channel.Name;
        var (keys, error) = Apply(changes, channel, creating: false);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        if (channel.Name != oldName && (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Any(c => c.Name == channel.Name && c.Id != channel.Id))
        {
            return new ManagementError(StatusCodes.Status409Conflict, $"Field 'name': a channel named '{channel.Name}' exists.");
        }

        if (keys is { Count: > 0 })
        {
            channel.Keys = keys;
        }

        await store.UpdateAsync(channel, cancellationToken).ConfigureAwait(false);
        var state = await stateStore.FindAsync(channel.Id, cancellationToken).ConfigureAwait(false);
        if (changes.Tag?.Trim() is { } tag)
        {
            state ??= new ChannelState { ChannelId = channel.Id };
            state.Tag = tag;
            await stateStore.SaveAsync(state, cancellationToken).ConfigureAwait(false);
        }

        if (changes.Status == ChannelStatus.Enabled)
        {
            // Enabling a channel also enables the keys the relay disabled; the reload below re-admits them.
            keyStatus.Clear(channel.Id);
        }

        ManagementLog.ChannelChanged(_logger, actor.Id, "updated", channel.Id);
        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return new ChannelEntry(channel, state);
    }

    /// <summary>Deletes a channel and its state.</summary>
    public async Task<ManagementError?> DeleteAsync(RelayUser actor, long id, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        if (!await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return ManagementError.NotFound("Channel");
        }

        await stateStore.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        ManagementLog.ChannelChanged(_logger, actor.Id, "deleted", id);
        await catalog.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Tests a channel with a real upstream call and records the time it took; a failed call is refused with status 502 and the test's message.</summary>
    /// <param name="actor">The acting user.</param>
    /// <param name="id">The channel's id.</param>
    /// <param name="model">The model to call; <see langword="null"/> or empty for the channel's first.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<ManagementResult<ChannelTestView>> TestAsync(RelayUser actor, long id, string? model, CancellationToken cancellationToken)
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

        var result = await TestAndRecordAsync(channel, model, cancellationToken).ConfigureAwait(false);
        return result.Success ? result : new ManagementError(StatusCodes.Status502BadGateway, result.Message);
    }

    /// <summary>Tests every enabled channel, one after another, and records each one's time.</summary>
    public async Task<ManagementResult<IReadOnlyList<ChannelTestView>>> TestAllAsync(RelayUser actor, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var enabled = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Where(static c => c.Status == ChannelStatus.Enabled);
        return await TestEachAsync(enabled, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ChannelTestView> TestAndRecordAsync(RelayChannel channel, string? model, CancellationToken cancellationToken)
    {
        var result = await tester.TestAsync(channel, model, cancellationToken).ConfigureAwait(false);
        var state = await stateStore.FindAsync(channel.Id, cancellationToken).ConfigureAwait(false) ?? new ChannelState { ChannelId = channel.Id };
        state.TestedAt = time.GetUtcNow();
        state.ResponseTimeMs = result.ResponseTime;
        await stateStore.SaveAsync(state, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            ManagementLog.ChannelTestFailed(_logger, channel.Id, LogText.Escape(result.Message)!);
        }

        return result;
    }

    private async Task<Dictionary<long, ChannelState>> StatesAsync(CancellationToken cancellationToken) =>
        (await stateStore.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(static s => s.ChannelId);

    /// <summary>Validates <paramref name="changes"/> as the API's reader does and applies them; returns the upstream keys given (empty when none).</summary>
    private (List<string>? Keys, string? Error) Apply(ChannelChanges changes, RelayChannel channel, bool creating)
    {
        var name = changes.Name?.Trim();
        var type = changes.Type?.Trim();
        var baseUrl = changes.BaseUrl?.Trim();
        var key = changes.Key?.Trim();
        var models = changes.Models?.Select(static m => m.Trim()).Where(static m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var group = changes.Group?.Trim();
        var tag = changes.Tag?.Trim();
        var error = changes.InputError
            ?? RequiredText("name", name, creating, 128)
            ?? FieldRules.Length("type", type, 32)
            ?? (type is not null && !ChannelInput.Types.Contains(type, StringComparer.Ordinal) ? ChannelInput.UnknownTypeMessage : null)
            ?? RequiredText("base_url", baseUrl, creating, 2048)
            ?? RequiredText("key", key, creating, 1 << 16)
            ?? (creating && models is null ? FieldRules.Required("models") : null)
            ?? FieldRules.Length("group", group, 256)
            ?? FieldRules.Range("weight", changes.Weight, 0, int.MaxValue)
            ?? FieldRules.Range("status", (long?)changes.Status, 1, 3)
            ?? FieldRules.Length("tag", tag, 64)
            ?? Timeout("connect_timeout_ms", changes.ConnectTimeout)
            ?? Timeout("first_byte_timeout_ms", changes.FirstByteTimeout)
            ?? Timeout("idle_timeout_ms", changes.IdleTimeout)
            ?? (baseUrl is not null ? ChannelInput.ValidateBaseUrl(baseUrl, policy) : null);
        if (error is null && creating && models!.Count == 0 && (changes.ModelMapping is null || changes.ModelMapping.Count == 0))
        {
            error = "Field 'models' must list at least one model.";
        }

        var keys = key?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (error is null && creating && keys!.Count == 0)
        {
            error = "Field 'key' must hold at least one upstream key.";
        }

        if (error is not null)
        {
            return (null, error);
        }

        channel.Name = name ?? channel.Name;
        channel.Type = type ?? channel.Type;
        channel.BaseUrl = baseUrl ?? channel.BaseUrl;
        channel.Models = models ?? channel.Models;
        channel.Group = string.IsNullOrEmpty(group) ? (string.IsNullOrEmpty(channel.Group) ? RelayGroups.Default : channel.Group) : group;
        channel.Priority = changes.Priority ?? channel.Priority;
        channel.Weight = changes.Weight is { } weight ? (int)weight : channel.Weight;
        channel.Status = changes.Status ?? channel.Status;
        channel.ModelMapping = changes.ModelMapping is { } mapping ? new Dictionary<string, string>(mapping, StringComparer.Ordinal) : channel.ModelMapping;
        channel.ConnectTimeout = Timeout(changes.ConnectTimeout, channel.ConnectTimeout);
        channel.FirstByteTimeout = Timeout(changes.FirstByteTimeout, channel.FirstByteTimeout);
        channel.IdleTimeout = Timeout(changes.IdleTimeout, channel.IdleTimeout);
        channel.ToolCallSieve = changes.ToolCallSieve ?? channel.ToolCallSieve;
        channel.ModelCapabilities = changes.ModelCapabilities ?? channel.ModelCapabilities;
        return (keys ?? [], null);
    }

    private static string? RequiredText(string field, string? value, bool required, int maxLength) =>
        required && value is null ? FieldRules.Required(field)
        : required && value!.Length == 0 ? FieldRules.Empty(field)
        : FieldRules.Length(field, value, maxLength);

    private static string? Timeout(string field, TimeSpan? value) =>
        value is { } t ? FieldRules.Range(field, (long)t.TotalMilliseconds, 0, ChannelInput.MaxTimeoutMilliseconds) : null;

    // Zero clears the channel's own timeout, so the global option applies; null keeps the stored one.
    private static TimeSpan? Timeout(TimeSpan? value, TimeSpan? stored) => value is { } t ? (t == TimeSpan.Zero ? null : t) : stored;

    private static ManagementError? RefuseNonAdmin(RelayUser actor) => actor.Role >= UserRole.Admin ? null : ManagementError.Forbidden();
}
