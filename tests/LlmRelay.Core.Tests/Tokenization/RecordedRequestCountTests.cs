using System.Globalization;
using System.Text.Json;
using LlmRelay.Core.Tests.Health;
using LlmRelay.Tokenization;

namespace LlmRelay.Core.Tests.Tokenization;

/// <summary>Counts the recorded request bodies and compares with the prompt tokens the providers reported for them.</summary>
public sealed class RecordedRequestCountTests
{
    // Counted / reported ratios are written to the test output. OpenAI chat is exact-ish (o200k is the real
    // encoding); the Responses API reports 36 input tokens for the same tool request chat reports as 75 (its
    // tool definitions seem not to be billed as input), so it gets a wider upper bound. Claude and Gemini use
    // their own tokenizers and hidden prompt additions: counts are estimates.
    public static TheoryData<string, string, double, double> Families => new()
    {
        { "openai", "chat-", 0.7, 1.3 },
        { "openai", "responses-", 0.7, 2.2 },
        { "anthropic", "", 0.6, 1.4 },
        { "gemini", "", 0.5, 1.8 },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void CountRequest_RecordedBodies_WithinRangeOfReportedPromptTokens(string family, string casePrefix, double min, double max)
    {
        var root = UpstreamFixtures.Require();
        var counter = new SharpTokenCounter();
        var output = TestContext.Current.TestOutputHelper;
        var compared = 0;
        foreach (var requestPath in Directory.EnumerateFiles(Path.Combine(root, family), casePrefix + "*.request.json").Order(StringComparer.Ordinal))
        {
            var caseName = Path.GetFileName(requestPath)[..^".request.json".Length];
            var reported = ReportedPromptTokens(Path.Combine(root, family, caseName));
            if (reported is not { } expected || expected == 0)
            {
                continue;
            }

            var body = File.ReadAllBytes(requestPath);
            var model = ModelOf(body, Path.Combine(root, family, caseName)) ?? family;
            var counted = counter.CountRequest(model, body);
            var ratio = counted / (double)expected;
            var estimate = ITokenCounter.EstimateFromBytes(body.Length);
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{family}/{caseName} model={model} counted={counted} reported={expected} ratio={ratio:F2} estimate={estimate} ({estimate / (double)expected:F2}x)"));

            Assert.True(counted > 0, $"{caseName}: no tokens counted.");
            Assert.InRange(ratio, min, max);
            Assert.True(estimate >= expected, $"{caseName}: EstimateFromBytes({body.Length}) = {estimate} is below the reported {expected}.");
            compared++;
        }

        Assert.True(compared > 0, $"No {family} request/response pairs with reported prompt tokens were found.");
    }

    private static long? ReportedPromptTokens(string basePath)
    {
        long? best = null;
        if (File.Exists(basePath + ".json"))
        {
            Visit(JsonDocument.Parse(File.ReadAllBytes(basePath + ".json")).RootElement, ref best);
        }
        else if (File.Exists(basePath + ".sse"))
        {
            foreach (var line in File.ReadLines(basePath + ".sse"))
            {
                if (line.StartsWith("data:", StringComparison.Ordinal) && line.AsSpan(5).Trim() is var data && data.StartsWith("{"))
                {
                    Visit(JsonDocument.Parse(data.ToString()).RootElement, ref best);
                }
            }
        }

        return best;
    }

    // prompt_tokens (OpenAI chat), input_tokens (+ cache buckets: Anthropic; Responses), promptTokenCount (Gemini).
    private static void Visit(JsonElement element, ref long? best)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Visit(item, ref best);
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        long? found = null;
        if (element.TryGetProperty("prompt_tokens", out var p) && p.ValueKind == JsonValueKind.Number)
        {
            found = p.GetInt64();
        }
        else if (element.TryGetProperty("promptTokenCount", out var g) && g.ValueKind == JsonValueKind.Number)
        {
            found = g.GetInt64();
        }
        else if (element.TryGetProperty("input_tokens", out var a) && a.ValueKind == JsonValueKind.Number)
        {
            found = a.GetInt64() + Number(element, "cache_read_input_tokens") + Number(element, "cache_creation_input_tokens");
        }

        if (found is { } value && value > (best ?? 0))
        {
            best = value;
        }

        foreach (var property in element.EnumerateObject())
        {
            Visit(property.Value, ref best);
        }
    }

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static string? ModelOf(byte[] body, string basePath)
    {
        using var request = JsonDocument.Parse(body);
        if (request.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
        {
            return model.GetString();
        }

        // Gemini names the model in the URL; the answer carries modelVersion.
        if (File.Exists(basePath + ".json"))
        {
            using var response = JsonDocument.Parse(File.ReadAllBytes(basePath + ".json"));
            if (response.RootElement.ValueKind == JsonValueKind.Object && response.RootElement.TryGetProperty("modelVersion", out var version))
            {
                return version.GetString();
            }
        }

        return null;
    }
}
