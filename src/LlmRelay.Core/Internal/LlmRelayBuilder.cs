using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Internal;

internal sealed class LlmRelayBuilder(IServiceCollection services) : ILlmRelayBuilder
{
    public IServiceCollection Services { get; } = services;
}
