using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.Usage;

/// <summary>Source-generated JSON metadata for <see cref="UsageDetails"/>, the text of a usage-log row's <c>other</c> column.</summary>
/// <remarks>
/// Property names come from the type's attributes. Numbers are written as <see cref="double.ToString()"/> writes them
/// (shortest round-trip form, invariant culture), as the text was formatted before the type existed; a non-finite
/// ratio, which pricing validation never lets through, is written as a string rather than failing the row's write.
/// </remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(UsageDetails))]
internal sealed partial class UsageJsonContext : JsonSerializerContext;
