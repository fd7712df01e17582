using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>One page of <see cref="UsageLog"/> rows.</summary>
/// <param name="Items">The rows on the page, newest first.</param>
/// <param name="Total">The number of rows that match the query on all pages.</param>
public sealed record UsageLogPage(IReadOnlyList<UsageLog> Items, long Total);
