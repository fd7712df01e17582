using System.Globalization;
using System.Text.Json;
using LlmRelay.Selection;

namespace LlmRelay.Tasks;

/// <summary>What an OpenAI Videos API upstream says about a video: <c>{"id","status","progress","seconds","size","error":{"message"}}</c>.</summary>
/// <param name="Id">The upstream's id, or empty when the answer had none.</param>
/// <param name="Status">The status, mapped to <see cref="RelayTaskStatus"/>.</param>
/// <param name="Progress">The progress, 0 to 100.</param>
/// <param name="Seconds">The length, as the upstream wrote it, or empty.</param>
/// <param name="Size">The size, or empty.</param>
/// <param name="Error">The error message of a failed video, or empty.</param>
internal readonly record struct UpstreamVideo(string Id, RelayTaskStatus Status, int Progress, string Seconds, string Size, string Error)
{
    /// <summary>The most bytes of an upstream video object read.</summary>
    public const int MaxBodySize = 64 * 1024;

    /// <summary>Returns the URL of <paramref name="upstreamId"/> (and of <paramref name="suffix"/> under it) at an OpenAI-format channel: <c>{base}/videos/{id}[/suffix]</c>.</summary>
    public static Uri UriOf(ChannelEntry channel, string upstreamId, string suffix = "") =>
        UpstreamUrls.Combine(channel.BaseUrl, "videos/" + Uri.EscapeDataString(upstreamId) + suffix);

    /// <summary>Reads an upstream answer's body, up to <see cref="MaxBodySize"/> bytes (the rest is not read).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxBodySize];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return buffer[..length];
        }
    }

    /// <summary>Reads a video object; <see langword="null"/> when <paramref name="json"/> is not a JSON object.</summary>
    public static UpstreamVideo? Read(ReadOnlySpan<byte> json)
    {
        string id = "", status = "", seconds = "", size = "", error = "";
        var progress = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8) || reader.ValueTextEquals("task_id"u8))
                {
                    reader.Read();
                    id = reader.TokenType == JsonTokenType.String && id.Length == 0 ? reader.GetString()! : id;
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    status = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
                }
                else if (reader.ValueTextEquals("progress"u8))
                {
                    reader.Read();
                    progress = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var p) ? (int)Math.Clamp(p, 0, 100) : progress;
                }
                else if (reader.ValueTextEquals("seconds"u8))
                {
                    reader.Read();
                    seconds = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString()!,
                        JsonTokenType.Number => reader.GetDouble().ToString(CultureInfo.InvariantCulture),
                        _ => "",
                    };
                }
                else if (reader.ValueTextEquals("size"u8))
                {
                    reader.Read();
                    size = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = ReadError(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return new UpstreamVideo(id, StatusOf(status), progress, seconds, size, error);
    }

    /// <summary>Maps an upstream status (OpenAI's and the common synonyms) to <see cref="RelayTaskStatus"/>; an unknown one counts as running.</summary>
    public static RelayTaskStatus StatusOf(string status) => status.ToLowerInvariant() switch
    {
        "queued" or "pending" or "submitted" or "not_start" => RelayTaskStatus.Queued,
        "completed" or "succeeded" or "success" => RelayTaskStatus.Completed,
        "failed" or "failure" or "cancelled" or "canceled" or "expired" => RelayTaskStatus.Failed,
        _ => RelayTaskStatus.InProgress,
    };

    private static string ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString()!;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return "";
        }

        var message = "";
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }

        return message;
    }
}
