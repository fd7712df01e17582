using System.Text.Json;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>JSON settings for bodies the dashboard sends to the management API (snake_case, like the API).</summary>
internal static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
