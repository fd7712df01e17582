using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Responses;
using LlmRelay.Selection;
using LlmRelay.Tokenization;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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
        services.AddOptions<LlmRelayOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRelayOptions>, LlmRelayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRelayOptions>, PricingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RelayReadiness>();
        services.TryAddSingleton<ChannelCatalogProvider>();
        services.TryAddSingleton<ChannelLoadTracker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, WeightedRandomSelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, RoundRobinSelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, LeastBusySelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, LowestLatencySelectionPolicy>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRelayOptions>, ChannelSelectionOptionsValidator>());
        services.TryAddSingleton<TokenCache>();
        services.AddMetrics();
        services.TryAddSingleton<UsageLogQueue>();
        services.TryAddSingleton<UsageLogMetrics>();
        services.TryAddSingleton<UsageLogWriter>();
        services.TryAddSingleton<ModelPricing>();
        services.TryAddSingleton<ITokenCounter, SharpTokenCounter>();
        services.TryAddSingleton(static sp => new OutboundAddressPolicy(sp.GetRequiredService<IOptions<LlmRelayOptions>>()));
        services.TryAddSingleton<UpstreamInvoker>();
        services.TryAddSingleton<ChannelHealthTracker>();
        services.TryAddSingleton<ChannelKeyStatusRegistry>();
        services.AddSingleton<IChannelKeyStatusSink>(static sp => sp.GetRequiredService<ChannelKeyStatusRegistry>());
        services.TryAddSingleton<ChannelKeyStatusWriter>();
        services.TryAddSingleton<RelayConcurrency>();
        services.TryAddSingleton<ResponseStore>();
        services.TryAddSingleton<Client.ChatClientChannelInvoker>();
        services.TryAddSingleton<Pipeline.UpstreamSender>();
        services.TryAddSingleton<Pipeline.RelayPipeline>();
        services.TryAddSingleton<Health.ChannelProbe>();
        services.TryAddSingleton(static sp => new Client.RelayChatClient(sp, sp.GetRequiredService<IOptions<Client.RelayChatClientOptions>>().Value));

        // Start-up work runs before the log writer and before the server accepts requests.
        services.AddHostedService<RelayStartupService>();
        services.AddHostedService(static sp => sp.GetRequiredService<UsageLogWriter>());
        services.AddHostedService(static sp => sp.GetRequiredService<ChannelKeyStatusWriter>());
        services.AddHostedService<ChannelKeyRetestService>();
        services.AddHealthChecks().AddCheck<RelayReadinessHealthCheck>("llmrelay", tags: [RelayReadinessHealthCheck.Tag]);
    }
}
