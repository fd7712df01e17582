using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Logs;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Usage logs through <see cref="LogService"/>: admins read everyone's rows, users their own, with the log API's filter parameters.</summary>
internal static partial class DashboardEndpoints
{
    private const int LogPageSize = 20;

    private static readonly LogPage EmptyLogs = new([], 0, new Dictionary<long, string>());

    private static readonly string[] LogFilters = ["type", "model_name", "token_name", "group", "username", "channel", "start", "end"];

    private static void MapLogs(Routes pages)
    {
        pages.Get("/logs", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            r.State.Active = "logs";
            var me = r.State.User!;
            var page = PageOf(r.Context);
            var query = LogFilters.ToDictionary(static f => f, f => r.Context.Request.Query[f].ToString().Trim(), StringComparer.Ordinal);
            // The page's filter fields, renamed to the log API's query parameters and read by the same LogFilterReader.
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in query)
            {
                if (value.Length == 0 || (!me.IsAdmin && name is "username" or "channel"))
                {
                    continue;
                }

                var (apiName, apiValue) = name switch
                {
                    "start" => ("start_timestamp", Unix(value)),
                    "end" => ("end_timestamp", Unix(value)),
                    _ => (name, value),
                };
                parameters[apiName] = apiValue;
            }

            var (filter, error) = LogFilterReader.Read(name => parameters.GetValueOrDefault(name) ?? "", self: !me.IsAdmin);
            var result = filter is null
                ? ManagementError.Invalid(error!)
                : await r.Service<LogService>().ListAsync(me.Actor, !me.IsAdmin, filter, page, LogPageSize, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } refusal)
            {
                r.State.Fail("logs", refusal);
            }

            var logs = result.Error is null ? result.Value : EmptyLogs;
            return await DashboardRenderer.RenderAsync<LogsPage>(r.Context, r.Parameters(
                ("Logs", logs.Items), ("Usernames", logs.Usernames), ("Query", query), ("Page", page), ("PageSize", LogPageSize), ("Total", logs.Total)),
                result.Error?.StatusCode ?? StatusCodes.Status200OK).ConfigureAwait(false);
        });
    }

    private static string Unix(string local) =>
        DateTime.TryParse(local, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time)
            ? new DateTimeOffset(time).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
            : local;
}
