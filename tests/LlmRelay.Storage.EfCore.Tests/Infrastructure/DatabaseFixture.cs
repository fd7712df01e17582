namespace LlmRelay.Storage.EfCore.Tests.Infrastructure;

/// <summary>One migrated database per provider for a test class, created on first use and dropped after the class.</summary>
public sealed class DatabaseFixture : IAsyncDisposable
{
    private readonly Dictionary<string, Task<TestDatabase>> _databases = [];
    private readonly Lock _lock = new();

    /// <summary>Gets the class's database for <paramref name="provider"/>; skips (or, on CI, fails) when PostgreSQL is not configured.</summary>
    public Task<TestDatabase> GetAsync(string provider)
    {
        lock (_lock)
        {
            if (!_databases.TryGetValue(provider, out var database) || database.IsFaulted || database.IsCanceled)
            {
                database = TestDatabase.CreateAsync(provider);
                _databases[provider] = database;
            }

            return database;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases.Values)
        {
            if (database.IsCompletedSuccessfully)
            {
                await database.Result.DisposeAsync();
            }
        }
    }
}
