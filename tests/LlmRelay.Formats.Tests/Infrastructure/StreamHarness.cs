using System.Buffers;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Tests.Infrastructure;

internal static class StreamHarness
{
    public static readonly StreamConversionOptions Options = new() { Created = 1_700_000_000, FallbackId = "relay-test" };

    public static WireFormat FormatOf(string fileName)
    {
        string name = Path.GetFileName(fileName);
        if (name.EndsWith(".openai.sse", StringComparison.Ordinal))
        {
            return WireFormat.OpenAIChat;
        }

        if (name.EndsWith(".anthropic.sse", StringComparison.Ordinal))
        {
            return WireFormat.Anthropic;
        }

        if (name.EndsWith(".gemini.sse", StringComparison.Ordinal))
        {
            return WireFormat.Gemini;
        }

        if (name.EndsWith(".responses.sse", StringComparison.Ordinal))
        {
            return WireFormat.OpenAIResponses;
        }

        throw new ArgumentException("Unknown fixture family: " + name);
    }

    public static string Slug(WireFormat f) => f switch
    {
        WireFormat.OpenAIChat => "openai",
        WireFormat.Anthropic => "anthropic",
        WireFormat.Gemini => "gemini",
        _ => "responses",
    };

    /// <summary>Rewrites <paramref name="input"/> fed in chunks cut at <paramref name="splits"/>.</summary>
    public static (byte[] Output, FormatError? Error, TokenUsage? Usage) Rewrite(WireFormat source, WireFormat target, ReadOnlySpan<byte> input, params int[] splits)
    {
        var output = new ArrayBufferWriter<byte>();
        using SseRewriteSession session = StreamRewriters.CreateSession(source, target, Options);
        int start = 0;
        foreach (int split in splits)
        {
            session.Write(input[start..split], output);
            start = split;
        }

        session.Write(input[start..], output);
        FormatError? error = session.Complete(output);
        return (output.WrittenSpan.ToArray(), error, session.Usage);
    }

    public static byte[] RewriteByteByByte(WireFormat source, WireFormat target, ReadOnlySpan<byte> input)
    {
        var output = new ArrayBufferWriter<byte>();
        using SseRewriteSession session = StreamRewriters.CreateSession(source, target, Options);
        for (int i = 0; i < input.Length; i++)
        {
            session.Write(input.Slice(i, 1), output);
        }

        session.Complete(output);
        return output.WrittenSpan.ToArray();
    }
}
