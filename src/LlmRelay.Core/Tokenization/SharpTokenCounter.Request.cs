using System.Buffers;
using System.Text;
using System.Text.Json;
using SharpToken;

namespace LlmRelay.Tokenization;

/// <summary>Prompt counting for whole request bodies.</summary>
/// <remarks>
/// One forward pass with <see cref="Utf8JsonReader"/>, no DOM. What counts, for all three families at once:
/// <code>
///   text values     content, text, system, instructions, name, description, role, arguments, refusal,
///                   output, prompt/input (strings, or token-id arrays: 1 token per number)
///   JSON as text    tool schemas (parameters, input_schema, responseSchema, schema) and tool arguments /
///                   results given as objects (Anthropic tool_use input, Gemini functionCall.args /
///                   functionResponse.response): the serialized JSON is tokenized
///   media           image_url, input_audio, file, Anthropic source, Gemini inline_data / file_data:
///                   a flat 765 tokens each (OpenAI's 1024x1024 high-detail tile count), never the base64
///   overhead        3 per message (messages[], contents[], input[] items, and a system prompt),
///                   plus 3 priming the reply when there are messages (OpenAI cookbook)
///   Claude          + 346 when the body declares tools (Anthropic's documented tool-use system prompt),
///                   + 30 when extended thinking is enabled (measured on recorded traffic)
/// </code>
/// Not counted: ids, model names, settings, earlier turns' thinking blocks (Anthropic strips them from the
/// prompt) and Gemini's <c>responseSchema</c> (Gemini leaves it out of <c>promptTokenCount</c>).
/// </remarks>
internal sealed partial class SharpTokenCounter
{
    internal const int TokensPerMessage = 3;
    internal const int ReplyPrimingTokens = 3;
    internal const int MediaTokens = 765;
    internal const int ClaudeToolUseTokens = 346;
    internal const int ClaudeThinkingTokens = 30;
    private const int MaxDepth = 128;

    /// <summary>Bodies larger than this are not tokenized: they get <see cref="ITokenCounter.EstimateFromBytes"/>.</summary>
    /// <remarks>8 MiB of text is about 2 million tokens, beyond any model's context; counting it would cost seconds of CPU.</remarks>
    internal const int MaxCountedBytes = 8 * 1024 * 1024;

    public int CountRequest(string model, ReadOnlySpan<byte> jsonBody) => Count(model, jsonBody, CancellationToken.None);

    public bool TryCountRequest(string model, ReadOnlySpan<byte> jsonBody, CancellationToken deadline, out int tokens)
    {
        try
        {
            tokens = Count(model, jsonBody, deadline);
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            tokens = 0;
            return false;
        }
    }

    private static int Count(string model, ReadOnlySpan<byte> jsonBody, CancellationToken cancellationToken)
    {
        if (jsonBody.IsEmpty)
        {
            return 0;
        }

        if (jsonBody.Length > MaxCountedBytes)
        {
            return ITokenCounter.EstimateFromBytes(jsonBody.Length);
        }

        var walker = new RequestWalker(EncodingFor(model), model.Contains("claude", StringComparison.OrdinalIgnoreCase), cancellationToken);
        try
        {
            return walker.Walk(jsonBody);
        }
        finally
        {
            walker.Dispose();
        }
    }

    private enum Key : byte
    {
        None,
        Text,
        Json,
        Media,
        Messages,
        RootInput,
        System,
        Tools,
        ThinkingConfig,
        Ignored,
    }

