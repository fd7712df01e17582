namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures LlmRelay's services; returned by <see cref="LlmRelayServiceCollectionExtensions.AddLlmRelay(IServiceCollection)"/>.</summary>
public interface ILlmRelayBuilder
{
    /// <summary>Gets the service collection LlmRelay registers into.</summary>
    IServiceCollection Services { get; }
}
