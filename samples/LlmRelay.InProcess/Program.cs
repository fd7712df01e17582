// Calls a model through LlmRelay in process: no gateway HTTP hop, but the same channel selection, failover and
// metering. The channel comes from configuration, e.g.
//   dotnet run --project samples/LlmRelay.InProcess -- \
//     --LlmRelay:Channels:0:BaseUrl=https://api.openai.com/v1 --LlmRelay:Channels:0:Keys:0=sk-... \
//     --LlmRelay:Channels:0:Models:0=gpt-4o-mini --Demo:Model=gpt-4o-mini --Demo:Question="Weather in Paris?"
using LlmRelay.Samples.InProcess;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using var host = InProcessApp.BuildHost(args);

// Starting the host syncs the declared channels into the (in-memory) stores and loads the channel catalog.
await host.StartAsync();

var configuration = host.Services.GetRequiredService<IConfiguration>();
var response = await WeatherAssistant.AskAsync(
    host.Services,
    configuration["Demo:Question"] ?? "What is the weather in Paris?",
    configuration["Demo:Model"] ?? "gpt-4o-mini",
    CancellationToken.None);
Console.WriteLine(response.Text);

await host.StopAsync();

/// <summary>The sample's entry point; internal, so that it never clashes with another sample's <c>Program</c>.</summary>
internal partial class Program;
