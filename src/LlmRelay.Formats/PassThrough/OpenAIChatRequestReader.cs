using System.Text.Json;
using System.Text.Unicode;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Validates an OpenAI Chat Completions request body and reads the fields the relay routes on.</summary>
/// <remarks>
/// <para>
/// One forward pass of <see cref="Utf8JsonReader"/> over the whole document, so a body that passes is well-formed JSON;
/// values the relay does not need are skipped, not parsed. The reader checks structure, not the UTF-8 inside strings, so
/// the body is first checked with <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/> (vectorized; a fraction of the reader's cost):
/// a pass-through route forwards the bytes as they are, and an upstream must never see what the gateway could not read.
/// </para>
/// <para>
/// The top-level keys the relay routes and bills on (<c>model</c>, <c>stream</c>, <c>stream_options</c>) must appear once:
/// with a duplicate the gateway and the upstream could read different values (JSON parsers disagree on which one wins).
/// </para>
/// </remarks>
public static class OpenAIChatRequestReader
{
    /// <summary>Reads <paramref name="body"/>; returns a typed error on bad input whose <see cref="FormatError.Code"/> names the parameter.</summary>
    public static FormatError? TryRead(ReadOnlySpan<byte> body, out OpenAIChatRequestInfo info) => TryRead(body, RequestShape.OpenAIChat, out info);

    /// <summary>Reads a body of the given <paramref name="shape"/>; returns a typed error on bad input whose <see cref="FormatError.Code"/> names the parameter.</summary>
    public static FormatError? TryRead(ReadOnlySpan<byte> body, RequestShape shape, out OpenAIChatRequestInfo info)
    {
        info = default;
        info.Model = "";
        var sawModel = false;
        var sawMessages = false;
        var sawModelKey = false;
        var sawStreamKey = false;
        var sawStreamOptionsKey = false;
        var (listName, listNameUtf8) = shape switch
        {
            RequestShape.OpenAIChat or RequestShape.AnthropicMessages or RequestShape.AnthropicCountTokens => ("messages", "messages"u8.ToArray()),
            RequestShape.Gemini => ("contents", "contents"u8.ToArray()),
            RequestShape.OpenAICompletions => ("prompt", "prompt"u8.ToArray()),
            _ => ("input", "input"u8.ToArray()),
        };
        var listMayBeString = shape is RequestShape.OpenAICompletions or RequestShape.OpenAIResponses or RequestShape.OpenAIEmbeddings;
        if (!Utf8.IsValid(body))
        {
            return new FormatError(FormatErrorKind.InvalidJson, "We could not parse the JSON body of your request: it is not valid UTF-8.");
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Invalid("The request body must be a JSON object.", null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    if (!Once(ref sawModelKey))
                    {
                        return Duplicate("model");
                    }

                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Invalid("'model' must be a string.", "model");
                    }

                    info.Model = reader.GetString()!;
                    info.ModelStart = (int)reader.TokenStartIndex;
                    info.ModelLength = reader.ValueSpan.Length + 2;
                    sawModel = info.Model.Length > 0;
                }
                else if (reader.ValueTextEquals(listNameUtf8))
                {
                    reader.Read();
                    if (listMayBeString && reader.TokenType == JsonTokenType.String)
                    {
                        sawMessages = reader.ValueSpan.Length > 0 || shape == RequestShape.OpenAICompletions;
                        if (!sawMessages)
                        {
                            return Invalid($"'{listName}' must not be empty.", listName);
                        }

                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return Invalid(listMayBeString ? $"'{listName}' must be a string or an array." : $"'{listName}' must be an array.", listName);
                    }

                    var count = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (!listMayBeString && reader.TokenType != JsonTokenType.StartObject)
                        {
                            return Invalid($"'{listName}.{count}' must be an object.", listName);
                        }

                        reader.Skip();
                        count++;
                    }

                    if (count == 0)
                    {
                        return Invalid($"'{listName}' must contain at least one item.", listName);
                    }

                    sawMessages = true;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    if (!Once(ref sawStreamKey))
                    {
                        return Duplicate("stream");
                    }

                    reader.Read();
                    if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        info.Stream = reader.TokenType == JsonTokenType.True;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return Invalid("'stream' must be a boolean.", "stream");
                    }
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    if (!Once(ref sawStreamOptionsKey))
                    {
                        return Duplicate("stream_options");
                    }

                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        info.HasStreamOptions = true;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                            reader.Read();
                            if (isIncludeUsage)
                            {
                                info.IncludeUsage = reader.TokenType == JsonTokenType.True;
                            }

                            reader.Skip();
                        }
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return Invalid("'stream_options' must be an object.", "stream_options");
                    }
                }
                else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8))
                {
                    // Anthropic knows only max_tokens: another name there does not spare the body the default.
                    var counts = shape != RequestShape.AnthropicMessages || reader.ValueTextEquals("max_tokens"u8);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var max) && max >= 0)
                    {
                        info.MaxTokens = max;
                        info.HasMaxTokens |= counts;
                    }
                    else if (reader.TokenType == JsonTokenType.Null && shape == RequestShape.AnthropicMessages && counts)
                    {
                        // An Anthropic body without max_tokens gets the gateway's default (issue #15); an explicit null would
                        // stay beside the inserted default, so it is refused as Anthropic refuses it.
                        return Invalid("'max_tokens' must be an integer; omit it to get the gateway's default.", "max_tokens");
                    }
                    else if (reader.TokenType == JsonTokenType.Null)
                    {
                        info.HasMaxTokens |= counts;
                    }
                    else
                    {
                        return Invalid("'max_tokens' must be a non-negative integer.", "max_tokens");
                    }
                }
                else if (shape is RequestShape.OpenAIChat or RequestShape.OpenAIResponses && reader.ValueTextEquals("prompt_cache_key"u8))
                {
                    if (ReadOptionalString(ref reader, "prompt_cache_key", out info.PromptCacheKey) is { } invalid)
                    {
                        return invalid;
                    }
                }
                else if (shape == RequestShape.OpenAIResponses && reader.ValueTextEquals("previous_response_id"u8))
                {
                    if (ReadOptionalString(ref reader, "previous_response_id", out info.PreviousResponseId) is { } invalid)
                    {
                        return invalid;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return Invalid("The request body is not valid JSON.", null);
            }
        }
        catch (JsonException)
        {
            return new FormatError(FormatErrorKind.InvalidJson, "We could not parse the JSON body of your request: it is not valid JSON.");
        }
        catch (InvalidOperationException)
        {
            // GetString of 'model' escaping a lone surrogate (\ud800): well-formed JSON, but not text.
            return Invalid("'model' must be a valid Unicode string.", "model");
        }

        if (!sawModel && shape is not (RequestShape.Gemini or RequestShape.OpenAIEmbeddings))
        {
            return Invalid("you must provide a model parameter", "model");
        }

        return sawMessages ? null : Invalid($"Missing required parameter: '{listName}'.", listName);
    }

    // A string or null (the session-affinity keys, issue #16); anything else is the caller's mistake, as OpenAI says.
    private static FormatError? ReadOptionalString(ref Utf8JsonReader reader, string name, out string? value)
    {
        reader.Read();
        value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null ? null : Invalid($"'{name}' must be a string.", name);
    }

    private static bool Once(ref bool seen)
    {
        var first = !seen;
        seen = true;
        return first;
    }

    private static FormatError Duplicate(string name) => Invalid($"'{name}' appears more than once in the request body.", name);

    // The offending parameter travels in Code, as OpenAI reports it in error.param.
    private static FormatError Invalid(string message, string? param) => new(FormatErrorKind.InvalidShape, message, param);
}
