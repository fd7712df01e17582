using LlmRelay.Templates.Tests.Infrastructure;

namespace LlmRelay.FunctionalTests.Hosting;

/// <summary>Starts the built sample gateway (<c>dotnet LlmRelay.Gateway.dll</c>, copied next to the tests) as a real process.</summary>
public static class SampleGateway
{
    /// <summary>Starts it on a free loopback port and waits until <c>/readyz</c> answers 200.</summary>
    /// <param name="contentRoot">Its working directory and content root.</param>
    /// <param name="environment">Its settings as environment variables (<c>LlmRelay__Channels__0__BaseUrl</c>, ...).</param>
    public static async Task<AppProcess> StartAsync(string contentRoot, Dictionary<string, string?> environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LlmRelay.Gateway.dll");
        var gateway = AppProcess.Start(dll, contentRoot, AppProcess.FreePort(), passUrls: true, environment);
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await gateway.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(120));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }
}
