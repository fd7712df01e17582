using System.Globalization;
using LlmRelay.Channels;
using LlmRelay.Client;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using LlmRelay.Internal;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Selection;
using Microsoft.Extensions.Options;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Health;

/// <summary>Sends the smallest useful chat call (one "hi", one output token) with one key of a channel, in the channel's own dialect, and reads the answer in that dialect.</summary>
/// <remarks>
/// <code>
/// OpenAI Chat "hi" ─► BodyConverter.ConvertRequest ─► body in the adapter's format
/// UpstreamSender.SendAsync: adapter.BuildUri + Authenticate ─► the channel's upstream (HTTP, or a chat-client channel in process)
/// 2xx ─► BodyConverter.ConvertResponse: an answer in the dialect, or a failure
/// else ─► ChannelFailureClassifier.TryReadError: the upstream's own error message (OpenAI, Anthropic or Gemini shape)
/// </code>
/// The one probe behind the management API's channel test and <see cref="ChannelKeyRetestService"/> (issue #14), so both
/// call a channel as the relay does. Never on the request path. Thread-safe. Registered by <c>AddLlmRelay()</c>: resolve it
/// from the service provider.
/// </remarks>
public sealed class ChannelProbe
{
    private readonly UpstreamSender sender;
    private readonly TimeProvider time;
    private readonly LlmRelayOptions _defaults;

    internal ChannelProbe(UpstreamSender sender, IOptions<LlmRelayOptions> options, TimeProvider time)
    {
        this.sender = sender;
        this.time = time;
        _defaults = options.Value;
    }

    /// <summary>The longest a probe waits, whatever the channel's first-byte timeout.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    // A one-token answer is small; anything bigger is not one.
    private const int MaxAnswerBytes = 64 * 1024;

    /// <summary>Calls <paramref name="channel"/> with its first enabled key and <paramref name="model"/>, as the relay would (the channel's model mapping and timeouts apply).</summary>
    /// <param name="channel">The channel, as stored; it need not be enabled or in the current catalog.</param>
    /// <param name="model">The model as callers name it.</param>
    /// <param name="cancellationToken">Cancels the probe; a cancellation is thrown, a timeout is a failed result.</param>
    /// <returns>The outcome; its message never holds the key. A channel without an enabled key is a failed result, nothing is sent.</returns>
    public Task<ChannelProbeResult> TestAsync(RelayChannel channel, string model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(model);
        var entry = new ChannelEntry(channel, _defaults);
        return entry.Keys.IsEmpty
            ? Task.FromResult(new ChannelProbeResult(0, false, TimeSpan.Zero, "The channel has no enabled key.", KeyAccepted: false))
            : SendAsync(entry, 0, entry.MapModel(model), cancellationToken);
    }

    /// <summary>Asks <paramref name="channel"/>'s upstream for its model list, in the channel's own dialect (URL and credentials from its provider adapter), with its first enabled key.</summary>
    /// <remarks>
    /// OpenAI, Azure, DeepSeek and Anthropic answer <c>data[].id</c>; Gemini answers <c>models[].name</c>, returned without
    /// its <c>models/</c> prefix. A chat-client channel has no list to fetch: a failed result, nothing is called. An error
    /// answer is reported by its status only (the URL may be anything an admin typed; its body is not shown).
    /// </remarks>
    /// <param name="channel">The channel, stored or only being written in a form.</param>
    /// <param name="cancellationToken">Cancels the query; a cancellation is thrown, a timeout is a failed result.</param>
    /// <returns>The models, or why there are none.</returns>
    public async Task<ChannelModelListResult> ListModelsAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var entry = new ChannelEntry(channel, _defaults);
        if (entry.Adapter is ChatClientAdapter)
        {
            return new(null, "A chat-client channel calls an in-process IChatClient, which has no model list to fetch; set the channel's models instead.");
        }

        if (entry.KeysUnreadable || entry.Keys.IsEmpty)
        {
            return new(null, entry.KeysUnreadable ? "The channel's keys cannot be decrypted; restore the Data Protection key ring or enter the keys again." : "The channel has no enabled key.");
        }

