using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Runs a count and a page query for <see cref="PageQuery"/>.</summary>
internal static class Paging
{
    public const int MaxPageSize = 1000;

    public static async Task<PagedResult<T>> PageAsync<T>(IQueryable<T> ordered, PageQuery query, CancellationToken cancellationToken)
    {
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var total = await ordered.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var items = await ordered.Skip((page - 1) * size).Take(size).ToListAsync(cancellationToken).ConfigureAwait(false);
        return new PagedResult<T>(items, total);
    }
}
