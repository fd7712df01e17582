using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Channels (admin, issue #15): delete, batch enable/disable/delete/test, test all, inline priority and weight, models fetched from the upstream, key status.</summary>
/// <remarks>Each action calls <see cref="ChannelService"/>, as the <c>/api/channel/</c> routes do, then redirects or re-renders with its refusal.</remarks>
internal static partial class DashboardEndpoints
{
    private static void MapChannelActions(Routes pages)
    {
        pages.Post("/channels/delete", (r, form) => ChannelActionAsync(r, form, static async (r, reader) =>
        {
            var id = reader.Long("id", required: true, min: 1);
            var error = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<ChannelService>().DeleteAsync(r.Actor, id.Value, r.Context.RequestAborted).ConfigureAwait(false);
            return error is null ? r.Redirect("/channels", "deleted") : await ChannelsFailedAsync(r, error).ConfigureAwait(false);
        }));
        pages.Post("/channels/batch", (r, form) => ChannelActionAsync(r, form, static async (r, reader) =>
        {
            var ids = reader.LongList("ids");
            var action = reader.Text("action");
            var service = r.Service<ChannelService>();
            var ct = r.Context.RequestAborted;
            if (reader.Error is { } inputError)
            {
                return await ChannelsFailedAsync(r, ManagementError.Invalid(inputError)).ConfigureAwait(false);
            }

            if (action == "test")
            {
                var tested = await service.TestManyAsync(r.Actor, ids, ct).ConfigureAwait(false);
                return tested.Error is { } testError ? await ChannelsFailedAsync(r, testError).ConfigureAwait(false) : await TestResultsAsync(r, tested.Value).ConfigureAwait(false);
            }

            var result = action switch
            {
                "enable" => await service.SetStatusManyAsync(r.Actor, ids, ChannelStatus.Enabled, ct).ConfigureAwait(false),
                "disable" => await service.SetStatusManyAsync(r.Actor, ids, ChannelStatus.ManuallyDisabled, ct).ConfigureAwait(false),
                "delete" => await service.DeleteManyAsync(r.Actor, ids, ct).ConfigureAwait(false),
                _ => ManagementError.Invalid("Field 'action' must be enable, disable, delete or test."),
            };
            return result.Error is { } error
                ? await ChannelsFailedAsync(r, error).ConfigureAwait(false)
                : r.Redirect("/channels", action == "delete" ? "batch_deleted" : "batch_changed", result.Value);
        }));
        pages.Post("/channels/test-all", (r, form) => ChannelActionAsync(r, form, static async (r, _) =>
        {
            var tested = await r.Service<ChannelService>().TestAllAsync(r.Actor, r.Context.RequestAborted).ConfigureAwait(false);
            return tested.Error is { } error ? await ChannelsFailedAsync(r, error).ConfigureAwait(false) : await TestResultsAsync(r, tested.Value).ConfigureAwait(false);
        }));
        pages.Post("/channels/weights", (r, form) => ChannelActionAsync(r, form, static async (r, reader) =>
        {
            var id = reader.Long("id", required: true, min: 1);
            var changes = new ChannelChanges { Priority = reader.Long("priority", required: true), Weight = reader.Long("weight", required: true), InputError = reader.Error };
            var result = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<ChannelService>().UpdateAsync(r.Actor, id.Value, changes, r.Context.RequestAborted).ConfigureAwait(false);
            return result.Error is { } error ? await ChannelsFailedAsync(r, error).ConfigureAwait(false) : r.Redirect("/channels", "saved");
        }));
        pages.Post("/channels/keys", (r, form) => ChannelActionAsync(r, form, static async (r, reader) =>
        {
            var id = reader.Long("id", required: true, min: 1);
            var index = reader.Long("key_index", min: 0, max: int.MaxValue);
            var service = r.Service<ChannelService>();
            var result = id is null || reader.Error is not null
                ? ManagementError.Invalid(reader.Error!)
                : await service.ManageKeysAsync(r.Actor, id.Value, reader.Text("action"), index, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null)
            {
                return r.Redirect($"/channels/edit?id={id}#keys", "saved");
            }

            r.State.Fail("keys", result.Error);
            var channel = id is null ? null : await service.GetAsync(r.Actor, id.Value, r.Context.RequestAborted).ConfigureAwait(false) is { Error: null } found ? found.Value : null;
            return channel is null ? await ChannelsFailedAsync(r, result.Error).ConfigureAwait(false) : await RenderChannelEditAsync(r, channel, result.Error.StatusCode).ConfigureAwait(false);
        }));
        pages.Post("/channels/fetch-models", (r, form) => ChannelActionAsync(r, form, static async (r, reader) =>
        {
            // The channel form as typed: an edited channel's stored key is used when the key field is left empty.
            long? id = reader.Long("id", min: 0) is > 0 and var stored ? stored : null;
            var service = r.Service<ChannelService>();
            var ct = r.Context.RequestAborted;
            var fetched = reader.Error is { } inputError
                ? ManagementError.Invalid(inputError)
                : await service.FetchModelsAsync(r.Actor, id, reader.Text("type"), reader.Text("base_url"), reader.Text("key"), ct).ConfigureAwait(false);
            var channel = id is null ? null : await service.GetAsync(r.Actor, id.Value, ct).ConfigureAwait(false) is { Error: null } found ? found.Value : null;
            return fetched.Error is { } error
                ? await RenderChannelEditAsync(r, channel, error.StatusCode, ("FetchError", error.Message)).ConfigureAwait(false)
                : await RenderChannelEditAsync(r, channel, StatusCodes.Status200OK, ("FetchedModels", fetched.Value), ("FetchMessage", r.State.T("models_fetched", fetched.Value.Count))).ConfigureAwait(false);
        }));
    }

    /// <summary>Runs a channel action for an administrator (others are redirected) with a reader over its form.</summary>
    private static async Task<IResult> ChannelActionAsync(DashboardRequest r, IFormCollection form, Func<DashboardRequest, FormReader, Task<IResult>> action) =>
        await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect ? redirect : await action(r, new FormReader(form)).ConfigureAwait(false);

    private static Task<IResult> ChannelsFailedAsync(DashboardRequest r, ManagementError error)
    {
        r.State.Fail("channel", error);
        return RenderChannelsAsync(r, error.StatusCode);
    }

    private static async Task<IResult> TestResultsAsync(DashboardRequest r, IReadOnlyList<ChannelTestView> results)
    {
        var all = await r.Service<ChannelService>().ListAllAsync(r.Actor, r.Context.RequestAborted).ConfigureAwait(false);
        var names = all.Error is null ? all.Value.ToDictionary(static e => e.Channel.Id, static e => e.Channel.Name) : [];
        r.State.Flash = r.State.T("tested_summary", results.Count(static t => t.Success), results.Count);
        return await RenderChannelsAsync(r, StatusCodes.Status200OK, [.. results.Select(t => new ChannelTestRow(t.ChannelId, names.GetValueOrDefault(t.ChannelId, ""), t.Success, t.Model, t.ResponseTime, t.Message))]).ConfigureAwait(false);
    }
}
