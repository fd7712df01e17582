using LlmRelay.Tasks;
using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>Stores <see cref="RelayTask"/> rows: asynchronous upstream tasks (video generations), their progress and their settlement.</summary>
/// <remarks>
/// Registered by <c>AddEntityFrameworkStores()</c> (SQLite or PostgreSQL); without it the video routes answer 501 and nothing
/// is polled. Implementations are registered as scoped services and need not be thread-safe; several gateway instances may
/// poll the same rows, so finishing a task is one conditional update that only one of them wins.
/// </remarks>
public interface IRelayTaskStore
{
    /// <summary>Adds a task and assigns its <see cref="RelayTask.Id"/>.</summary>
    /// <param name="task">The task.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the row is stored.</returns>
    Task AddAsync(RelayTask task, CancellationToken cancellationToken = default);

    /// <summary>Finds a task by its public id.</summary>
    /// <param name="taskId">The public task id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The task, or <see langword="null"/>.</returns>
    Task<RelayTask?> FindAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Returns unfinished tasks whose <see cref="RelayTask.NextPollAt"/> is at or before <paramref name="now"/>, soonest first.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="max">The most rows to return.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The due tasks.</returns>
    Task<IReadOnlyList<RelayTask>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>Saves the status, progress and polling schedule of a task that is still running; a finished row is left as it is.</summary>
    /// <param name="task">The task.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the row was updated (it was not finished).</returns>
    Task<bool> UpdateProgressAsync(RelayTask task, CancellationToken cancellationToken = default);

    /// <summary>Finishes a running task (<see cref="RelayTask.Status"/> completed or failed) and, in the same transaction, appends <paramref name="refund"/>, which returns its quota.</summary>
    /// <param name="task">The task, with its final status, progress, reason and <see cref="RelayTask.FinishedAt"/>.</param>
    /// <param name="refund">A <see cref="UsageLogType.Refund"/> row for the token and user to credit, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when this call finished the task; <see langword="false"/> when it was finished already (nothing is written, no refund is made twice).</returns>
    Task<bool> TryFinishAsync(RelayTask task, UsageLog? refund, CancellationToken cancellationToken = default);

    /// <summary>Returns a page of tasks, newest first.</summary>
    /// <param name="query">The filters and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page and the number of matching rows.</returns>
    Task<PagedResult<RelayTask>> QueryAsync(RelayTaskQuery query, CancellationToken cancellationToken = default);
}
