using System.ComponentModel;
using System.Globalization;
using LlmRelay.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Samples.InProcess;

/// <summary>Asks a model a question it answers with a tool, through <see cref="RelayChatClient"/> and Microsoft.Extensions.AI middleware.</summary>
public static class WeatherAssistant
{
    /// <summary>Sends <paramref name="question"/> with the <see cref="GetWeather"/> tool and returns the final answer.</summary>
    /// <param name="services">The host's services, with LlmRelay registered and started.</param>
    /// <param name="question">The user's question.</param>
    /// <param name="model">The model to ask; a channel must serve it.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>The model's answer after any tool calls.</returns>
    public static async Task<ChatResponse> AskAsync(IServiceProvider services, string question, string model, CancellationToken cancellationToken)
    {
        // <client>
        // RelayChatClient is an IChatClient: M.E.AI middleware wraps it like any other client. Function
        // invocation runs the tool calls the model asks for and sends the results back through the relay.
        IChatClient client = services.GetRelayChatClient()
            .AsBuilder()
            .UseFunctionInvocation()
            .UseLogging(services.GetRequiredService<ILoggerFactory>())
            .Build(services);

        var options = new ChatOptions
        {
            ModelId = model,
            Tools = [AIFunctionFactory.Create(GetWeather)],
        };
        return await client.GetResponseAsync(question, options, cancellationToken);
        // </client>
    }

    /// <summary>A stand-in weather service the model can call.</summary>
    /// <param name="city">The city.</param>
    /// <returns>The weather there.</returns>
    [Description("Gets the current weather in a city.")]
    public static string GetWeather([Description("The city, such as Paris.")] string city) =>
        string.Create(CultureInfo.InvariantCulture, $"{city}: 21 degrees Celsius, sunny");
}
