using Microsoft.AspNetCore.Authentication;

namespace LlmRelay.Samples.MinimalApi;

/// <summary>The app's own API keys: key -> client name. Bound from the <c>App</c> configuration section.</summary>
internal sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Gets the accepted keys and the client name each one authenticates.</summary>
    public Dictionary<string, string> ApiKeys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Gets the clients that may use the LLM endpoints (they get the <c>scope=llm</c> claim).</summary>
    public List<string> LlmClients { get; init; } = [];
}
