using LlmRelay.Samples.MinimalApi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Samples;

/// <summary>Hosts samples/LlmRelay.MinimalApi in memory with a fresh SQLite file and the given settings.</summary>
public sealed class MinimalApiFactory : WebApplicationFactory<MinimalApiSample>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _databasePath = Path.Combine(Path.GetTempPath(), $"llmrelay-minimalapi-{Guid.NewGuid():N}.db");

    public MinimalApiFactory(Dictionary<string, string?> settings)
    {
        _settings = new Dictionary<string, string?>(settings)
        {
            ["ConnectionStrings:LlmRelay"] = $"Data Source={_databasePath}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["LlmRelay:Outbound:AllowPrivateAddresses"] = "true",
        };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(static logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            try
            {
                File.Delete(_databasePath + suffix);
            }
            catch (IOException)
            {
            }
        }
    }
}
