using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Channel groups (admin): a group exists while a channel or the GroupRatio option names it; <see cref="GroupService"/> adds, renames and deletes them.</summary>
internal static partial class DashboardEndpoints
{
    private static void MapGroups(Routes pages)
    {
        pages.Get("/groups", r => RenderGroupsAsync(r, StatusCodes.Status200OK));
        pages.Post("/groups/add", (r, form) => GroupActionAsync(r, service => service.AddAsync(r.Actor, form["name"].ToString(), r.Context.RequestAborted)));
        pages.Post("/groups/rename", (r, form) => GroupActionAsync(r, service => service.RenameAsync(r.Actor, form["name"].ToString(), form["new_name"].ToString(), r.Context.RequestAborted)));
        pages.Post("/groups/delete", (r, form) => GroupActionAsync(r, service => service.DeleteAsync(r.Actor, form["name"].ToString(), r.Context.RequestAborted)));
    }

    private static async Task<IResult> GroupActionAsync(DashboardRequest r, Func<GroupService, Task<ManagementError?>> action)
    {
        if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        if (await action(r.Service<GroupService>()).ConfigureAwait(false) is not { } error)
        {
            return r.Redirect("/groups", "saved");
        }

        r.State.Fail("group", error, "name");
        return await RenderGroupsAsync(r, error.StatusCode).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderGroupsAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "groups";
        var listed = await r.Service<ChannelService>().ListAsync(r.Actor, null, null, idOrder: false, 1, int.MaxValue, r.Context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<RelayChannel> channels = listed.Error is null ? [.. listed.Value.Items.Select(static e => e.Channel)] : [];
        var names = await r.Service<GroupService>().ListAsync(r.Actor, r.Context.RequestAborted).ConfigureAwait(false);
        var summaries = (names.Error is null ? names.Value : []).Select(name =>
        {
            var members = channels.Where(c => GroupService.GroupsOf(c.Group).Contains(name, StringComparer.Ordinal)).ToList();
            return new GroupSummary(name, members.Count, members.Count(static c => c.Status == ChannelStatus.Enabled));
        }).ToList();
        var selected = r.Context.Request.Query["name"].ToString();
        IReadOnlyList<RelayChannel> inGroup = selected.Length > 0 ? [.. channels.Where(c => GroupService.GroupsOf(c.Group).Contains(selected, StringComparer.Ordinal))] : [];
        return await DashboardRenderer.RenderAsync<GroupsPage>(r.Context, r.Parameters(
            ("Groups", summaries), ("Selected", selected.Length > 0 ? selected : null), ("Channels", inGroup)), status).ConfigureAwait(false);
    }
}
