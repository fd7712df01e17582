using System.Runtime.CompilerServices;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Usage;
using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Usage logs as users and administrators read them; the <c>/api/log/</c> and <c>/api/data/</c> routes and the dashboard both call it.</summary>
/// <remarks>
/// Reading everyone's rows (<c>self: false</c>) needs <see cref="UserRole.Admin"/>; a user's own rows (<c>self: true</c>)
/// are always filtered to the acting user, whatever the filter says, with no user name or channel filter.
/// Scoped, like <see cref="IUsageLogQueries"/>.
/// </remarks>
internal sealed class LogService(IUsageLogQueries queries)
{
    /// <summary>Lists one page of rows; for everyone's rows, with their users' names.</summary>
    public async Task<ManagementResult<LogPage>> ListAsync(RelayUser actor, bool self, UsageLogFilter filter, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (Scope(actor, self, filter) is not { } scoped)
        {
            return ManagementError.Forbidden();
        }

        var result = await queries.QueryAsync(scoped, page, pageSize, cancellationToken).ConfigureAwait(false);
        var names = self
            ? new Dictionary<long, string>()
            : await queries.GetUsernamesAsync([.. result.Items.Select(static l => l.UserId).Where(static id => id != 0).Distinct()], cancellationToken).ConfigureAwait(false);
        return new LogPage(result.Items, result.Total, names);
    }

    /// <summary>Reads every row the filter selects, newest first, a page at a time (an export); for everyone's rows, with their users' names.</summary>
    /// <remarks>The scope is checked before the first row is read; the pages come from <see cref="IUsageLogQueries.ReadPagesAsync"/>, so no more than one is held.</remarks>
    public ManagementResult<IAsyncEnumerable<LogPage>> ReadAll(RelayUser actor, bool self, UsageLogFilter filter, int pageSize, CancellationToken cancellationToken) =>
        Scope(actor, self, filter) is { } scoped
            ? ManagementResult<IAsyncEnumerable<LogPage>>.Success(PagesAsync(scoped, self, pageSize, cancellationToken))
            : ManagementError.Forbidden();

    private async IAsyncEnumerable<LogPage> PagesAsync(UsageLogFilter filter, bool self, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var rows in queries.ReadPagesAsync(filter, pageSize, cancellationToken).ConfigureAwait(false))
        {
            var names = self
                ? new Dictionary<long, string>()
                : await queries.GetUsernamesAsync([.. rows.Select(static l => l.UserId).Where(static id => id != 0).Distinct()], cancellationToken).ConfigureAwait(false);
            yield return new LogPage(rows, rows.Count, names);
        }
    }

    /// <summary>Returns hourly totals per model; consumption unless the filter names a type, as new-api does.</summary>
    public async Task<ManagementResult<IReadOnlyList<UsageLogHourlyAggregate>>> HourlyAsync(RelayUser actor, bool self, UsageLogFilter filter, CancellationToken cancellationToken)
    {
        if (Scope(actor, self, filter) is not { } scoped)
        {
            return ManagementError.Forbidden();
        }

        var rows = await queries.GetHourlyAsync(scoped with { Type = scoped.Type ?? UsageLogType.Consume }, cancellationToken).ConfigureAwait(false);
        return ManagementResult<IReadOnlyList<UsageLogHourlyAggregate>>.Success(rows);
    }

    /// <summary>Deletes every row created before <paramref name="before"/> (an administrator's clean-up, as <c>DELETE /api/log/</c>).</summary>
    /// <returns>How many rows were deleted.</returns>
    public async Task<ManagementResult<long>> DeleteBeforeAsync(RelayUser actor, DateTimeOffset before, CancellationToken cancellationToken) =>
        actor.Role < UserRole.Admin
            ? ManagementError.Forbidden()
            : await queries.DeleteBeforeAsync(before, cancellationToken).ConfigureAwait(false);

    // Everyone's rows for an administrator; a user's own rows for anyone; null when refused.
    private static UsageLogFilter? Scope(RelayUser actor, bool self, UsageLogFilter filter) =>
        self ? filter with { UserId = actor.Id, Username = null, ChannelId = null }
        : actor.Role >= UserRole.Admin ? filter
        : null;
}
