using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Source-generated JSON metadata for the admin API's answers, which are built as <see cref="JsonObject"/> in the seed's shapes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
