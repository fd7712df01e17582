using System.Net.Http.Headers;
using System.Text.Json;
using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Providers;
using LlmRelay.Selection;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Talks to a channel's upstream on behalf of the management API: test calls, model lists and balances.</summary>
/// <remarks>
/// Thread-safe. Uses the relay's own <see cref="UpstreamInvoker"/>, so tests see the same connection settings (and the same
/// outbound address policy) as traffic. A channel test is the key re-test's <see cref="ChannelProbe"/>: the channel's adapter
/// builds the URL, credentials and body in its own dialect, and the answer is read in that dialect (issue #14). Upstream
/// bodies are never echoed: an error answer is reported by its status and, for a test call or a balance query, only the
/// message field of a provider-shaped JSON error.
/// </remarks>
internal sealed class ChannelTester(UpstreamInvoker invoker, ChannelProbe probe, TimeProvider time)
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

        var result = await probe.TestAsync(channel, model, cancellationToken).ConfigureAwait(false);
        return new ChannelTestView(channel.Id, result.Success, model, (int)result.Elapsed.TotalMilliseconds, result.Message);
    }

    public async Task<(List<string>? Models, string? Error)> FetchModelsAsync(string baseUrl, string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UpstreamUrls.Combine(UpstreamUrls.Normalize(baseUrl), "models"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Trim());
        try
        {
            using var deadline = new CancellationTokenSource(Timeout, time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            using var response = await invoker.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // Only the status: this URL may be anything an admin typed, and its answer is not shown.
                return (null, $"The upstream answered {(int)response.StatusCode} ({response.StatusCode}).");
            }

            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return (null, "The upstream's model list has no 'data' array.");
            }

            return ([.. data.EnumerateArray()
                .Select(static m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var id) ? id.GetString() : null)
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)], null);
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

        var key = channel.Keys.FirstOrDefault(static k => !string.IsNullOrWhiteSpace(k));
        if (key is null)
        {
            return (null, "The channel has no enabled key.");
        }

        var root = channel.BaseUrl.Trim().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^3];
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root + "/user/balance", UriKind.Absolute));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Trim());
        try
        {
            using var response = await invoker.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
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
        catch (HttpRequestException ex)
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
