using LlmRelay.Configuration;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>A gateway whose rate limiter reads a fake clock (the rest of the gateway keeps real time, so logs flush as usual).</summary>
internal static class RateLimitedGateway
{
    public static GatewayFactory Create(Dictionary<string, string?> settings, FakeTimeProvider clock, Func<IServiceProvider, IRateLimitStore>? store = null) =>
        new(settings, services => Use(services, clock, store));

    public static void Use(IServiceCollection services, FakeTimeProvider clock, Func<IServiceProvider, IRateLimitStore>? store = null) =>
        services.AddSingleton(sp => new RelayRateLimiter(
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            store?.Invoke(sp) ?? new InMemoryRateLimitStore(),
            clock,
            sp.GetRequiredService<ILogger<RelayRateLimiter>>()));

    /// <summary>The model each caller family asks for in <see cref="FamilyUpstream.Channels"/>.</summary>
    public static string ModelOf(string caller) => caller switch
    {
        "anthropic" => "anthropic-model",
        "gemini" or "gemini-query" => "gemini-model",
        _ => "openai-model",
    };
}