    private ref struct RequestWalker
    {
        private readonly GptEncoding _encoding;
        private readonly bool _claude;
        private readonly CancellationToken _cancellationToken;
        private char[]? _buffer;
        private long _tokens;
        private int _messages;
        private bool _tools;
        private bool _thinking;

        public RequestWalker(GptEncoding encoding, bool claude, CancellationToken cancellationToken)
        {
            _encoding = encoding;
            _claude = claude;
            _cancellationToken = cancellationToken;
        }

        public int Walk(ReadOnlySpan<byte> json)
        {
            Span<Key> owners = stackalloc Key[MaxDepth + 1];
            Span<bool> isArray = stackalloc bool[MaxDepth + 1];
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth });
            var pending = Key.None;
            try
            {
                while (reader.Read())
                {
                    var depth = reader.CurrentDepth;
                    if (reader.TokenType == JsonTokenType.PropertyName)
                    {
                        pending = Classify(ref reader, depth);
                        continue;
                    }

                    if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                    {
                        continue;
                    }

                    // A value: its key is the property just read, or the key of the array holding it.
                    var key = depth == 0 ? Key.None : isArray[depth - 1] ? owners[depth - 1] : pending;
                    pending = Key.None;
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.String:
                            if (key is Key.Text or Key.RootInput or Key.System or Key.Json)
                            {
                                _messages += key == Key.System && depth == 1 ? 1 : 0;
                                CountString(ref reader);
                            }
                            else if (key == Key.Media)
                            {
                                _tokens += MediaTokens;
                            }

                            break;

                        case JsonTokenType.Number when key == Key.RootInput && depth > 1:
                            _tokens++;
                            break;

                        case JsonTokenType.StartObject or JsonTokenType.StartArray:
                            if (key == Key.Json && reader.TokenType == JsonTokenType.StartObject)
                            {
                                var start = (int)reader.TokenStartIndex;
                                reader.Skip();
                                CountUtf8(json[start..(int)reader.BytesConsumed]);
                                break;
                            }

                            if (key == Key.Media)
                            {
                                reader.Skip();
                                _tokens += MediaTokens;
                                break;
                            }

                            if (key == Key.Ignored)
                            {
                                reader.Skip();
                                break;
                            }

                            _thinking |= key == Key.ThinkingConfig && depth == 1 && reader.TokenType == JsonTokenType.StartObject;
                            _tools |= reader.TokenType == JsonTokenType.StartObject && depth == 2 && isArray[1] && owners[1] == Key.Tools;

                            if (key == Key.System && depth == 1)
                            {
                                _messages++;
                            }

                            if (reader.TokenType == JsonTokenType.StartObject && depth == 2 && isArray[1] && owners[1] is Key.Messages or Key.RootInput)
                            {
                                _messages++;
                            }

                            isArray[depth] = reader.TokenType == JsonTokenType.StartArray;
                            owners[depth] = key;
                            break;
                    }
                }
            }
            catch (JsonException)
            {
                // Malformed or truncated JSON: what was read so far is still a fair estimate.
            }

            var total = _tokens + (_messages * TokensPerMessage) + (_messages > 0 ? ReplyPrimingTokens : 0)
                + (_claude && _tools ? ClaudeToolUseTokens : 0) + (_claude && _thinking ? ClaudeThinkingTokens : 0);
            return (int)Math.Min(int.MaxValue, total);
        }

        public void Dispose()
        {
            if (_buffer is not null)
            {
                ArrayPool<char>.Shared.Return(_buffer);
                _buffer = null;
            }
        }

        private static Key Classify(ref Utf8JsonReader reader, int depth)
        {
            if (depth == 1)
            {
                if (reader.ValueTextEquals("messages"u8) || reader.ValueTextEquals("contents"u8))
                {
                    return Key.Messages;
                }

                if (reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("prompt"u8))
                {
                    return Key.RootInput;
                }

                if (reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("systemInstruction"u8)
                    || reader.ValueTextEquals("system_instruction"u8) || reader.ValueTextEquals("instructions"u8))
                {
                    return Key.System;
                }

                if (reader.ValueTextEquals("tools"u8))
                {
                    return Key.Tools;
                }

                if (reader.ValueTextEquals("thinking"u8))
                {
                    return Key.ThinkingConfig;
                }
            }

            return reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("name"u8)
                || reader.ValueTextEquals("description"u8) || reader.ValueTextEquals("role"u8) || reader.ValueTextEquals("arguments"u8)
                || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("output"u8)
                || reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("prompt"u8)
                ? Key.Text
                : reader.ValueTextEquals("parameters"u8) || reader.ValueTextEquals("input_schema"u8) || reader.ValueTextEquals("input"u8)
                || reader.ValueTextEquals("args"u8) || reader.ValueTextEquals("response"u8) || reader.ValueTextEquals("schema"u8)
                ? Key.Json
                : reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("input_audio"u8) || reader.ValueTextEquals("file"u8)
                || reader.ValueTextEquals("source"u8) || reader.ValueTextEquals("inline_data"u8) || reader.ValueTextEquals("inlineData"u8)
                || reader.ValueTextEquals("file_data"u8) || reader.ValueTextEquals("fileData"u8)
                ? Key.Media
                : reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("responseSchema"u8) || reader.ValueTextEquals("response_schema"u8)
                || reader.ValueTextEquals("responseJsonSchema"u8) || reader.ValueTextEquals("cache_control"u8)
                ? Key.Ignored
                : Key.None;
        }

        private void CountString(ref Utf8JsonReader reader)
        {
            var length = reader.ValueSpan.Length;
            if (length == 0)
            {
                return;
            }

            int chars;
            try
            {
                chars = reader.CopyString(Rent(length));
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate ("\ud800") is well-formed JSON but not text: estimate it from its bytes.
                _tokens += (length + 2) / 3;
                return;
            }

            _tokens += CountSegmented(_encoding, _buffer.AsSpan(0, chars), _cancellationToken);
        }

        private void CountUtf8(ReadOnlySpan<byte> utf8)
        {
            var chars = Encoding.UTF8.GetChars(utf8, Rent(utf8.Length));
            _tokens += CountSegmented(_encoding, _buffer.AsSpan(0, chars), _cancellationToken);
        }

        private Span<char> Rent(int length)
        {
            if (_buffer is null || _buffer.Length < length)
            {
                if (_buffer is not null)
                {
                    ArrayPool<char>.Shared.Return(_buffer);
                }

                _buffer = ArrayPool<char>.Shared.Rent(Math.Max(length, 1024));
            }

            return _buffer.AsSpan(0, length);
        }
    }
}
