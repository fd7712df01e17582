using System.Globalization;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>Task-log routes (issue #17): asynchronous upstream tasks, read from the <c>tasks</c> table (<see cref="Storage.IRelayTaskStore"/>, through <see cref="TaskService"/>).</summary>
/// <remarks>
/// <code>
/// GET /api/task/       admin  ?p=&amp;page_size=&amp;platform=&amp;task_id=&amp;status=&amp;channel_id=&amp;user_id=&amp;start_timestamp=&amp;end_timestamp=
/// GET /api/task/self   user   the same filters without channel_id and user_id; always the caller's own tasks
/// GET /api/mj/         admin  Midjourney-style image tasks (platform midjourney): ?mj_id=&amp;channel_id=&amp;user_id=&amp;start_timestamp=&amp;end_timestamp=
/// GET /api/mj/self     user   the caller's own
/// </code>
/// Every answer is <c>{"success":true,"data":{"items","total","page","page_size"}}</c>, newest first. The self routes hide the
/// channel and the upstream's id. LlmRelay relays no Midjourney tasks yet: the mj lists are real queries that find none.
/// </remarks>
internal static class TaskEndpoints
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/task/", static (HttpContext c, CancellationToken ct) => ListAsync(c, self: false, midjourney: false, ct)).At(AccessLevel.Admin);
        api.MapGet("/task/self", static (HttpContext c, CancellationToken ct) => ListAsync(c, self: true, midjourney: false, ct)).At(AccessLevel.User);
        api.MapGet("/mj/", static (HttpContext c, CancellationToken ct) => ListAsync(c, self: false, midjourney: true, ct)).At(AccessLevel.Admin);
        api.MapGet("/mj/self", static (HttpContext c, CancellationToken ct) => ListAsync(c, self: true, midjourney: true, ct)).At(AccessLevel.User);
    }

    private static async Task<ApiResult> ListAsync(HttpContext context, bool self, bool midjourney, CancellationToken ct)
    {
        var (query, error) = Read(name => context.Request.Query[name].ToString(), self, midjourney);
        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        var result = await context.RequestServices.GetRequiredService<TaskService>().ListAsync(context.CurrentUser(), self, query!, ct).ConfigureAwait(false);
        if (result.Error is { } refusal)
        {
            return ApiResult.From(refusal);
        }

        var items = result.Value.Items.Select(t => TaskView.From(t, admin: !self)).ToList();
        return ApiResult.Ok(new PageView<TaskView>(items, result.Value.Total, query!.Page, query.PageSize), TaskJsonContext.Default.PageViewTaskView);
    }

    /// <summary>Reads the filters and the page from the query string's parameters (<paramref name="parameter"/> returns one by name, empty when absent); the error names the parameter at fault.</summary>
    /// <remarks>The dashboard's tasks page reads its fields through the same method.</remarks>
    internal static (RelayTaskQuery? Query, string? Error) Read(Func<string, string> parameter, bool self, bool midjourney)
    {
        string Q(string name) => parameter(name).Trim();
        var page = 1;
        var size = DefaultPageSize;
        if (Q("p") is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return (null, "Query 'p' must be a page number from 1.");
        }

        if (Q("page_size") is { Length: > 0 } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return (null, $"Query 'page_size' must be between 1 and {MaxPageSize}.");
        }

        RelayTaskStatus? status = null;
        if (Q("status") is { Length: > 0 } st)
        {
            if (!TaskStatusNames.TryParse(st, out var parsed))
            {
                return (null, "Query 'status' must be queued, in_progress, completed or failed.");
            }

            status = parsed;
        }

        long? channel = null, user = null;
        DateTimeOffset? from = null, to = null;
        foreach (var (name, adminOnly) in (ReadOnlySpan<(string, bool)>)[("channel_id", true), ("user_id", true), ("start_timestamp", false), ("end_timestamp", false)])
        {
            if (Q(name) is not { Length: > 0 } text || (adminOnly && self))
            {
                continue;
            }

            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return (null, $"Query '{name}' must be a whole number.");
            }

            switch (name)
            {
                case "channel_id": channel = number; break;
                case "user_id": user = number; break;
                case "start_timestamp": from = DateTimeOffset.FromUnixTimeSeconds(Math.Min(number, 253402300799)); break;
                default: to = DateTimeOffset.FromUnixTimeSeconds(Math.Min(number, 253402300799)); break;
            }
        }

        var platform = midjourney ? RelayTaskPlatforms.Midjourney : Q("platform") is { Length: > 0 } pl ? pl : null;
        var taskId = Q(midjourney ? "mj_id" : "task_id") is { Length: > 0 } id ? id : null;
        return (new RelayTaskQuery { Page = page, PageSize = size, Platform = platform, TaskId = taskId, Status = status, ChannelId = channel, UserId = user, From = from, To = to }, null);
    }
}
