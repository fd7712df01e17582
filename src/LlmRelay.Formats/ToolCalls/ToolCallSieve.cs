using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI.Models;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.ToolCalls;

/// <summary>
/// The tool-call sieve of one call (seed-ds2api.md): tool calls a model writes as text
/// (<c>{"tool_calls":[{"name":"...","arguments":{...}}]}</c>) reach the caller as structured calls in its own format.
/// </summary>
/// <remarks>
/// <code>
/// caller request ─► FromRequest: declared tool names and tool_choice (null: no tools, or tool_choice "none")
/// non-stream answer ─► MustConvert? ─► ConvertResponse: text calls ─► tool calls, finish reason "tool_calls";
///                                      tool_choice required but no call ─► ToolChoiceViolation (HTTP 422)
/// stream ─► CreateStreamRewriter: calls emitted as soon as their name is read; a violation ends the stream with
///           the caller family's failure event (Responses: response.failed, no response.completed)
/// </code>
/// Calls inside Markdown fenced code blocks are examples and stay text; names the request did not declare are dropped,
/// never delivered as calls. The usage the upstream reported is never changed. Immutable and thread-safe; each rewriter
/// it creates serves one stream.
/// </remarks>
public sealed class ToolCallSieve
{
    private readonly string[] _declared;
    private readonly JsonElement? _toolChoice;
    private readonly string _idPrefix;

    private ToolCallSieve(string[] declared, JsonElement? toolChoice, string idPrefix)
    {
        _declared = declared;
        _toolChoice = toolChoice;
        _idPrefix = idPrefix;
        RequiresCall = TextToolCalls.ToolChoiceMode(toolChoice, out _) is "required" or "function";
    }

    /// <summary>Gets the tool names the caller's request declares; only these become calls.</summary>
    public IReadOnlyList<string> DeclaredTools => _declared;

    /// <summary>Gets whether the request's <c>tool_choice</c> requires a call (<c>required</c>, Anthropic's <c>any</c>, Gemini's <c>ANY</c>, or a named tool).</summary>
    public bool RequiresCall { get; }

