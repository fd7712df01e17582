using LlmRelay.Changes;
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

// Types whose constructors are internal (public types that users resolve, never construct) are registered through
// factories: the container only calls public constructors (issue #14).
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRelayOptions>, ModelCapabilityOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RelayReadiness>();
        services.TryAddSingleton(static sp => new ChannelCatalogProvider(
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            sp.GetRequiredService<ChannelHealthTracker>(),
            sp.GetRequiredService<ChannelKeyStatusRegistry>(),
            sp.GetServices<IChannelSelectionPolicy>(),
            sp.GetRequiredService<ChannelLoadTracker>(),
            sp.GetRequiredService<IRelayChangeNotifier>()));
        services.TryAddSingleton<IRelayChangeNotifier, InProcessRelayChangeNotifier>();
        services.TryAddSingleton(static sp => new ModelResolver(sp.GetRequiredService<ChannelCatalogProvider>(), sp.GetRequiredService<IOptions<LlmRelayOptions>>()));
        services.TryAddSingleton<ChannelLoadTracker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, WeightedRandomSelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, RoundRobinSelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, LeastBusySelectionPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, LowestLatencySelectionPolicy>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmRelayOptions>, ChannelSelectionOptionsValidator>());
        services.TryAddSingleton(static sp => new TokenCache(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IRelayChangeNotifier>()));
        services.AddMetrics();
        services.TryAddSingleton<UsageLogQueue>();
        services.TryAddSingleton<UsageLogMetrics>();
        services.TryAddSingleton<UsageLogWriter>();
        services.TryAddSingleton(static sp => new ModelPricing(sp.GetRequiredService<IOptionsMonitor<LlmRelayOptions>>()));
        services.TryAddSingleton(static sp => new ModelCapabilities(sp.GetRequiredService<IOptionsMonitor<LlmRelayOptions>>()));
        services.TryAddSingleton<ITokenCounter, SharpTokenCounter>();
        services.TryAddSingleton(static sp => new OutboundAddressPolicy(sp.GetRequiredService<IOptions<LlmRelayOptions>>()));
        services.TryAddSingleton(static sp => new UpstreamInvoker(sp.GetRequiredService<IOptions<LlmRelayOptions>>(), sp.GetRequiredService<OutboundAddressPolicy>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ChannelHealthTracker>();
        services.TryAddSingleton(static _ => new ChannelKeyStatusRegistry());
        services.AddSingleton<IChannelKeyStatusSink>(static sp => sp.GetRequiredService<ChannelKeyStatusRegistry>());
        services.TryAddSingleton<ChannelKeyStatusWriter>();
        services.TryAddSingleton(static sp => new RelayConcurrency(
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IConcurrencySlotStore>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RelayConcurrency>>()));
        services.TryAddSingleton(static sp => new ResponseStore(sp.GetRequiredService<IOptions<LlmRelayOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ISessionAffinityStore>(static sp => new InMemorySessionAffinityStore(sp.GetRequiredService<IOptions<LlmRelayOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<RateLimiting.IRateLimitStore, RateLimiting.InMemoryRateLimitStore>();
        services.TryAddSingleton(static sp => new RateLimiting.RelayRateLimiter(
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            sp.GetRequiredService<RateLimiting.IRateLimitStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RateLimiting.RelayRateLimiter>>()));
        services.TryAddSingleton<Client.ChatClientChannelInvoker>();
        services.TryAddSingleton(static sp => new Diagnostics.UpstreamCaptureLog(sp.GetRequiredService<IOptions<LlmRelayOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<Pipeline.UpstreamSender>();
        services.TryAddSingleton(static sp => new Pipeline.RelayPipeline(
            sp.GetRequiredService<ChannelCatalogProvider>(),
            sp.GetRequiredService<Pipeline.UpstreamSender>(),
            sp.GetRequiredService<UsageLogQueue>(),
            sp.GetRequiredService<ChannelHealthTracker>(),
            sp.GetRequiredService<RelayConcurrency>(),
            sp.GetRequiredService<ModelPricing>(),
            sp.GetRequiredService<ModelCapabilities>(),
            sp.GetRequiredService<ITokenCounter>(),
            sp.GetRequiredService<ISessionAffinityStore>(),
            sp.GetRequiredService<RateLimiting.RelayRateLimiter>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Pipeline.RelayPipeline>>()));
        services.TryAddSingleton(static sp => new Tasks.VideoTaskRelay(
            sp.GetRequiredService<Pipeline.RelayPipeline>(),
            sp.GetRequiredService<ModelResolver>(),
            sp.GetRequiredService<ChannelCatalogProvider>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IServiceProviderIsService>(),
            sp.GetRequiredService<IOptions<LlmRelayOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Tasks.VideoTaskRelay>>()));
        services.TryAddSingleton(static sp => new ChannelProbe(sp.GetRequiredService<Pipeline.UpstreamSender>(), sp.GetRequiredService<IOptions<LlmRelayOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new Client.RelayChatClient(sp, sp.GetRequiredService<IOptions<Client.RelayChatClientOptions>>().Value));

        // Start-up work runs before the log writer and before the server accepts requests.
        services.AddHostedService<RelayStartupService>();
        services.AddHostedService<RelayChangeListener>();
        services.AddHostedService(static sp => sp.GetRequiredService<UsageLogWriter>());
        services.AddHostedService(static sp => sp.GetRequiredService<ChannelKeyStatusWriter>());
        services.AddHostedService<ChannelKeyRetestService>();
        services.AddHostedService<Tasks.RelayTaskPoller>(); // video tasks (issue #17): idle without an IRelayTaskStore
        services.AddHealthChecks().AddCheck<RelayReadinessHealthCheck>("llmrelay", tags: [RelayReadinessHealthCheck.Tag]);
    }
}
