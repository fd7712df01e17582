using System.Text.RegularExpressions;

namespace LlmRelay.Selection;

/// <summary>Builds upstream URLs from a channel's base URL, which users give with or without the version segment.</summary>
/// <remarks>Thread-safe.</remarks>
public static partial class UpstreamUrls
{
    /// <summary>Trims trailing slashes and, when the URL ends in no version segment, appends <c>/v1</c>.</summary>
    /// <remarks>
    /// new-api users write <c>https://api.openai.com</c>; OpenAI SDK users write <c>https://api.openai.com/v1</c>.
    /// Providers with other versions keep theirs (<c>/v4</c>, <c>/openai/v1</c>, <c>/v1beta</c>).
    /// </remarks>
    /// <param name="baseUrl">The base URL as the user gave it.</param>
    /// <param name="defaultVersion">The version segment appended when the URL has none.</param>
    /// <returns>The base URL, without a trailing slash, ending in a version segment.</returns>
    public static string Normalize(string baseUrl, string defaultVersion = "v1")
    {
        var trimmed = baseUrl.Trim().TrimEnd('/');
        return VersionSuffix().IsMatch(trimmed) ? trimmed : trimmed + "/" + defaultVersion;
    }

    /// <summary>Appends <paramref name="path"/> to a base URL returned by <see cref="Normalize"/>.</summary>
    /// <param name="normalizedBase">The normalized base URL.</param>
    /// <param name="path">The path under the version segment, such as <c>models</c>.</param>
    /// <returns>The absolute URL.</returns>
    /// <exception cref="UriFormatException">The result is not an absolute URL.</exception>
    public static Uri Combine(string normalizedBase, string path) => new(normalizedBase + "/" + path, UriKind.Absolute);

    [GeneratedRegex(@"/v\d+[a-z0-9]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VersionSuffix();
}
