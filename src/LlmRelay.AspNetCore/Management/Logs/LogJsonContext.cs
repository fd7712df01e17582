using System.Text.Json.Serialization;
using LlmRelay.AspNetCore.Management.Infrastructure;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Source-generated JSON metadata for the log and statistics routes, with the options of <see cref="ManagementJsonContext"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(PageView<LogView>))]
[JsonSerializable(typeof(List<LogView>))]
[JsonSerializable(typeof(LogStatView))]
[JsonSerializable(typeof(List<HourlyUsageView>))]
[JsonSerializable(typeof(TokenUsageView))]
internal sealed partial class LogJsonContext : JsonSerializerContext;
