using LlmRelay.Samples.MinimalApi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Samples;

/// <summary>Hosts samples/LlmRelay.MinimalApi in memory with a fresh SQLite file and the given settings.</summary>
public sealed class MinimalApiFactory : WebApplicationFactory<MinimalApiSample>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _databasePath = Path.Combine(Path.GetTempPath(), $"llmrelay-minimalapi-{Guid.NewGuid():N}.db");

    /// <param name="settings">The app's configuration.</param>
    /// <param name="kestrel">Serve on real Kestrel at a loopback port (<see cref="Start"/>), for callers outside the process such as curl.</param>
    public MinimalApiFactory(Dictionary<string, string?> settings, bool kestrel = false)
    {
        if (kestrel)
        {
            UseKestrel(0);
        }

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

    /// <summary>Gets the Kestrel address after <see cref="Start"/>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts the Kestrel server (the factory was made with <c>kestrel: true</c>).</summary>
    public void Start()
    {
        StartServer();
        var address = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
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
