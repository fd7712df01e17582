using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Internal;

internal static class LlmRelayCoreServices
{
    public static void Add(IServiceCollection services)
    {
        // A marker makes repeated AddLlmRelay() calls harmless.
        if (services.Any(static d => d.ServiceType == typeof(LlmRelayMarker)))
        {
            return;
        }

        services.AddSingleton<LlmRelayMarker>();
        services.AddOptions<Configuration.LlmRelayOptions>();
    }
}