        try
        {
            using var timeout = new TimeoutSource(MaxWait, time, cancellationToken);
            using var response = await sender.SendAsync(entry, 0, RelayOperation.ListModels, "", default, stream: false, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new(null, $"The upstream answered {(int)response.StatusCode} ({response.StatusCode}).");
            }

            using var document = System.Text.Json.JsonDocument.Parse(text);
            var root = document.RootElement;
            var gemini = entry.Adapter is GeminiAdapter;
            var listName = gemini ? "models" : "data";
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object || !root.TryGetProperty(listName, out var list) || list.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                return new(null, $"The upstream's model list has no '{listName}' array.");
            }

            var models = new List<string>();
            foreach (var model in list.EnumerateArray())
            {
                if (model.ValueKind == System.Text.Json.JsonValueKind.Object && model.TryGetProperty(gemini ? "name" : "id", out var id)
                    && id.ValueKind == System.Text.Json.JsonValueKind.String && id.GetString() is { Length: > 0 } name)
                {
                    name = gemini && name.StartsWith("models/", StringComparison.Ordinal) ? name["models/".Length..] : name;
                    if (!models.Contains(name, StringComparer.Ordinal))
                    {
                        models.Add(name);
                    }
                }
            }

            return new(models, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return new(null, "The upstream's model list is not valid JSON.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(null, "The upstream did not answer: " + ex.Message);
        }
    }

    /// <summary>Asks <paramref name="channel"/>'s upstream for its account balance, where the provider has a balance API (DeepSeek's <c>/user/balance</c>).</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="cancellationToken">Cancels the query; a cancellation is thrown, a timeout is a failed result.</param>
    /// <returns>The balance (the sum of the provider's <c>total_balance</c> values), or why there is none; an error carries only the message field of a provider-shaped JSON error.</returns>
    public async Task<ChannelBalanceResult> GetBalanceAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (!string.Equals(channel.Type, ChannelTypes.DeepSeek, StringComparison.OrdinalIgnoreCase))
        {
            return new(null, $"Balance queries are not supported for channel type '{channel.Type}'; only 'deepseek' has a balance API here.", Unsupported: true);
        }

        var entry = new ChannelEntry(channel, _defaults);
        if (entry.KeysUnreadable || entry.Keys.IsEmpty)
        {
            return new(null, entry.KeysUnreadable ? "The channel's keys cannot be decrypted; restore the Data Protection key ring or enter the keys again." : "The channel has no enabled key.");
        }

