using System.Text.Json;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>A management API answer: HTTP status and the <c>{"success","message","data"}</c> envelope.</summary>
internal sealed record ApiResponse(int Status, bool Success, string Message, JsonElement Data)
{
    /// <summary>Gets the <c>items</c> of a paged answer, or the data itself when it is an array.</summary>
    public IReadOnlyList<JsonElement> Items =>
        Data.ValueKind == JsonValueKind.Array ? [.. Data.EnumerateArray()]
        : Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? [.. items.EnumerateArray()]
        : [];

    /// <summary>Gets the <c>total</c> of a paged answer.</summary>
    public long Total => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("total", out var total) && total.TryGetInt64(out var value) ? value : Items.Count;
}
