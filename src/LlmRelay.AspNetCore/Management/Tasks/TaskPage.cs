using LlmRelay.Tasks;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>A page of tasks as <see cref="TaskService"/> lists them, with the names of their users (empty for a user's own tasks).</summary>
/// <param name="Items">The tasks, newest first.</param>
/// <param name="Total">How many tasks the filters select.</param>
/// <param name="Usernames">The user names by id, for everyone's tasks.</param>
internal sealed record TaskPage(IReadOnlyList<RelayTask> Items, long Total, IReadOnlyDictionary<long, string> Usernames)
{
    /// <summary>Returns the name of the user with <paramref name="userId"/>, or <see langword="null"/>.</summary>
    public string? UsernameOf(long userId) => Usernames.TryGetValue(userId, out var name) ? name : null;
}
