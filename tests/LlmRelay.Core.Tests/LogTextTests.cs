namespace LlmRelay.Core.Tests;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("", "")]
    [InlineData("a\\b \"q\" é 你好 😀", "a\\b \"q\" é 你好 😀")]
    [InlineData("a\r\nb\tc", "a\\r\\nb\\tc")]
    [InlineData("\u001b[31mred\u0000\u007f\u0085", "\\u001B[31mred\\u0000\\u007F\\u0085")]
    [InlineData("\u202Eabc\u2066\u200F\u2028", "\\u202Eabc\\u2066\\u200F\\u2028")]
    public void Escape_ControlAndBidiCharacters_AreVisible(string text, string expected) =>
        Assert.Equal(expected, LogText.Escape(text));

    [Fact]
    public void Escape_CleanText_IsTheSameInstance()
    {
        const string Text = "gpt-4o";

        Assert.Same(Text, LogText.Escape(Text));
        Assert.Null(LogText.Escape(null));
    }
}
