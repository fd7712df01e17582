using System.Text;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.Tests.Sse;

public sealed class SseEventReaderTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void TryRead_AnyLineEnding_YieldsSameEvents(string eol)
    {
        string input = $"event: a{eol}data: 1{eol}{eol}: keep-alive{eol}{eol}data: x{eol}data: y{eol}id: 7{eol}retry: 10{eol}{eol}";
        Assert.Equal(["a|1", "|x\ny"], ReadAll(input));
    }

    [Fact]
    public void TryRead_CommentsAndBlankLines_AreIgnored()
    {
        Assert.Equal(["|{}"], ReadAll(":ping\n\n\n:another\ndata:{}\n\n"));
    }

    [Fact]
    public void TryRead_FieldWithoutSpaceOrValue_FollowsSpec()
    {
        Assert.Equal(["|a", "|", "|  two"], ReadAll("data:a\n\ndata\n\ndata:   two\n\n"));
    }

    [Fact]
    public void TryRead_LeadingBomSplitAcrossChunks_IsSkipped()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "data: z\n\n"u8];
        using var reader = new SseEventReader();
        var events = new List<string>();
        foreach (byte b in bytes)
        {
            ReadOnlySpan<byte> chunk = [b];
            while (reader.TryRead(ref chunk, out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> data))
            {
                events.Add(Encoding.UTF8.GetString(type) + "|" + Encoding.UTF8.GetString(data));
            }
        }

        Assert.Equal(["|z"], events);
    }

    [Fact]
    public void TryRead_EveryChunkBoundary_YieldsSameEvents()
    {
        byte[] input = Encoding.UTF8.GetBytes("event: message_start\r\ndata: {\"t\":\"héllo 👋\"}\r\n\r\n: c\r\ndata: a\r\ndata: b\r\n\r\ndata: [DONE]\r\n\r\n");
        List<string> expected = ReadAll(Encoding.UTF8.GetString(input));
        for (int i = 0; i <= input.Length; i++)
        {
            for (int j = i; j <= input.Length; j += 7)
            {
                Assert.Equal(expected, ReadChunks(input, i, j));
            }
        }
    }

    [Fact]
    public void TryFlush_UnterminatedFinalEvent_IsDispatched()
    {
        using var reader = new SseEventReader();
        ReadOnlySpan<byte> input = "data: tail"u8;
        Assert.False(reader.TryRead(ref input, out _, out _));
        Assert.True(reader.TryFlush(out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> data));
        Assert.True(type.IsEmpty);
        Assert.Equal("tail", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public void WriteEvent_MultiLineData_SplitsIntoDataLines()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        SseWriter.WriteEvent(buffer, "e"u8, "a\nb\r\nc"u8);
        Assert.Equal("event: e\ndata: a\ndata: b\ndata: c\n\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(["e|a\nb\nc"], ReadAll(Encoding.UTF8.GetString(buffer.WrittenSpan)));
    }

    private static List<string> ReadAll(string input) => ReadChunks(Encoding.UTF8.GetBytes(input));

    private static List<string> ReadChunks(byte[] input, params int[] splits)
    {
        using var reader = new SseEventReader();
        var events = new List<string>();
        int start = 0;
        foreach (int split in splits.Append(input.Length))
        {
            ReadOnlySpan<byte> chunk = input.AsSpan(start, split - start);
            start = split;
            while (reader.TryRead(ref chunk, out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> data))
            {
                events.Add(Encoding.UTF8.GetString(type) + "|" + Encoding.UTF8.GetString(data));
            }
        }

        if (reader.TryFlush(out ReadOnlySpan<byte> t, out ReadOnlySpan<byte> d))
        {
            events.Add(Encoding.UTF8.GetString(t) + "|" + Encoding.UTF8.GetString(d));
        }

        return events;
    }
}
