using System.Text.Json;
using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Selection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Talks to a channel's upstream on behalf of the management API: test calls, model lists and balances.</summary>
/// <remarks>
/// Thread-safe. Sends through the relay's own <see cref="UpstreamSender"/>, so tests see the same connection settings (and the same
/// outbound address policy) as traffic. A channel test is the key re-test's <see cref="ChannelProbe"/>: the channel's adapter
/// builds the URL, credentials and body in its own dialect, and the answer is read in that dialect (issue #14). Upstream
/// bodies are never echoed: an error answer is reported by its status and, for a test call or a balance query, only the
/// message field of a provider-shaped JSON error.
/// </remarks>
internal sealed class ChannelTester(UpstreamSender sender, ChannelProbe probe, IOptions<LlmRelayOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<ChannelTestView> TestAsync(RelayChannel channel, string? model, CancellationToken cancellationToken)
    {
        model = string.IsNullOrWhiteSpace(model) ? channel.Models.FirstOrDefault() ?? channel.ModelMapping.Keys.FirstOrDefault() : model.Trim();
        if (string.IsNullOrEmpty(model))
        {
            return new ChannelTestView(channel.Id, false, "", 0, "The channel has no models to test with.");
        }

        if (ChannelInput.KeyError(channel) is { } keyError)
        {
            return new ChannelTestView(channel.Id, false, model, 0, keyError);
        }

        var entry = new ChannelEntry(channel, options.Value);
        if (entry.Keys.IsEmpty)
        {
            return new ChannelTestView(channel.Id, false, model, 0, "The channel has no enabled key.");
        }

        var result = await probe.SendAsync(entry, 0, entry.MapModel(model), cancellationToken).ConfigureAwait(false);
        return new ChannelTestView(channel.Id, result.Success, model, (int)result.Elapsed.TotalMilliseconds, result.Message);
    }

    /// <summary>Returns why <paramref name="channel"/> has no upstream model list to fetch (a chat-client channel), or <see langword="null"/>.</summary>
    public static string? NoModelList(RelayChannel channel) =>
        string.Equals(channel.Type, ChannelTypes.ChatClient, StringComparison.OrdinalIgnoreCase)
            ? "A chat-client channel calls an in-process IChatClient, which has no model list to fetch; set the channel's models instead."
            : null;

    /// <summary>Asks the channel's upstream for its models in the channel's own dialect (URL and credentials from its adapter).</summary>
    /// <remarks>OpenAI, Azure, DeepSeek and Anthropic answer <c>data[].id</c>; Gemini answers <c>models[].name</c> (<c>models/</c> removed).</remarks>
    public async Task<(List<string>? Models, string? Error)> FetchModelsAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        var entry = new ChannelEntry(channel, options.Value);
        try
        {
            using var timeout = new TimeoutSource(Timeout, time, cancellationToken);
            using var response = await sender.SendAsync(entry, 0, RelayOperation.ListModels, "", default, stream: false, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // Only the status: this URL may be anything an admin typed, and its answer is not shown.
                return (null, $"The upstream answered {(int)response.StatusCode} ({response.StatusCode}).");
            }

            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var gemini = entry.Adapter is GeminiAdapter;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(gemini ? "models" : "data", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return (null, gemini ? "The upstream's model list has no 'models' array." : "The upstream's model list has no 'data' array.");
            }

            var models = new List<string>();
            foreach (var model in list.EnumerateArray())
            {
                if (model.ValueKind == JsonValueKind.Object && model.TryGetProperty(gemini ? "name" : "id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } name)
                {
                    name = gemini && name.StartsWith("models/", StringComparison.Ordinal) ? name["models/".Length..] : name;
                    if (!models.Contains(name, StringComparer.Ordinal))
                    {
                        models.Add(name);
                    }
                }
            }

            return (models, null);
        }
        catch (JsonException)
        {
            return (null, "The upstream's model list is not valid JSON.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, "The upstream did not answer: " + ex.Message);
        }
    }

    public async Task<(double? Balance, string? Error)> FetchBalanceAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        if (!string.Equals(channel.Type, ChannelTypes.DeepSeek, StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"Balance queries are not supported for channel type '{channel.Type}'; only 'deepseek' has a balance API here.");
        }

        if (ChannelInput.KeyError(channel) is { } keyError)
        {
            return (null, keyError);
        }

        var entry = new ChannelEntry(channel, options.Value);
        if (entry.Keys.IsEmpty)
        {
            return (null, "The channel has no enabled key.");
        }

        var root = channel.BaseUrl.Trim().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^3];
        }

        try
        {
            using var timeout = new TimeoutSource(Timeout, time, cancellationToken);
            using var response = await sender.GetAsync(entry, 0, new Uri(root + "/user/balance", UriKind.Absolute), timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, Answered(response, text));
            }

            using var document = JsonDocument.Parse(text);
            var total = 0.0;
            if (document.RootElement.TryGetProperty("balance_infos", out var infos) && infos.ValueKind == JsonValueKind.Array)
            {
                foreach (var info in infos.EnumerateArray())
                {
                    if (info.TryGetProperty("total_balance", out var value) &&
                        double.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount))
                    {
                        total += amount;
                    }
                }
            }

            return (total, null);
        }
        catch (JsonException)
        {
            return (null, "The upstream's balance answer is not valid JSON.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, "The upstream did not answer: " + ex.Message);
        }
    }

    // The status, plus the message of a provider-shaped JSON error ({"error":{"message"}}, {"error":"..."}, {"message"}); never the raw body.
    private static string Answered(HttpResponseMessage response, string body)
    {
        var status = $"The upstream answered {(int)response.StatusCode} ({response.StatusCode})";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var message = root.ValueKind != JsonValueKind.Object ? default
                : root.TryGetProperty("error", out var error) ? (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var inner) ? inner : error)
                : root.TryGetProperty("message", out var top) ? top : default;
            if (message.ValueKind == JsonValueKind.String && message.GetString() is { Length: > 0 } text)
            {
                return $"{status}: {(text.Length > 300 ? text[..300] : text).ReplaceLineEndings(" ")}";
            }
        }
        catch (JsonException)
        {
        }

        return status + ".";
    }
}
