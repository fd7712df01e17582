namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The database engine behind the EF Core stores.</summary>
internal enum RelayDatabaseProvider
{
    /// <summary>An embedded SQLite file (the default).</summary>
    Sqlite = 1,

    /// <summary>A PostgreSQL server, for several gateway instances.</summary>
    PostgreSql = 2,
}
