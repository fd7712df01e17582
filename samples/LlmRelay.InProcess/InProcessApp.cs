using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmRelay.Samples.InProcess;

/// <summary>Builds the sample's host: LlmRelay with channels from configuration and in-memory stores.</summary>
public static class InProcessApp
{
    /// <summary>Creates the host; <paramref name="args"/> may carry configuration such as <c>--LlmRelay:Channels:0:BaseUrl=...</c>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The host, not yet started.</returns>
    public static IHost BuildHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // <add-llmrelay>
        builder.Services
            .AddLlmRelay(builder.Configuration.GetSection("LlmRelay"))
            .AddInMemoryStores();
        // </add-llmrelay>

        return builder.Build();
    }
}
