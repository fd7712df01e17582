using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using LlmRelay.Formats;
using LlmRelay.Providers;
using LlmRelay.Selection;

namespace LlmRelay.Health;

/// <summary>Sends the smallest useful chat request (one "hi", one output token) with one key of a channel, in the channel's own dialect.</summary>
/// <remarks>Thread-safe. Used to find out whether a disabled key works again; never on the request path.</remarks>
internal static class ChannelKeyProbe
{
    /// <summary>The longest a probe waits, whatever the channel's first-byte timeout.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    /// <summary>Returns the upstream status of a probe (0 when no answer arrived) and the start of an error answer's body.</summary>
    public static async Task<(int Status, string Body)> SendAsync(UpstreamInvoker upstream, ChannelEntry channel, int keyIndex, CancellationToken cancellationToken)
    {
        var model = channel.MapModel(channel.Models.Length > 0 ? channel.Models[0] : "");
        var adapter = channel.Adapter;
        using var request = new HttpRequestMessage(HttpMethod.Post, adapter.BuildUri(channel, RelayOperation.Chat, model, stream: false))
        {
            Content = new ByteArrayContent(Body(adapter.Format, model)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        adapter.Authenticate(request, channel.KeyAt(keyIndex));
        UpstreamInvoker.SetConnectTimeout(request, channel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(channel.FirstByteTimeout < MaxWait ? channel.FirstByteTimeout : MaxWait);
        try
        {
            using var response = await upstream.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var text = response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, text.Length > 2000 ? text[..2000] : text);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (0, "");
        }
    }

    /// <summary>Returns whether a probe's answer shows the key works again: a success, or an error the classifier does not blame on the key.</summary>
    /// <remarks>
    /// <see cref="ChannelFailureClassifier"/> decides, as on the request path: a 400 about the probe's own request (an
    /// unknown model, a parameter the model refuses) means the upstream accepted the key; a definitive or transient
    /// failure (a rejected key, exhausted billing, a rate limit, no answer) keeps it disabled.
    /// </remarks>
    /// <param name="status">The probe's status, 0 when no answer arrived.</param>
    /// <param name="body">The start of the error answer's body, or empty.</param>
    public static bool KeyWorks(int status, string body) =>
        status is >= 200 and < 300
        || (status != 0 && ChannelFailureClassifier.Classify(status, System.Text.Encoding.UTF8.GetBytes(body)) is null);

    /// <summary>Returns the JSON body of a one-token "hi" chat request for <paramref name="model"/> in <paramref name="format"/>.</summary>
    public static byte[] Body(WireFormat format, string model)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (format == WireFormat.Gemini)
            {
                writer.WriteStartArray("contents");
                writer.WriteStartObject();
                writer.WriteString("role", "user");
                writer.WriteStartArray("parts");
                writer.WriteStartObject();
                writer.WriteString("text", "hi");
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteStartObject("generationConfig");
                writer.WriteNumber("maxOutputTokens", 1);
                writer.WriteEndObject();
            }
            else
            {
                // OpenAI Chat and Anthropic Messages share this shape.
                writer.WriteString("model", model);
                writer.WriteNumber("max_tokens", 1);
                writer.WriteStartArray("messages");
                writer.WriteStartObject();
                writer.WriteString("role", "user");
                writer.WriteString("content", "hi");
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
