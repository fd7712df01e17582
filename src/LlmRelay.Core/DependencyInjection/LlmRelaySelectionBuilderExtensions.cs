using LlmRelay.Selection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds channel selection policies to LlmRelay.</summary>
public static class LlmRelaySelectionBuilderExtensions
{
    /// <summary>Registers <typeparamref name="TPolicy"/> as a channel selection policy, chosen by its <see cref="IChannelSelectionPolicy.Name"/> in <c>LlmRelay:Selection</c>.</summary>
    /// <remarks>A policy whose name equals a built-in one's replaces it. Registering the same type twice is harmless.</remarks>
    /// <typeparam name="TPolicy">The policy type, created once as a singleton.</typeparam>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddChannelSelectionPolicy<TPolicy>(this ILlmRelayBuilder builder)
        where TPolicy : class, IChannelSelectionPolicy
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IChannelSelectionPolicy, TPolicy>());
        return builder;
    }
}
