using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Formats;
using LlmRelay.Providers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>Validates an images, moderations or rerank request before anything is reserved or sent (issue #17).</summary>
/// <remarks>
/// Checks what the upstream would refuse anyway and what routing and billing need: the required fields, <c>n</c> within
/// 1..10, a <c>size</c> of the form <c>WxH</c>, a <c>response_format</c> of <c>url</c> or <c>b64_json</c>, the upload's files and
/// their size. Fields it does not know are sent on as written. Thread-safe (static, no state).
/// </remarks>
internal static class UnitRequestReader
{
    private const int MaxVariantLength = 32;

    /// <summary>The bytes of an uploaded section kept in memory; the rest goes to a temporary file.</summary>
    private const int MemoryThreshold = 64 * 1024;

    /// <summary>The longest plain (non-file) field of an upload.</summary>
    private const int MaxFieldLength = 1024 * 1024;

    private const int CopyBufferSize = 64 * 1024;

    /// <summary>OpenAI's limit on the text one speech request may hold.</summary>
    private const int MaxSpeechCharacters = 4096;

    private static readonly string[] SpeechFormats = ["mp3", "opus", "aac", "flac", "wav", "pcm"];

    private static readonly string[] TranscriptionFormats = ["json", "text", "srt", "verbose_json", "vtt", "diarized_json"];

    private static readonly string[] TranslationFormats = ["json", "text", "srt", "verbose_json", "vtt"];

    /// <summary>Reads a JSON body of <paramref name="operation"/>; returns the caller's error, or <see langword="null"/>.</summary>
    public static FormatError? ReadJson(RelayOperation operation, ReadOnlySpan<byte> body, out UnitRequest request)
    {
        request = new UnitRequest(operation);
        bool sawPrompt = false, sawInput = false, sawQuery = false, sawDocuments = false, sawVoice = false;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Invalid("The request body must be a JSON object.", null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "model":
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return Invalid("'model' must be a string.", "model");
                        }

                        request.Model = reader.GetString()!;
                        break;
                    case "prompt" when operation == RelayOperation.ImageGenerations:
                        sawPrompt = reader.TokenType == JsonTokenType.String && (request.Prompt = reader.GetString()!).Length > 0;
                        break;
                    case "n" when operation == RelayOperation.ImageGenerations:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var n) || ValidateN(n, request) is not null)
                        {
                            return Invalid("'n' must be an integer between 1 and 10.", "n");
                        }

                        break;
                    case "size" or "quality" or "response_format" when operation == RelayOperation.ImageGenerations:
                        if (reader.TokenType != JsonTokenType.Null && (reader.TokenType != JsonTokenType.String || SetImageField(request, name, reader.GetString()!) is not null))
                        {
                            return ImageFieldError(name);
                        }

                        break;
                    case "stream" when operation == RelayOperation.ImageGenerations:
                        if (reader.TokenType == JsonTokenType.True)
                        {
                            return Invalid("Streamed image generation is not supported by this gateway; send 'stream': false.", "stream");
                        }

                        break;
                    case "input" when operation == RelayOperation.Moderations:
                        sawInput = reader.TokenType switch
                        {
                            JsonTokenType.String => (request.Prompt = reader.GetString()!).Length > 0,
                            JsonTokenType.StartArray => CountArray(ref reader, request) > 0,
                            _ => false,
                        };
                        break;
                    case "input" when operation == RelayOperation.AudioSpeech:
                        sawInput = reader.TokenType == JsonTokenType.String && (request.Prompt = reader.GetString()!).Length > 0;
                        if (sawInput && UnitRequest.Characters(request.Prompt) > MaxSpeechCharacters)
                        {
                            return Invalid($"'input' must be at most {MaxSpeechCharacters} characters.", "input");
                        }

                        break;
                    case "voice" when operation == RelayOperation.AudioSpeech:
                        // A built-in voice's name, or a custom voice as {"id": "voice_..."}.
                        sawVoice = reader.TokenType == JsonTokenType.StartObject || (reader.TokenType == JsonTokenType.String && (request.Voice = reader.GetString()!).Length > 0);
                        break;
                    case "instructions" when operation == RelayOperation.AudioSpeech:
                        request.Instructions = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        break;
                    case "response_format" when operation == RelayOperation.AudioSpeech:
                        if (reader.TokenType != JsonTokenType.Null && (reader.TokenType != JsonTokenType.String || !SpeechFormats.Contains(request.ResponseFormat = reader.GetString()!)))
                        {
                            return Invalid($"'response_format' must be one of {string.Join(", ", SpeechFormats)}.", "response_format");
                        }

                        break;
                    case "speed" when operation == RelayOperation.AudioSpeech:
                        if (reader.TokenType != JsonTokenType.Null && (reader.TokenType != JsonTokenType.Number || reader.GetDouble() is < 0.25 or > 4.0))
                        {
                            return Invalid("'speed' must be a number between 0.25 and 4.0.", "speed");
                        }

                        break;
                    case "query" when operation == RelayOperation.Rerank:
                        sawQuery = reader.TokenType == JsonTokenType.String && (request.Prompt = reader.GetString()!).Length > 0;
                        break;
                    case "documents" when operation == RelayOperation.Rerank:
                        sawDocuments = reader.TokenType == JsonTokenType.StartArray && (request.Documents = CountArray(ref reader, null)) > 0;
                        break;
                    case "top_n" when operation == RelayOperation.Rerank:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var topN) || topN < 1)
                        {
                            return Invalid("'top_n' must be a positive integer.", "top_n");
                        }

                        break;
                    case "return_documents" when operation == RelayOperation.Rerank:
                        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                        {
                            return Invalid("'return_documents' must be a boolean.", "return_documents");
                        }

                        break;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            return new FormatError(FormatErrorKind.InvalidJson, $"The request body is not valid JSON: {ex.Message}");
        }

        return operation switch
        {
            RelayOperation.ImageGenerations when !sawPrompt => Invalid("'prompt' is required: a non-empty string describing the image.", "prompt"),
            RelayOperation.AudioSpeech when !sawInput => Invalid("'input' is required: the non-empty text to speak.", "input"),
            RelayOperation.AudioSpeech when !sawVoice => Invalid("'voice' is required: the voice to speak with (such as alloy).", "voice"),
            RelayOperation.Moderations when !sawInput => Invalid("'input' is required: a non-empty string or array.", "input"),
            RelayOperation.Rerank when request.Model.Length == 0 => Invalid("you must provide a model parameter", "model"),
            RelayOperation.Rerank when !sawQuery => Invalid("'query' is required: a non-empty string.", "query"),
            RelayOperation.Rerank when !sawDocuments => Invalid("'documents' is required: a non-empty array of strings or objects.", "documents"),
            _ => null,
        };
    }

    /// <summary>Reads a multipart <c>images/edits</c>, <c>audio/transcriptions</c> or <c>audio/translations</c> upload from <paramref name="body"/> as it arrives; returns the caller's error (413 when a file exceeds <paramref name="maxFileSize"/> or the body the server's limit), or <see langword="null"/>.</summary>
    /// <remarks>
    /// Each section is buffered by a <see cref="FileBufferingReadStream"/> (64 KiB in memory, the rest in a temporary file under
    /// <c>ASPNETCORE_TEMP</c> or the system's temporary directory), handed to <paramref name="register"/> to be disposed with the
    /// response, so the upload is never held whole in memory yet can be sent again on failover (issue #17). The fields the
    /// gateway reads (model, prompt, response_format, n, size, quality) are plain sections of at most 1 MiB.
    /// </remarks>
    public static async Task<(FormatError? Error, bool TooLarge)> ReadMultipartAsync(Stream body, string contentType, long maxFileSize, UnitRequest request, Action<IDisposable> register, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (Invalid("The multipart body has no boundary.", null), false);
        }

        request.Boundary = boundary;
        var parts = request.Parts = [];
        var audio = request.Operation is RelayOperation.AudioTranscriptions or RelayOperation.AudioTranslations;
        var sawImage = false;
        var sawPrompt = false;
        var sawFile = false;
        var chunk = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var reader = new MultipartReader(boundary, body);
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
                {
                    return (Invalid("Every multipart section needs a Content-Disposition with a name.", null), false);
                }

                var fileName = disposition.FileName.HasValue || disposition.FileNameStar.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "" : null;
                var content = new FileBufferingReadStream(section.Body, MemoryThreshold, bufferLimit: null, TempDirectory);
                register(content);
                var limit = fileName is null ? MaxFieldLength : maxFileSize;
                long length = 0;
                int read;
                while ((read = await content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if ((length += read) > limit)
                    {
                        return fileName is null
                            ? (Invalid($"The field '{name}' is longer than {MaxFieldLength} bytes.", name), false)
                            : (new FormatError(FormatErrorKind.InvalidShape, $"The file '{name}' is larger than {maxFileSize} bytes.", name), true);
                    }
                }

                content.Position = 0;
                var headers = section.Headers?.Select(static h => $"{h.Key}: {h.Value}").ToList() ?? [];
                parts.Add(new MultipartPart(name, fileName, headers, content));
                var value = fileName is null ? await ReadValueAsync(content, (int)length, cancellationToken).ConfigureAwait(false) : null;
                switch (name)
                {
                    case "file" when audio:
                        if (fileName is null || length == 0)
                        {
                            return (Invalid("'file' must be a non-empty audio file.", "file"), false);
                        }

                        sawFile = true;
                        request.AudioBytes += length;
                        break;
                    case "response_format" when audio:
                        var formats = request.Operation == RelayOperation.AudioTranscriptions ? TranscriptionFormats : TranslationFormats;
                        if (value is null || !formats.Contains(value))
                        {
                            return (Invalid($"'response_format' must be one of {string.Join(", ", formats)}.", "response_format"), false);
                        }

                        request.ResponseFormat = value;
                        break;
                    case "stream" when audio && value == "true":
                        return (Invalid("Streamed transcriptions are not supported by this gateway; leave 'stream' out.", "stream"), false);
                    case "prompt" when audio:
                        request.Prompt = value ?? "";
                        break;
                    case "model" when audio:
                        request.Model = value ?? "";
                        break;
                    case var _ when audio:
                        break; // language, temperature, timestamp_granularities[], ...: sent on as written.
                    case "image" or "image[]":
                        if (fileName is null || length == 0)
                        {
                            return (Invalid("'image' must be a non-empty file.", "image"), false);
                        }

                        sawImage = true;
                        break;
                    case "mask" when fileName is null || length == 0:
                        return (Invalid("'mask' must be a non-empty file.", "mask"), false);
                    case "prompt":
                        sawPrompt = (request.Prompt = value ?? "").Length > 0;
                        break;
                    case "model":
                        request.Model = value ?? "";
                        break;
                    case "n":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || ValidateN(n, request) is not null)
                        {
                            return (Invalid("'n' must be an integer between 1 and 10.", "n"), false);
                        }

                        break;
                    case "size" or "quality" or "response_format":
                        if (value is null || SetImageField(request, name, value) is not null)
                        {
                            return (ImageFieldError(name), false);
                        }

                        break;
                    case "stream" when value == "true":
                        return (Invalid("Streamed image edits are not supported by this gateway.", "stream"), false);
                }
            }
        }
        catch (IOException ex) when (RequestBodyLimit.IsTooLarge(ex))
        {
            return (Invalid(ex.Message, null), true);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            return (Invalid($"The multipart body could not be read: {ex.Message}", null), false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (audio)
        {
            return sawFile ? (null, false) : (Invalid("'file' is required: the audio to transcribe, as a file.", "file"), false);
        }

        return !sawImage ? (Invalid("'image' is required: the image to edit, as a file.", "image"), false)
            : !sawPrompt ? (Invalid("'prompt' is required: a non-empty text describing the edit.", "prompt"), false)
            : (null, false);
    }

    // A plain field's value, read from the start of its buffered section (at most MaxFieldLength bytes), which is left at its start.
    private static async Task<string> ReadValueAsync(Stream content, int length, CancellationToken cancellationToken)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            await content.ReadExactlyAsync(bytes.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            content.Position = 0;
            return Encoding.UTF8.GetString(bytes, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string TempDirectory() =>
        Environment.GetEnvironmentVariable("ASPNETCORE_TEMP") is { Length: > 0 } directory ? directory : Path.GetTempPath();

    private static FormatError? ValidateN(int n, UnitRequest request)
    {
        if (n is < 1 or > 10)
        {
            return Invalid("n", "n");
        }

        request.N = n;
        return null;
    }

    // size: WxH or auto; quality: a short word; response_format: url or b64_json. They name the priced variant, so they stay short.
    private static FormatError? SetImageField(UnitRequest request, string name, string value)
    {
        switch (name)
        {
            case "size" when value == "auto" || IsSize(value):
                request.Size = value;
                return null;
            case "quality" when value.Length is > 0 and <= MaxVariantLength && value.All(char.IsAsciiLetterOrDigit):
                request.Quality = value.ToLowerInvariant();
                return null;
            case "response_format" when value is "url" or "b64_json":
                request.ResponseFormat = value;
                return null;
            default:
                return Invalid(name, name);
        }
    }

    private static bool IsSize(string value)
    {
        var x = value.IndexOf('x', StringComparison.Ordinal);
        return x > 0 && value.Length <= MaxVariantLength
            && int.TryParse(value.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out var width) && width > 0
            && int.TryParse(value.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var height) && height > 0;
    }

    private static FormatError ImageFieldError(string name) => name switch
    {
        "size" => Invalid("'size' must be of the form WIDTHxHEIGHT (such as 1024x1024) or 'auto'.", "size"),
        "quality" => Invalid("'quality' must be a short word such as standard, hd, low, medium or high.", "quality"),
        _ => Invalid("'response_format' must be 'url' or 'b64_json'.", "response_format"),
    };

    private static int CountArray(ref Utf8JsonReader reader, UnitRequest? request)
    {
        var count = 0;
        var text = request is null ? null : new StringBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            if (text is not null && reader.TokenType == JsonTokenType.String)
            {
                text.Append(reader.GetString()).Append('\n');
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        if (request is not null)
        {
            request.Prompt = text!.ToString();
        }

        return count;
    }

    private static FormatError Invalid(string message, string? param) => new(FormatErrorKind.InvalidShape, message, param);
}
