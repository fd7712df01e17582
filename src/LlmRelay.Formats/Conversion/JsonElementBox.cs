using System.Text.Json;

namespace LlmRelay.Formats.Conversion;

/// <summary>Boxes a <see cref="JsonElement"/> so it can travel in a <see cref="FormatResult{T}"/>.</summary>
internal sealed record JsonElementBox(JsonElement Value);
