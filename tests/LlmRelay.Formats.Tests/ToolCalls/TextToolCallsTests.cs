using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.Formats.ToolCalls;

namespace LlmRelay.Formats.Tests.ToolCalls;

public sealed class TextToolCallsTests
{
    private static readonly string[] Declared = ["get_weather", "get_time"];

    [Fact]
    public void Parse_TextThenToolCall_SplitsContentAndCall()
    {
        ToolCallExtraction r = TextToolCalls.Parse("Let me check.\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]}", Declared);
        Assert.Equal("Let me check.", r.Content);
        ExtractedToolCall call = Assert.Single(r.Calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("call_0", call.Id);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"city\":\"Paris\"}"), JsonNode.Parse(call.Arguments)));
    }

    [Fact]
    public void Parse_ParallelCallsWithWhitespaceAndEmptyArguments_ReturnsEachCall()
    {
        const string text = "{ \"tool_calls\" : [ {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}},\n {\"name\":\"get_time\",\"arguments\":{}}, {\"name\":\"get_time\"} ] }";
        ToolCallExtraction r = TextToolCalls.Parse(text, Declared);
        Assert.Null(r.Content);
        Assert.Equal(["get_weather", "get_time", "get_time"], r.Calls.Select(c => c.Name));
        Assert.Equal(["{\"city\": \"Oslo\"}", "{}", "{}"], r.Calls.Select(c => c.Arguments));
    }

    [Fact]
    public void Parse_ArgumentsAsJsonString_AreDecoded()
    {
        ToolCallExtraction r = TextToolCalls.Parse("{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}]}", Declared);
        Assert.Equal("{\"city\":\"Rome\"}", Assert.Single(r.Calls).Arguments);
    }

    [Fact]
    public void Parse_ExampleInsideFencedCodeBlock_IsNotExecuted()
    {
        const string text = "Call it like this:\n```json\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"X\"}}]}\n```\nDone.";
        ToolCallExtraction r = TextToolCalls.Parse(text, Declared);
        Assert.Empty(r.Calls);
        Assert.Equal(text, r.Content);
    }

    [Fact]
    public void Parse_UndeclaredToolName_IsRejectedAndNotLeaked()
    {
        ToolCallExtraction r = TextToolCalls.Parse("ok {\"tool_calls\":[{\"name\":\"rm_rf\",\"arguments\":{\"path\":\"/\"}},{\"name\":\"get_time\",\"arguments\":{}}]}", Declared);
        Assert.Equal(["get_time"], r.Calls.Select(c => c.Name));
        Assert.Equal(["rm_rf"], r.RejectedNames);
        Assert.Equal("ok", r.Content);
    }

    [Fact]
    public void Parse_OrdinaryJsonInText_IsLeftAsContent()
    {
        const string text = "Here is data: {\"tool\":1, \"x\":[{}]} and {\"tool_callsX\":2}";
        ToolCallExtraction r = TextToolCalls.Parse(text, Declared);
        Assert.Empty(r.Calls);
        Assert.Equal(text, r.Content);
    }

    [Fact]
    public void Feed_StreamedCall_EmitsStartBeforeJsonCloses()
    {
        var x = new StreamingToolCallExtractor(Declared);
        var events = new List<ToolTextEvent>();
        x.Feed("Sure. {\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"ci", events);
        Assert.Equal(ToolTextEventKind.Text, events[0].Kind);
        Assert.Equal("Sure. ", events[0].Text);
        Assert.Contains(events, e => e.Kind == ToolTextEventKind.ToolCallStart && e.Name == "get_weather");
        Assert.Equal("{\"ci", string.Concat(events.Where(e => e.Kind == ToolTextEventKind.ToolCallArguments).Select(e => e.Text)));
        Assert.DoesNotContain(events, e => e.Kind == ToolTextEventKind.Text && e.Text.Contains("tool_calls", StringComparison.Ordinal));
    }

    [Fact]
    public void Feed_EveryTwoWaySplit_ProducesSameTextAndCalls()
    {
        const string text = "Before\n```\n{\"tool_calls\":[]}\n```\nmid {\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Zürich 👋\",\"n\":[1,{\"a\":\"}\"}]}},{\"name\":\"nope\",\"arguments\":{}}]} after {x}";
        (string text, string calls) expected = Run(text, text.Length);
        Assert.Equal("Before\n```\n{\"tool_calls\":[]}\n```\nmid  after {x}", expected.text);
        Assert.Equal("|get_weather:{\"city\":\"Zürich 👋\",\"n\":[1,{\"a\":\"}\"}]}", expected.calls);
        for (int i = 0; i <= text.Length; i++)
        {
            Assert.Equal(expected, Run(text, i));
        }
    }

    [Fact]
    public void CheckToolChoice_RequiredWithoutCalls_ReturnsViolation()
    {
        JsonElement required = JsonDocument.Parse("\"required\"").RootElement;
        FormatError? error = TextToolCalls.CheckToolChoice(required, []);
        Assert.NotNull(error);
        Assert.Equal(FormatErrorKind.ToolChoiceViolation, error.Kind);
        Assert.Equal("tool_choice_violation", error.Code);
        Assert.Null(TextToolCalls.CheckToolChoice(required, ["get_time"]));
        JsonElement named = JsonDocument.Parse("{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}").RootElement;
        Assert.NotNull(TextToolCalls.CheckToolChoice(named, ["get_weather"]));
        Assert.Null(TextToolCalls.CheckToolChoice(null, []));
    }

    [Fact]
    public void BuildPrompt_DeclaredTools_DescribesEachToolAndTheCallFormat()
    {
        var tools = new List<LlmRelay.Formats.OpenAI.Models.ChatTool>
        {
            new() { Type = "function", Function = new() { Name = "get_weather", Description = "Weather", Parameters = JsonDocument.Parse("{\"type\":\"object\"}").RootElement } },
        };
        string prompt = TextToolCalls.BuildPrompt(tools, JsonDocument.Parse("\"required\"").RootElement);
        Assert.Contains("- get_weather: Weather", prompt, StringComparison.Ordinal);
        Assert.Contains("{\"tool_calls\":[", prompt, StringComparison.Ordinal);
        Assert.Contains("must call", prompt, StringComparison.Ordinal);
    }

    private static (string Text, string Calls) Run(string text, int split)
    {
        var x = new StreamingToolCallExtractor(Declared);
        var events = new List<ToolTextEvent>();
        x.Feed(text[..split], events);
        x.Feed(text[split..], events);
        x.Complete(events);
        var content = new StringBuilder();
        var calls = new StringBuilder();
        foreach (ToolTextEvent e in events)
        {
            if (e.Kind == ToolTextEventKind.Text)
            {
                content.Append(e.Text);
            }
            else if (e.Kind == ToolTextEventKind.ToolCallStart)
            {
                calls.Append('|').Append(e.Name).Append(':');
            }
            else
            {
                calls.Append(e.Text);
            }
        }

        return (content.ToString(), calls.ToString());
    }
}
