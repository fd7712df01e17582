namespace LlmRelay.Storage;

/// <summary>One page of a store query and the number of rows matching it.</summary>
/// <typeparam name="T">The row type.</typeparam>
/// <param name="Items">The rows of the page.</param>
/// <param name="Total">The number of rows matching the query across all pages.</param>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, long Total);
