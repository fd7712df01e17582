using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmRelay.Tasks;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay.Videos;

/// <summary>Reads and checks a video creation: OpenAI's <c>POST /v1/videos</c> (JSON, multipart or URL-encoded form) or <c>POST /v1/video/generations</c> (JSON).</summary>
/// <remarks>
/// Every field is checked before anything is reserved or sent; an invalid one is the caller's 400 naming the parameter.
/// Image inputs (<c>input_reference</c>, <c>image</c>) are refused: the gateway relays text-to-video only for now.
/// </remarks>
internal static partial class VideoRequestReader
{
    /// <summary>OpenAI's default model when <c>/v1/videos</c> names none.</summary>
    public const string DefaultModel = "sora-2";

    private const int MaxPromptLength = 32_000;
    private const int MaxSeconds = 60;

    /// <summary>A failed check: the message and the parameter at fault.</summary>
    public sealed record Failure(string Message, string? Param);

    /// <summary>Reads OpenAI's form fields (multipart or URL-encoded).</summary>
    public static (VideoTaskRequest? Request, Failure? Error) FromForm(IFormCollection form, string ip, string requestId)
    {
        if (form.Files.Count > 0 || form.ContainsKey("input_reference"))
        {
            return (null, new Failure("input_reference is not supported by this gateway; send a text prompt only.", "input_reference"));
        }

        var model = form["model"].ToString();
        var seconds = form["seconds"].ToString();
        var size = form["size"].ToString();
        return Check(model.Length == 0 ? DefaultModel : model, form["prompt"].ToString(), seconds.Length == 0 ? null : seconds, size.Length == 0 ? null : size, ip, requestId);
    }

    /// <summary>Reads a JSON body of either family.</summary>
    public static (VideoTaskRequest? Request, Failure? Error) FromJson(ReadOnlySpan<byte> body, VideoFamily family, string ip, string requestId)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return (null, new Failure($"The request body is not valid JSON: {ex.Message}", null));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, new Failure("The request body must be a JSON object.", null));
            }

            if (!TryString(root, "model", out var model, out var error) || !TryString(root, "prompt", out var prompt, out error))
            {
                return (null, error);
            }

            if (family == VideoFamily.OpenAI)
            {
                if (root.TryGetProperty("input_reference", out _))
                {
                    return (null, new Failure("input_reference is not supported by this gateway; send a text prompt only.", "input_reference"));
                }

                if (!TryScalar(root, "seconds", out var openAISeconds, out error) || !TryString(root, "size", out var openAISize, out error))
                {
                    return (null, error);
                }

                return Check(model ?? DefaultModel, prompt ?? "", openAISeconds, openAISize, ip, requestId);
            }

            if (model is null)
            {
                return (null, new Failure("you must provide a model parameter", "model"));
            }

            if (root.TryGetProperty("image", out var image) && image.ValueKind is not JsonValueKind.Null)
            {
                return (null, new Failure("image is not supported by this gateway; send a text prompt only.", "image"));
            }

            if (root.TryGetProperty("n", out var n) && n.ValueKind is not JsonValueKind.Null && (!n.TryGetInt32(out var count) || count != 1))
            {
                return (null, new Failure("n must be 1: one video per task.", "n"));
            }

            if (!TryScalar(root, "duration", out var duration, out error) || !TryInt(root, "width", out var width, out error) || !TryInt(root, "height", out var height, out error))
            {
                return (null, error);
            }

            if ((width is null) != (height is null))
            {
                return (null, new Failure("width and height go together: give both or neither.", width is null ? "width" : "height"));
            }

            var size = width is { } w && height is { } h ? string.Create(CultureInfo.InvariantCulture, $"{w}x{h}") : null;
            return Check(model, prompt ?? "", duration, size, ip, requestId, secondsParam: "duration", sizeParam: "width");
        }
    }

    private static (VideoTaskRequest? Request, Failure? Error) Check(string model, string prompt, string? seconds, string? size, string ip, string requestId, string secondsParam = "seconds", string sizeParam = "size")
    {
        if (model.Trim().Length == 0 || model.Length > 200)
        {
            return (null, new Failure("model must be a model name.", "model"));
        }

        if (prompt.Trim().Length == 0)
        {
            return (null, new Failure("prompt is required.", "prompt"));
        }

        if (prompt.Length > MaxPromptLength)
        {
            return (null, new Failure($"prompt must be at most {MaxPromptLength} characters.", "prompt"));
        }

        if (seconds is not null)
        {
            if (!double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value != Math.Floor(value) || value < 1 || value > MaxSeconds)
            {
                return (null, new Failure($"{secondsParam} must be a whole number of seconds from 1 to {MaxSeconds}.", secondsParam));
            }

            seconds = ((int)value).ToString(CultureInfo.InvariantCulture);
        }

        if (size is not null && !SizePattern().IsMatch(size))
        {
            return (null, new Failure($"{sizeParam} must be WIDTHxHEIGHT in pixels, such as 1280x720.", sizeParam));
        }

        return (new VideoTaskRequest { Model = model.Trim(), Prompt = prompt, Seconds = seconds, Size = size, Ip = ip, RequestId = requestId }, null);
    }

    private static bool TryString(JsonElement root, string name, out string? value, out Failure? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = new Failure($"{name} must be a string.", name);
            return false;
        }

        value = element.GetString();
        return true;
    }

    // A number or a numeric string (OpenAI's seconds are strings: "4", "8", "12").
    private static bool TryScalar(JsonElement root, string name, out string? value, out Failure? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            error = new Failure($"{name} must be a number of seconds.", name);
            return false;
        }

        value = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
        return true;
    }

    private static bool TryInt(JsonElement root, string name, out int? value, out Failure? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number) || number is < 1 or > 16384)
        {
            error = new Failure($"{name} must be a whole number of pixels from 1 to 16384.", name);
            return false;
        }

        value = number;
        return true;
    }

    [GeneratedRegex(@"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
