using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>Source-generated JSON metadata for the state the gateway keeps in Redis (issue #18).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RedisStoredTurn[]))]
internal sealed partial class ScalingJsonContext : JsonSerializerContext;
