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
        if (channel.KeysUnreadable)
        {
            return (0, ""); // its keys cannot be decrypted: never probe without them
        }

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
