using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Channels (admin): list, create/edit (multi-key, mapping, priority, weight, tag), test, enable/disable; the batch and key actions are in <c>DashboardEndpoints.ChannelActions.cs</c>.</summary>
internal static partial class DashboardEndpoints
{
    private const int ChannelPageSize = 20;
    private const UserRole AdminRole = UserRole.Admin;
    private const UserRole RootRole = UserRole.Root;

    private static readonly string[] ChannelFields = ["name", "type", "base_url", "models", "group", "priority", "weight", "tag", "key", "model_mapping", ChannelCapabilityInput.Field];

    private static void MapChannels(Routes pages)
    {
        pages.Get("/channels", r => RenderChannelsAsync(r, StatusCodes.Status200OK));
        MapChannelActions(pages);
        pages.Get("/channels/edit", async r =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var id = LongOrNull(r.Context.Request.Query["id"]);
            ChannelEntry? channel = null;
            if (id is not null)
            {
                var found = await r.Service<ChannelService>().GetAsync(r.Actor, id.Value, r.Context.RequestAborted).ConfigureAwait(false);
                if (found.Error is not null)
                {
                    return r.Redirect("/channels");
                }

                channel = found.Value;
            }

            return await RenderChannelEditAsync(r, channel, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/channels/save", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id") ?? 0;
            var priority = reader.Long("priority");
            var weight = reader.Long("weight");
            var (mapping, mappingError) = ParseMapping(reader.Text("model_mapping"));
            // Read and checked as the API's model_capabilities field (blank clears the channel's overrides).
            var (capabilities, capabilitiesError) = ChannelCapabilityInput.Parse(reader.Text(ChannelCapabilityInput.Field));

            // The key field is left empty on an edit to keep the stored keys.
            var key = reader.Text("key").Replace("\r", "", StringComparison.Ordinal).Trim();
            var changes = new ChannelChanges
            {
                InputError = reader.Error,
                Name = reader.Text("name"),
                Type = reader.Text("type"),
                BaseUrl = reader.Text("base_url"),
                Models = FieldRules.SplitList(reader.Text("models")),
                Group = reader.Text("group"),
                Priority = priority,
                Weight = weight,
                Tag = reader.Text("tag"),
                ModelMapping = mapping,
                ToolCallSieve = form["tool_call_sieve"] == "true",
                ModelCapabilities = capabilities,
                Key = key.Length > 0 || id == 0 ? key : null,
            };
            var service = r.Service<ChannelService>();
            ManagementError? error;
            if ((mappingError ?? capabilitiesError) is { } formError)
            {
                error = ManagementError.Invalid(formError);
            }
            else if (id == 0)
            {
                var keys = key.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                error = (await service.CreateAsync(r.Actor, changes, keys.Length > 1 ? "multi_to_single" : "single", null, r.Context.RequestAborted).ConfigureAwait(false)).Error;
            }
            else
            {
                error = (await service.UpdateAsync(r.Actor, id, changes, r.Context.RequestAborted).ConfigureAwait(false)).Error;
            }

            if (error is null)
            {
                return r.Redirect("/channels", "saved");
            }

            r.State.Fail("channel", error, ChannelFields);
            ChannelEntry? channel = null;
            if (id != 0 && await service.GetAsync(r.Actor, id, r.Context.RequestAborted).ConfigureAwait(false) is { Error: null } found)
            {
                channel = found.Value;
            }

            return await RenderChannelEditAsync(r, channel, error.StatusCode).ConfigureAwait(false);
        });
        pages.Post("/channels/test", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id", required: true);
            var result = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<ChannelService>().TestAsync(r.Actor, id.Value, null, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null)
            {
                return r.Redirect("/channels", "test_ok", result.Value.ResponseTime);
            }

            r.State.Fail("channel", result.Error);
            return await RenderChannelsAsync(r, result.Error.StatusCode).ConfigureAwait(false);
        });
        pages.Post("/channels/status", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id", required: true, min: 1);
            var status = reader.Long("status");
            var changes = new ChannelChanges { InputError = reader.Error, Status = status is { } s ? (ChannelStatus)(int)Math.Clamp(s, int.MinValue, int.MaxValue) : null };
            var result = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<ChannelService>().UpdateAsync(r.Actor, id.Value, changes, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null)
            {
                return r.Redirect("/channels", "saved");
            }

            r.State.Fail("channel", result.Error);
            return await RenderChannelsAsync(r, result.Error.StatusCode).ConfigureAwait(false);
        });
    }

    /// <summary>Reads "requested=upstream" lines (or a JSON object) into a map.</summary>
    private static (Dictionary<string, string> Map, string? Error) ParseMapping(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        text = text.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                return (JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? map, null);
            }
            catch (JsonException)
            {
                return (map, "Field 'model_mapping' must be a JSON object of strings or requested=upstream lines.");
            }
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == line.Length - 1)
            {
                return (map, $"Field 'model_mapping': line '{line}' is not requested=upstream.");
            }

            map[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return (map, null);
    }

    private static async Task<IResult> RenderChannelsAsync(DashboardRequest r, int status, IReadOnlyList<ChannelTestRow>? testResults = null)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "channels";
        var page = PageOf(r.Context);
        var channels = await r.Service<ChannelService>().ListAsync(r.Actor, null, null, idOrder: false, page, ChannelPageSize, r.Context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<ChannelEntry> items = channels.Error is null ? channels.Value.Items : [];
        var keyStatus = r.Service<ChannelKeyStatusRegistry>();
        var keysOff = items.ToDictionary(static e => e.Channel.Id, e => AutoDisabledKeyView.ListOf(e.Channel, keyStatus).Count);
        return await DashboardRenderer.RenderAsync<ChannelsPage>(r.Context, r.Parameters(
            ("Channels", items.Select(static e => (e.Channel, e.State)).ToList()), ("KeysOff", keysOff), ("TestResults", testResults),
            ("Page", page), ("PageSize", ChannelPageSize), ("Total", channels.Error is null ? channels.Value.Total : 0L)), status).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderChannelEditAsync(DashboardRequest r, ChannelEntry? channel, int status, params (string Name, object? Value)[] extra)
    {
        r.State.Active = "channels";
        IReadOnlyList<ChannelKeyRow> keys = [];
        if (channel is not null && await r.Service<ChannelService>().KeyStatusAsync(r.Actor, channel.Channel.Id, r.Context.RequestAborted).ConfigureAwait(false) is { Error: null } listed)
        {
            keys = [.. listed.Value.Select(static k => new ChannelKeyRow(k.Index, k.Status, k.Key, k.Reason, k.DisabledTime ?? 0))];
        }

        return await DashboardRenderer.RenderAsync<ChannelEditPage>(r.Context, r.Parameters([("Channel", channel?.Channel), ("ChannelState", channel?.State), ("Keys", keys), .. extra]), status).ConfigureAwait(false);
    }
}
