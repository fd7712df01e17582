using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tasks;
using LlmRelay.AspNetCore.Management.Channels;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Asynchronous upstream tasks (video generations, issue #17) through <see cref="TaskService"/>: admins read everyone's, users their own, with the task API's filters.</summary>
/// <remarks>
/// The filters live in the query string as on the logs page, named as <c>GET /api/task/</c> names them (<c>task_id</c>,
/// <c>platform</c>, <c>status</c>; for admins <c>user_id</c> and <c>channel_id</c>), read by the API's own
/// <see cref="TaskEndpoints.Read"/>; <c>start</c> and <c>end</c> are read in the viewer's time zone.
/// </remarks>
internal static partial class DashboardEndpoints
{
    private const int TaskPageSize = 20;

    private static readonly string[] TaskFilters = ["task_id", "platform", "status", "user_id", "channel_id", "start", "end"];

    private static readonly TaskPage EmptyTasks = new([], 0, new Dictionary<long, string>());

    private static void MapTasks(Routes pages)
    {
        pages.Get("/tasks", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            r.State.Active = "tasks";
            var me = r.State.User!;
            var page = PageOf(r.Context);
            var (query, parameters, error) = ReadFilterFields(r, TaskFilters, static name => name is "user_id" or "channel_id");
            ManagementResult<TaskPage> result;
            if (parameters is null)
            {
                result = ManagementError.Invalid(error!);
            }
            else
            {
                parameters["p"] = page.ToString(CultureInfo.InvariantCulture);
                parameters["page_size"] = TaskPageSize.ToString(CultureInfo.InvariantCulture);
                var (filter, readError) = TaskEndpoints.Read(name => parameters.GetValueOrDefault(name) ?? "", self: !me.IsAdmin, midjourney: false);
                result = filter is null
                    ? ManagementError.Invalid(readError!)
                    : await r.Service<TaskService>().ListAsync(me.Actor, !me.IsAdmin, filter, r.Context.RequestAborted).ConfigureAwait(false);
            }

            if (result.Error is { } refusal)
            {
                r.State.Fail("tasks", refusal);
            }

            var tasks = result.Error is null ? result.Value : EmptyTasks;
            var channels = new Dictionary<long, string>();
            if (me.IsAdmin)
            {
                // The names of the (few) channels on the page, as the channel API reads them; a deleted channel shows its id.
                foreach (var id in tasks.Items.Select(static t => t.ChannelId).Distinct())
                {
                    var channel = await r.Service<ChannelService>().GetAsync(me.Actor, id, r.Context.RequestAborted).ConfigureAwait(false);
                    if (channel.Error is null)
                    {
                        channels[id] = channel.Value.Channel.Name;
                    }
                }
            }

            var quota = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
            return await DashboardRenderer.RenderAsync<TasksPage>(r.Context, r.Parameters(
                ("Tasks", tasks.Items), ("Usernames", tasks.Usernames), ("Channels", channels), ("Query", query), ("Page", page), ("PageSize", TaskPageSize), ("Total", tasks.Total), ("FormatQuota", (Func<long, string>)quota.Format)),
                result.Error?.StatusCode ?? StatusCodes.Status200OK).ConfigureAwait(false);
        });
    }
}
