using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>One scripted upstream and one <see cref="AgentGateway"/> shared by a test class's cases (a gateway costs seconds to start).</summary>
public sealed class AgentGatewayFixture : IAsyncLifetime
{
    public MockUpstream Upstream { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await MockUpstream.StartAsync(ScriptedUpstream.Handler);
        Gateway = AgentGateway.Start(Upstream.BaseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