        var root = channel.BaseUrl.Trim().TrimEnd('/');
        if (root.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^3];
        }

        try
        {
            using var timeout = new TimeoutSource(MaxWait, time, cancellationToken);
            using var response = await sender.GetAsync(entry, 0, new Uri(root + "/user/balance", UriKind.Absolute), timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                ChannelFailureClassifier.TryReadError(text, out _, out var message);
                return new(null, message is { Length: > 0 }
                    ? $"The upstream answered {status} ({response.StatusCode}): {Redact(message.Length > 300 ? message[..300] : message, entry.KeyAt(0)).ReplaceLineEndings(" ")}"
                    : $"The upstream answered {status} ({response.StatusCode}).");
            }

            using var document = System.Text.Json.JsonDocument.Parse(text);
            var total = 0.0;
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("balance_infos", out var infos) && infos.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var info in infos.EnumerateArray())
                {
                    if (info.ValueKind == System.Text.Json.JsonValueKind.Object && info.TryGetProperty("total_balance", out var value) &&
                        double.TryParse(value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                    {
                        total += amount;
                    }
                }
            }

            return new(total, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return new(null, "The upstream's balance answer is not valid JSON.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(null, "The upstream did not answer: " + ex.Message);
        }
    }

    /// <summary>Calls <paramref name="channel"/> with its key at <paramref name="keyIndex"/> and <paramref name="upstreamModel"/>.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="keyIndex">The key to use.</param>
    /// <param name="upstreamModel">The model as the upstream names it (after the channel's mapping).</param>
    /// <param name="cancellationToken">Cancels the probe; a cancellation is thrown, a timeout is a failed result.</param>
    /// <returns>The outcome; its message never holds the key.</returns>
    internal async Task<ChannelProbeResult> SendAsync(ChannelEntry channel, int keyIndex, string upstreamModel, CancellationToken cancellationToken)
    {
        if (channel.KeysUnreadable)
        {
            // Its keys cannot be decrypted (a lost Data Protection key ring): never call the upstream without them.
            return new ChannelProbeResult(0, false, TimeSpan.Zero, "The channel's keys cannot be decrypted; restore the Data Protection key ring or enter the keys again.", KeyAccepted: false);
        }

        var adapter = channel.Adapter;
        var started = time.GetTimestamp();
        var key = channel.KeyAt(keyIndex);
        var wait = channel.FirstByteTimeout < MaxWait ? channel.FirstByteTimeout : MaxWait;
        using var timeout = new TimeoutSource(wait, time, cancellationToken);
        try
        {
            using var response = await sender.SendAsync(channel, keyIndex, RelayOperation.Chat, upstreamModel, Body(adapter.Format, upstreamModel), stream: false, timeout.Token).ConfigureAwait(false);
            var (body, complete) = await ReadAsync(response.Content, timeout.Token).ConfigureAwait(false);
            var elapsed = time.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                ChannelFailureClassifier.TryReadError(body, out var code, out var message);
                var detail = Redact(message ?? Excerpt(body), key);
                return new ChannelProbeResult(status, false, elapsed, code is null || code == status.ToString(CultureInfo.InvariantCulture)
                    ? $"The upstream answered {status}: {detail}"
                    : $"The upstream answered {status} ({code}): {detail}", KeyWorks(status, body));
            }

            var invalid = !complete
                ? "the body is larger than a one-token answer"
                : BodyConverter.ConvertResponse(adapter.Format, WireFormat.OpenAIChat, body, 0, out _).Error?.Message;
            return invalid is null
                ? new ChannelProbeResult(status, true, elapsed, "", KeyAccepted: true)
                : new ChannelProbeResult(status, false, elapsed, $"The upstream answered {status} but not with a valid {Dialect(adapter.Format)} answer: {invalid}", KeyAccepted: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var message = ex is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer within {wait.TotalSeconds} s") : ex.Message;
            return new ChannelProbeResult(0, false, time.GetElapsedTime(started), "The upstream did not answer: " + message, KeyAccepted: false);
        }
    }

    /// <summary>Returns whether an answer shows the key works: a success, or an error the classifier does not blame on the key.</summary>
    /// <remarks>
    /// <see cref="ChannelFailureClassifier"/> decides, as on the request path: a 400 about the probe's own request (an
    /// unknown model, a parameter the model refuses) means the upstream accepted the key; a definitive or transient
    /// failure (a rejected key, exhausted billing, a rate limit, no answer) keeps it disabled.
    /// </remarks>
    /// <param name="status">The answer's status, 0 when no answer arrived.</param>
    /// <param name="body">The start of the error answer's body, or empty.</param>
    internal static bool KeyWorks(int status, ReadOnlySpan<byte> body) =>
        status is >= 200 and < 300
        || (status != 0 && ChannelFailureClassifier.Classify(status, body) is null);

    /// <summary>Returns the JSON body of a one-token "hi" chat request for <paramref name="model"/> in <paramref name="format"/>.</summary>
    /// <remarks>Built as an OpenAI Chat request and converted like any caller's request, so each dialect gets the body the relay would send.</remarks>
    internal static byte[] Body(WireFormat format, string model)
    {
        var chat = new Wire.ChatCompletionRequest
        {
            Model = model,
            MaxTokens = 1,
            Messages = [new Wire.ChatMessage { Role = "user", Content = new TextOrParts<Wire.ChatContentPart>("hi") }],
        };
        var openAI = WireJson.Serialize(chat, WireJson.Context.ChatCompletionRequest);
        return format == WireFormat.OpenAIChat ? openAI : BodyConverter.ConvertRequest(WireFormat.OpenAIChat, format, openAI, model).Value!.Body;
    }

    private static string Dialect(WireFormat format) => format switch
    {
        WireFormat.Anthropic => "Anthropic Messages",
        WireFormat.Gemini => "Gemini generateContent",
        WireFormat.OpenAIResponses => "OpenAI Responses",
        _ => "OpenAI Chat Completions",
    };

    // An upstream that echoes the key it refused must not put it in the management API's answer.
    private static string Redact(string text, string key) => key.Length >= 8 ? text.Replace(key, "***", StringComparison.Ordinal) : text;

    private static string Excerpt(ReadOnlySpan<byte> body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body.Length > 300 ? body[..300] : body);
        return text.ReplaceLineEndings(" ");
    }

    private static async Task<(byte[] Body, bool Complete)> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxAnswerBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return (buffer[..Math.Min(length, MaxAnswerBytes)], length <= MaxAnswerBytes);
        }
    }
}
