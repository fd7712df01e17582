namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Paged data: <c>{"items","total","page","page_size"}</c>.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed record PageView<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);
