namespace LlmRelay.Storage;

/// <summary>Prepares and probes the database behind the stores.</summary>
public interface IRelayDatabase
{
    /// <summary>Creates the database if needed and applies every pending migration.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns whether the database answers a trivial query.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the database is reachable.</returns>
    Task<bool> CanConnectAsync(CancellationToken cancellationToken = default);
}
