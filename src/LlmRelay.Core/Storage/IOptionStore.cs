using LlmRelay.Management;

namespace LlmRelay.Storage;

/// <summary>Stores <see cref="SystemOption"/> values.</summary>
/// <remarks>Implementations are registered as scoped services and are not thread-safe.</remarks>
public interface IOptionStore
{
    /// <summary>Returns every stored option.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The options.</returns>
    Task<IReadOnlyList<SystemOption>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the given options in one transaction.</summary>
    /// <param name="options">The options to write.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the options are stored.</returns>
    Task SetAsync(IReadOnlyList<SystemOption> options, CancellationToken cancellationToken = default);
}
