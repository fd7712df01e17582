using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tasks;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>Asynchronous upstream tasks (video generations) as users and administrators read them; the <c>/api/task/</c> and <c>/api/mj/</c> routes and the dashboard's tasks and logs pages call it (issue #17).</summary>
/// <remarks>
/// Reading everyone's tasks (<c>self: false</c>) needs <see cref="UserRole.Admin"/>; a user's own (<c>self: true</c>) are always
/// the acting user's, whatever the query says, with no channel filter. Without the database stores (no <see cref="IRelayTaskStore"/>)
/// every read is refused with 501. Scoped, like the store.
/// </remarks>
internal sealed class TaskService(IServiceProvider services, IUsageLogQueries queries)
{
    /// <summary>The most task ids <see cref="FindAsync"/> looks up in one call (a page of logs).</summary>
    public const int MaxLookups = 100;

    private static readonly ManagementError Unavailable = new(StatusCodes.Status501NotImplemented, "Task logs need the database stores (AddEntityFrameworkStores()).");

    /// <summary>Lists one page of tasks, newest first; for everyone's tasks, with their users' names.</summary>
    public async Task<ManagementResult<TaskPage>> ListAsync(RelayUser actor, bool self, RelayTaskQuery query, CancellationToken cancellationToken)
    {
        if (services.GetService<IRelayTaskStore>() is not { } store)
        {
            return Unavailable;
        }

        if (!self && actor.Role < UserRole.Admin)
        {
            return ManagementError.Forbidden();
        }

        var scoped = self ? query with { UserId = actor.Id, ChannelId = null } : query;
        var page = await store.QueryAsync(scoped, cancellationToken).ConfigureAwait(false);
        var names = self
            ? new Dictionary<long, string>()
            : await queries.GetUsernamesAsync([.. page.Items.Select(static t => t.UserId).Where(static id => id != 0).Distinct()], cancellationToken).ConfigureAwait(false);
        return new TaskPage(page.Items, page.Total, names);
    }

    /// <summary>Finds the tasks with the given public ids that <paramref name="actor"/> may read (their own; an administrator's, any), by id.</summary>
    /// <remarks>Ids beyond <see cref="MaxLookups"/> and tasks of other users are left out; without the stores the answer is empty.</remarks>
    public async Task<IReadOnlyDictionary<string, RelayTask>> FindAsync(RelayUser actor, IEnumerable<string> taskIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, RelayTask>(StringComparer.Ordinal);
        if (services.GetService<IRelayTaskStore>() is not { } store)
        {
            return found;
        }

        foreach (var id in taskIds.Where(static id => id.Length is > 0 and <= 64).Distinct(StringComparer.Ordinal).Take(MaxLookups))
        {
            if (await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is { } task && (task.UserId == actor.Id || actor.Role >= UserRole.Admin))
            {
                found[id] = task;
            }
        }

        return found;
    }
}
