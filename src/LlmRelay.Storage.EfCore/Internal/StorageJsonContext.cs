using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Source-generated JSON metadata for the list and dictionary columns.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(JsonStringEnumConverter<LlmRelay.Formats.Conversion.ReasoningControl>)])]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<LlmRelay.Management.DisabledChannelKey>))]
[JsonSerializable(typeof(Dictionary<string, LlmRelay.Formats.Conversion.ModelCapability>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
