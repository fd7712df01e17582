using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Runs the sample gateway (samples/LlmRelay.Gateway) on real Kestrel with a fresh SQLite file.</summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _databasePath;

    private readonly Action<IServiceCollection>? _configureServices;

    public GatewayFactory(Dictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
        _databasePath = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
        _settings = new Dictionary<string, string?>(settings);
        _settings.TryAdd("ConnectionStrings:LlmRelay", $"Data Source={_databasePath}");

        // Mock upstreams listen on loopback, which the outbound address policy refuses by default.
        _settings.TryAdd("LlmRelay:Outbound:AllowPrivateAddresses", "true");
        UseKestrel(0);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient CreateGatewayClient(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public void Start()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Waits until the background writer has stored at least <paramref name="count"/> log rows, then returns them newest first.</summary>
    public async Task<IReadOnlyList<UsageLog>> WaitForLogsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            using var scope = Services.CreateScope();
            var page = await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(new UsageLogQuery { PageSize = 100 });
            if (page.Items.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(page.Items.Count >= count, $"Expected {count} usage-log rows, found {page.Items.Count}.");
                return page.Items;
            }

            await Task.Delay(50);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Host settings are visible to Program.cs before Build(), as environment variables are.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(static logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
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