    /// <summary>Reads the tools and <c>tool_choice</c> a caller's request declares.</summary>
    /// <param name="caller">The caller's wire format.</param>
    /// <param name="body">The caller's JSON request body.</param>
    /// <returns>The sieve, or <see langword="null"/> when the request declares no tools, sets <c>tool_choice</c> to <c>none</c>, or cannot be read (the answer then passes unsieved).</returns>
    public static ToolCallSieve? FromRequest(WireFormat caller, ReadOnlySpan<byte> body)
    {
        // Every family names its tool list "tools": without it there is nothing to read.
        if (body.IndexOf("\"tools\""u8) < 0)
        {
            return null;
        }

        FormatResult<ChatCompletionRequest> request = BodyConverter.ToChatRequest(caller, body);
        if (!request.IsSuccess || request.Value.Tools is not { Count: > 0 } tools)
        {
            return null;
        }

        string[] declared = [.. tools.Select(static t => t.Function?.Name).OfType<string>().Where(static n => n.Length > 0).Distinct(StringComparer.Ordinal)];
        JsonElement? choice = request.Value.ToolChoice;
        if (declared.Length == 0 || TextToolCalls.ToolChoiceMode(choice, out _) == "none")
        {
            return null;
        }

        // Ids unique across calls, so a caller's later turns never see two calls with one id; letters, digits and '_' only (Anthropic's rule).
        return new ToolCallSieve(declared, choice?.Clone(), "call_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "_");
    }

    /// <summary>Returns whether a non-stream answer must go through <see cref="ConvertResponse"/>: it may hold a call written as text, or <c>tool_choice</c> requires a call to check.</summary>
    /// <param name="answer">The upstream's answer body.</param>
    /// <returns><see langword="false"/> when the answer can be delivered as it is.</returns>
    public bool MustConvert(ReadOnlySpan<byte> answer) => RequiresCall || answer.IndexOf("tool_calls"u8) >= 0;

    /// <summary>Converts a non-stream answer from the upstream's family to the caller's, turning tool calls written as text into structured calls.</summary>
    /// <param name="upstream">The upstream's family.</param>
    /// <param name="caller">The caller's family.</param>
    /// <param name="body">The upstream's JSON answer.</param>
    /// <param name="created">Unix seconds for families whose bodies carry no timestamp.</param>
    /// <param name="usage">The usage the upstream reported (for billing), also when the result is a <see cref="FormatErrorKind.ToolChoiceViolation"/>.</param>
    /// <returns>The caller's body; or an error: the answer could not be read, or it holds no call although <c>tool_choice</c> requires one
    /// (<see cref="FormatErrorKind.ToolChoiceViolation"/>, code <c>tool_choice_violation</c>, which the seed answers with HTTP 422).</returns>
    public FormatResult<byte[]> ConvertResponse(WireFormat upstream, WireFormat caller, ReadOnlySpan<byte> body, long created, out TokenUsage usage)
    {
        FormatResult<ChatCompletionResponse> pivot = BodyConverter.ToChatResponse(upstream, body, created, out usage);
        if (!pivot.IsSuccess)
        {
            return pivot.Error;
        }

        FormatError? violation = Apply(pivot.Value);
        return violation ?? BodyConverter.FromChatResponse(caller, pivot.Value, usage);
    }

    /// <summary>Creates the rewriter for one streamed answer: <paramref name="upstream"/> events in, <paramref name="caller"/> events out, calls written as text turned into tool-call events.</summary>
    /// <param name="upstream">The upstream's family.</param>
    /// <param name="caller">The caller's family.</param>
    /// <param name="options">The caller-facing stream options.</param>
    /// <returns>A rewriter for one stream; its <see cref="IStreamRewriter.Complete"/> returns the <see cref="FormatErrorKind.ToolChoiceViolation"/> when it ended the stream with one.</returns>
    public IStreamRewriter CreateStreamRewriter(WireFormat upstream, WireFormat caller, StreamConversionOptions? options = null)
    {
        options ??= new StreamConversionOptions();
        var encoder = new TextToolCallStreamEncoder(StreamRewriters.CreateEncoder(caller, options), _declared, _toolChoice, options, _idPrefix);
        return new ConvertingStreamRewriter(StreamRewriters.CreateDecoder(upstream), encoder);
    }

    // Moves the calls written in each choice's text into its tool calls; checks tool_choice against every call made.
    private FormatError? Apply(ChatCompletionResponse chat)
    {
        var called = new List<string>();
        foreach (ChatChoice choice in chat.Choices ?? [])
        {
            if (choice.Message is not { } message)
            {
                continue;
            }

            foreach (ChatToolCall native in message.ToolCalls ?? [])
            {
                called.Add(native.Function?.Name ?? string.Empty);
            }

            if (TextOf(message.Content) is not { } text || !text.Contains("tool_calls", StringComparison.Ordinal))
            {
                continue;
            }

            string prefix = choice.Index == 0 ? _idPrefix : _idPrefix + choice.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_";
            ToolCallExtraction found = TextToolCalls.Parse(text, _declared, prefix);
            if (found.Calls.Count == 0 && found.RejectedNames.Count == 0)
            {
                continue; // "tool_calls" was only mentioned, or shown in a fenced example.
            }

            message.Content = found.Content is null ? null : new TextOrParts<ChatContentPart>(found.Content);
            if (found.Calls.Count == 0)
            {
                continue;
            }

            message.ToolCalls ??= [];
            foreach (ExtractedToolCall call in found.Calls)
            {
                message.ToolCalls.Add(new ChatToolCall { Id = call.Id, Type = "function", Function = new ChatFunctionCall { Name = call.Name, Arguments = call.Arguments } });
                called.Add(call.Name);
            }

            if (choice.FinishReason is null or "stop")
            {
                choice.FinishReason = "tool_calls";
            }
        }

        return TextToolCalls.CheckToolChoice(_toolChoice, called);
    }

    private static string? TextOf(TextOrParts<ChatContentPart>? content)
    {
        if (content?.Text is { } text)
        {
            return text;
        }

        if (content?.Parts is not { Count: > 0 } parts || !parts.TrueForAll(static p => p.Type == "text"))
        {
            return null;
        }

        var sb = new StringBuilder();
        foreach (ChatContentPart part in parts)
        {
            sb.Append(part.Text);
        }

        return sb.ToString();
    }
}
