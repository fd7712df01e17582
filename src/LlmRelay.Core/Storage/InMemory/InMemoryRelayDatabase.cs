namespace LlmRelay.Storage.InMemory;

/// <summary>The <see cref="IRelayDatabase"/> of the in-memory stores: there is no schema, and it always answers.</summary>
internal sealed class InMemoryRelayDatabase : IRelayDatabase
{
    public Task MigrateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> CanConnectAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);
}
