using LlmRelay.Usage;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>One page of usage-log rows, with the user names of their users for an administrator's listing.</summary>
/// <param name="Items">The rows, newest first.</param>
/// <param name="Total">How many rows match the filter.</param>
/// <param name="Usernames">User names by user id; empty for a user's own rows.</param>
internal sealed record LogPage(IReadOnlyList<UsageLog> Items, long Total, IReadOnlyDictionary<long, string> Usernames)
{
    /// <summary>Returns the user name of <paramref name="userId"/>, or <see langword="null"/> when unknown or not listed.</summary>
    public string? UsernameOf(long userId) => Usernames.TryGetValue(userId, out var name) ? name : null;
}
