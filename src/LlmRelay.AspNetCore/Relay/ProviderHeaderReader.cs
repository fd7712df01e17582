using LlmRelay.Formats;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Reads the caller's provider-family request headers that travel with a pass-through body (see <see cref="LlmRelay.Pipeline.RelayRequest.ProviderHeaders"/>).</summary>
internal static class ProviderHeaderReader
{
    private const string AnthropicPrefix = "anthropic-";

    /// <summary>Every <c>anthropic-*</c> header of an Anthropic-format call; nothing (no allocation) for the other formats or when there is none.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Read(IHeaderDictionary headers, WireFormat format)
    {
        if (format != WireFormat.Anthropic)
        {
            return [];
        }

        List<KeyValuePair<string, string>>? found = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith(AnthropicPrefix, StringComparison.OrdinalIgnoreCase))
            {
                (found ??= []).Add(new(header.Key, header.Value.ToString()));
            }
        }

        return found is null ? [] : found;
    }
}
