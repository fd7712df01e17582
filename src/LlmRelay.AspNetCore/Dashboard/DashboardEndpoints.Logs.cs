using System.Globalization;
using System.Text;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Logs;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tasks;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Usage logs through <see cref="LogService"/>: admins read everyone's rows, users their own, with the log API's filter parameters; the filtered rows also as CSV.</summary>
/// <remarks>
/// The filters live in the query string (a filtered view can be bookmarked, and the pager's links keep them); the date
/// fields are read in the viewer's time zone (<see cref="PageState.TimeZone"/>).
/// </remarks>
internal static partial class DashboardEndpoints
{
    private const int LogPageSize = 20;

    private const int ExportPageSize = 500;

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
            var (query, filter, error) = ReadLogFilter(r);
            var result = filter is null
                ? ManagementError.Invalid(error!)
                : await r.Service<LogService>().ListAsync(me.Actor, !me.IsAdmin, filter, page, LogPageSize, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } refusal)
            {
                r.State.Fail("logs", refusal);
            }

            var logs = result.Error is null ? result.Value : EmptyLogs;
            // Rows of asynchronous tasks (issue #17) link to their task, shown with where it stands now.
            var tasks = await r.Service<TaskService>().FindAsync(me.Actor, logs.Items.Select(static l => l.Other.TaskId).OfType<string>(), r.Context.RequestAborted).ConfigureAwait(false);
            var quota = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
            return await DashboardRenderer.RenderAsync<LogsPage>(r.Context, r.Parameters(
                ("Logs", logs.Items), ("Usernames", logs.Usernames), ("Tasks", tasks), ("Query", query), ("Page", page), ("PageSize", LogPageSize), ("Total", logs.Total), ("FormatQuota", (Func<long, string>)quota.Format)),
                result.Error?.StatusCode ?? StatusCodes.Status200OK).ConfigureAwait(false);
        });

        // The rows the same filters select, as CSV: an admin's are everyone's, a user's their own (LogService's scope).
        pages.Get("/logs/export", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var me = r.State.User!;
            var (_, filter, error) = ReadLogFilter(r);
            if (filter is null)
            {
                return Results.Content(error, "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
            }

            // Every matching row (issue #15: the export was cut at 100,000 rows without saying so), read a page at a time by
            // keyset and written as it is read, so the export holds one page in memory whatever its size.
            var pages = r.Service<LogService>().ReadAll(me.Actor, !me.IsAdmin, filter, ExportPageSize, r.Context.RequestAborted);
            if (pages.Error is { } refusal)
            {
                return Results.Content(refusal.Message, "text/plain; charset=utf-8", null, refusal.StatusCode);
            }

            var quota = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
            var zone = r.State.TimeZone;
            var ct = r.Context.RequestAborted;
            return Results.Stream(async body =>
            {
                var text = new StringBuilder();
                CsvWriter.AppendRow(text, "id", "time", "time_utc", "type", "user", "token_name", "model", "group", "channel", "quota", "cost_usd",
                    "prompt_tokens", "completion_tokens", "elapsed_ms", "first_byte_ms", "stream", "status_code", "request_id", "content");
                await foreach (var page in pages.Value.ConfigureAwait(false))
                {
                    foreach (var log in page.Items)
                    {
                        CsvWriter.AppendRow(text,
                            log.Id,
                            DisplayFormat.Time(log.CreatedAt, zone),
                            log.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                            LogTypeName(log.Type),
                            me.IsAdmin ? page.UsernameOf(log.UserId) ?? log.UserId.ToString(CultureInfo.InvariantCulture) : me.Username,
                            log.TokenName,
                            log.ModelName,
                            log.Group,
                            me.IsAdmin ? log.ChannelName : null,
                            log.Quota,
                            quota.Dollars(log.Quota),
                            log.PromptTokens,
                            log.CompletionTokens,
                            log.UseTimeMs,
                            log.FirstByteMs,
                            log.IsStream ? "true" : "false",
                            log.StatusCode,
                            log.RequestId,
                            log.Content);
                    }

                    await WriteAsync(body, text, ct).ConfigureAwait(false);
                }

                await WriteAsync(body, text, ct).ConfigureAwait(false);
            }, "text/csv; charset=utf-8", "llmrelay-logs.csv");
        });
    }

    /// <summary>Writes the CSV text gathered so far (one page) to the response and clears it, reusing one pooled UTF-8 buffer.</summary>
    private static async Task WriteAsync(Stream body, StringBuilder text, CancellationToken ct)
    {
        if (text.Length == 0)
        {
            return;
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var written = 0;
            foreach (var chunk in text.GetChunks())
            {
                written += Encoding.UTF8.GetBytes(chunk.Span, buffer.AsSpan(written));
            }

            await body.WriteAsync(buffer.AsMemory(0, written), ct).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            text.Clear();
        }
    }

    /// <summary>The stable English name of a log type, as the CSV export writes it.</summary>
    internal static string LogTypeName(UsageLogType type) => type switch
    {
        UsageLogType.TopUp => "topup",
        UsageLogType.Consume => "consume",
        UsageLogType.Manage => "manage",
        UsageLogType.Error => "error",
        UsageLogType.System => "system",
        UsageLogType.Refund => "refund",
        _ => ((int)type).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the page's filter fields from the query string, renamed to the log API's parameters and read by the same <see cref="LogFilterReader"/>.</summary>
    private static (Dictionary<string, string> Query, UsageLogFilter? Filter, string? Error) ReadLogFilter(DashboardRequest r)
    {
        var me = r.State.User!;
        var (query, parameters, error) = ReadFilterFields(r, LogFilters, static name => name is "username" or "channel");
        if (parameters is null)
        {
            return (query, null, error);
        }

        var (filter, readError) = LogFilterReader.Read(name => parameters.GetValueOrDefault(name) ?? "", self: !me.IsAdmin);
        return (query, filter, readError);
    }

    /// <summary>
    /// Reads a filter form's <paramref name="fields"/> from the query string (trimmed; the page shows them back) and the API
    /// parameters they stand for: <c>start</c> and <c>end</c> are datetime-local values in the viewer's time zone, passed on as
    /// <c>start_timestamp</c> and <c>end_timestamp</c>; the <paramref name="adminOnly"/> fields are dropped for a non-admin.
    /// </summary>
    private static (Dictionary<string, string> Query, Dictionary<string, string>? Parameters, string? Error) ReadFilterFields(DashboardRequest r, string[] fields, Func<string, bool> adminOnly)
    {
        var me = r.State.User!;
        var query = fields.ToDictionary(static f => f, f => r.Context.Request.Query[f].ToString().Trim(), StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in query)
        {
            if (value.Length == 0 || (!me.IsAdmin && adminOnly(name)))
            {
                continue;
            }

            if (name is "start" or "end")
            {
                // datetime-local values, in the viewer's time zone.
                if (DisplayFormat.FromLocalInput(value, r.State.TimeZone) is not { } instant)
                {
                    return (query, null, $"Query '{name}' must be a date and time (yyyy-MM-ddTHH:mm).");
                }

                parameters[name + "_timestamp"] = Math.Max(1, instant.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
                continue;
            }

            parameters[name] = value;
        }

        return (query, parameters, null);
    }
}
