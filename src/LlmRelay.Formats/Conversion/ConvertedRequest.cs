namespace LlmRelay.Formats.Conversion;

/// <summary>A request body converted for an upstream, with what the URL needs (Gemini puts model and streaming there).</summary>
/// <param name="Body">The UTF-8 JSON body.</param>
/// <param name="Model">The model named by the caller.</param>
/// <param name="Stream">Whether the caller asked for a stream.</param>
public sealed record ConvertedRequest(byte[] Body, string? Model, bool Stream);
