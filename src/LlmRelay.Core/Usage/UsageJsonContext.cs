using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.Usage;

/// <summary>Source-generated JSON metadata for reading <see cref="UsageDetails"/> back from a usage-log row's <c>other</c> text (<see cref="UsageDetails.Parse"/>).</summary>
/// <remarks>
/// Property names come from the type's attributes. Writing is <see cref="UsageDetails.ToJson"/>'s own (a
/// <see cref="System.Text.Json.Utf8JsonWriter"/> with pre-encoded names, faster than the generated serializer); the
/// named floating-point literals read back what it writes for a non-finite ratio.
/// </remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(UsageDetails))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
