using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.RateLimiting;

/// <summary>Reads the stored <c>RateLimits</c> option; property names match the configuration keys, in any case, and unknown names are errors.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(StoredRateLimits))]
internal sealed partial class RateLimitJsonContext : JsonSerializerContext;
