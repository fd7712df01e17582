namespace LlmRelay.Configuration;

/// <summary>Cross-origin (CORS) options for the relay endpoints (section <c>LlmRelay:Cors</c>).</summary>
/// <remarks>
/// Browser clients (web playgrounds, the OpenAI and Anthropic SDKs in a page) call the relay routes (<c>/v1/...</c>,
/// <c>/anthropic/...</c>, <c>/v1beta/...</c>, <c>/messages</c>) from other origins, as seed-ds2api.md allows: any origin,
/// and the headers a gateway key travels in. Preflight <c>OPTIONS</c> requests are answered without a key. The management
/// API, the admin API, the dashboard and the status page never get CORS headers: they use cookies or admin keys.
/// Gateway keys travel in headers, never in cookies, so credentials are not allowed.
/// </remarks>
public sealed class RelayCorsOptions
{
    /// <summary>Gets or sets whether the relay endpoints answer cross-origin requests.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets the origins (<c>https://app.example.com</c>) allowed to call the relay; empty allows any origin (<c>*</c>).</summary>
    /// <value>The default value is empty: any origin.</value>
    public IList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Gets request headers allowed beside the built-in ones (<c>Content-Type</c>, <c>Authorization</c>, <c>X-API-Key</c>, <c>x-goog-api-key</c>, <c>anthropic-version</c>, <c>anthropic-beta</c>); <c>*</c> allows any header.</summary>
    /// <remarks>Browser SDKs send their own headers (the OpenAI and Anthropic SDKs send <c>x-stainless-*</c>); list them, or <c>*</c>.</remarks>
    /// <value>The default value is empty: the built-in headers only.</value>
    public IList<string> AllowedHeaders { get; init; } = [];

    internal void Validate(string section, List<string> failures)
    {
        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            var origin = AllowedOrigins[i]?.Trim();
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.AbsolutePath == "/" && origin!.IndexOf('/', uri.Scheme.Length + 3) < 0))
            {
                failures.Add($"{section}:AllowedOrigins:{i} '{origin}' is not an origin: write scheme, host and port only, such as 'https://app.example.com', or '*'.");
            }
        }
    }
}
