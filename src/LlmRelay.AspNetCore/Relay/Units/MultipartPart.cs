namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>One section of a multipart upload, kept as it came so that the body can be written again with the model renamed.</summary>
/// <param name="Name">The form field's name.</param>
/// <param name="FileName">The file name, or <see langword="null"/> for a plain field.</param>
/// <param name="Headers">The section's headers as <c>Name: value</c> lines.</param>
/// <param name="Body">The section's content.</param>
internal sealed record MultipartPart(string Name, string? FileName, IReadOnlyList<string> Headers, byte[] Body);
