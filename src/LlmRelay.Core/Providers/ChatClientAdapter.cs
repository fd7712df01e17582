using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>A channel served in process by a keyed <c>IChatClient</c>: base URL <c>chatclient://{key}</c>, OpenAI Chat bodies, chat only.</summary>
/// <remarks>
/// Nothing is sent over the network: <see cref="Client.ChatClientChannelInvoker"/> answers requests built for this
/// adapter, and <see cref="Client.RelayChatClient"/> calls the keyed client directly (issue #4).
/// </remarks>
internal sealed class ChatClientAdapter : ProviderAdapter
{
    /// <summary>The URI scheme of chat-client channels.</summary>
    public const string Scheme = "chatclient";

    public static readonly ChatClientAdapter Instance = new();

    public override WireFormat Format => WireFormat.OpenAIChat;

    public override bool Supports(RelayOperation operation) => operation == RelayOperation.Chat;

    public override string NormalizeBaseUrl(string baseUrl) => baseUrl.Trim().TrimEnd('/');

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream) =>
        // The key goes in the path, which keeps its case (a host would be lower-cased).
        new($"{Scheme}://local/{Uri.EscapeDataString(KeyOf(channel.BaseUrl))}/chat/completions", UriKind.Absolute);

    public override void Authenticate(HttpRequestMessage request, string key)
    {
        // The keyed client holds its own credentials; the channel's keys only drive per-key health and concurrency.
    }

    /// <summary>Returns the service key of a URI built by <see cref="BuildUri"/>, or <see langword="null"/>.</summary>
    public static string? KeyOf(Uri? requestUri)
    {
        if (requestUri is null || !string.Equals(requestUri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var segments = requestUri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length > 0 ? Uri.UnescapeDataString(segments[0]) : null;
    }

    /// <summary>Returns the service key named by a <c>chatclient://{key}</c> base URL (the URL itself when it has no such prefix).</summary>
    public static string KeyOf(string baseUrl)
    {
        var value = baseUrl.Trim();
        const string prefix = Scheme + "://";
        if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value[prefix.Length..];
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return Uri.UnescapeDataString(slash >= 0 ? value[..slash] : value);
    }
}
