using System.Text;
using LlmRelay.AspNetCore.Relay;

namespace LlmRelay.AspNetCore.Tests.Relay;

/// <summary>The usage of a realtime <c>response.done</c> event (issue #17), as OpenAI documents it.</summary>
public sealed class RealtimeUsageReaderTests
{
    [Fact]
    public void TryRead_ResponseDone_ReadsTokensCachedAndAudio()
    {
        var message = Encoding.UTF8.GetBytes("""
            {"type":"response.done","event_id":"evt_1","response":{"object":"realtime.response","id":"resp_9","status":"completed",
             "output":[{"type":"message","content":[{"type":"audio","transcript":"Hi"}]}],
             "usage":{"total_tokens":253,"input_tokens":132,"output_tokens":121,
                      "input_token_details":{"text_tokens":119,"audio_tokens":13,"image_tokens":0,"cached_tokens":64,
                                             "cached_tokens_details":{"text_tokens":64,"audio_tokens":0}},
                      "output_token_details":{"text_tokens":30,"audio_tokens":91}}}}
            """);

        Assert.True(RealtimeUsageReader.TryRead(message, out var usage, out var audioIn, out var audioOut, out var id));

        Assert.Equal((132L, 121L, 253L, 64L), (usage.InputTokens, usage.OutputTokens, usage.TotalTokens, usage.CachedInputTokens));
        Assert.Equal((13L, 91L), (audioIn, audioOut));
        Assert.Equal("resp_9", id);
        Assert.True(RealtimeUsageReader.MayBeResponseDone(message));
    }

    [Fact]
    public void TryRead_TypeAfterTheResponse_AndUsageNull_IsAResponseDoneWithoutUsage()
    {
        var message = Encoding.UTF8.GetBytes("""{"response":{"id":"resp_1","status":"failed","usage":null},"type":"response.done"}""");

        Assert.True(RealtimeUsageReader.TryRead(message, out var usage, out _, out _, out var id));

        Assert.Equal(default, usage);
        Assert.Equal("resp_1", id);
    }

    [Theory]
    [InlineData("""{"type":"response.text.delta","delta":"the words \"response.done\" in a delta"}""")]
    [InlineData("""{"type":"response.done","response":{"usage":{"input_tokens":1""")]
    [InlineData("""["response.done"]""")]
    public void TryRead_AnythingElse_IsNotBilled(string text)
    {
        Assert.False(RealtimeUsageReader.TryRead(Encoding.UTF8.GetBytes(text), out _, out _, out _, out _));
    }

    [Fact]
    public void IsDelta_NamesOutputDeltas_Only()
    {
        Assert.True(RealtimeUsageReader.IsDelta("""{"type":"response.audio.delta","delta":"AAAA"}"""u8));
        Assert.False(RealtimeUsageReader.IsDelta("""{"type":"response.audio.done"}"""u8));
    }
}
