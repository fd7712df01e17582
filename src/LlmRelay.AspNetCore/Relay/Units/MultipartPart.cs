namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>One section of a multipart upload, kept as it came so that the body can be written again with the model renamed.</summary>
/// <param name="Name">The form field's name.</param>
/// <param name="FileName">The file name, or <see langword="null"/> for a plain field.</param>
/// <param name="Headers">The section's headers as <c>Name: value</c> lines.</param>
/// <param name="Content">
/// The section's content, read whole and seekable: a <see cref="Microsoft.AspNetCore.WebUtilities.FileBufferingReadStream"/>
/// that keeps up to 64 KiB in memory and the rest in a temporary file, disposed (the file deleted) with the response (issue #17).
/// </param>
internal sealed record MultipartPart(string Name, string? FileName, IReadOnlyList<string> Headers, Stream Content)
{
    /// <summary>Gets the content's length in bytes.</summary>
    public long Length => Content.Length;

    /// <summary>Gets the media type the section's <c>Content-Type</c> header names, or <see langword="null"/>.</summary>
    public string? ContentType
    {
        get
        {
            foreach (var header in Headers)
            {
                if (header.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                {
                    var value = header.AsSpan("Content-Type:".Length).Trim();
                    var semicolon = value.IndexOf(';');
                    return (semicolon < 0 ? value : value[..semicolon]).Trim().ToString();
                }
            }

            return null;
        }
    }
}
