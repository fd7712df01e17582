using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Conversion;

public sealed class BodyConverterGoldenTests
{
    public static TheoryData<string, string> RequestCases() => Cases("Requests");

    public static TheoryData<string, string> ResponseCases() => Cases("Responses");

    [Theory]
    [MemberData(nameof(RequestCases))]
    public void ConvertRequest_Fixture_MatchesGoldenBytes(string input, string target)
    {
        (WireFormat from, WireFormat to, string path, string caseName) = Resolve("Requests", input, target);
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(from, to, File.ReadAllBytes(path), from == WireFormat.Gemini ? "gemini-2.5-flash" : null);
        Assert.True(result.IsSuccess, result.Error?.Message);
        Golden.AssertMatches(Path.Combine(TestPaths.Fixtures, "Requests", "Expected", caseName + ".to-" + target + ".json"), result.Value.Body);
    }

    [Theory]
    [MemberData(nameof(ResponseCases))]
    public void ConvertResponse_Fixture_MatchesGoldenBytes(string input, string target)
    {
        (WireFormat from, WireFormat to, string path, string caseName) = Resolve("Responses", input, target);
        FormatResult<byte[]> result = BodyConverter.ConvertResponse(from, to, File.ReadAllBytes(path), 1_700_000_000, out TokenUsage usage);
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0);
        Golden.AssertMatches(Path.Combine(TestPaths.Fixtures, "Responses", "Expected", caseName + ".to-" + target + ".json"), result.Value);
    }

    private static TheoryData<string, string> Cases(string folder)
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, folder), "*.json").Order(StringComparer.Ordinal))
        {
            WireFormat source = FormatOf(file);
            foreach (WireFormat target in Enum.GetValues<WireFormat>())
            {
                if (target != source)
                {
                    data.Add(Path.GetFileName(file), StreamHarness.Slug(target));
                }
            }
        }

        return data;
    }

    private static (WireFormat From, WireFormat To, string Path, string CaseName) Resolve(string folder, string input, string target)
    {
        string path = Path.Combine(TestPaths.Fixtures, folder, input);
        WireFormat from = FormatOf(path);
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);
        string caseName = input[..input.LastIndexOf('.')];
        return (from, to, path, caseName);
    }

    private static WireFormat FormatOf(string file) => StreamHarness.FormatOf(Path.ChangeExtension(file, ".sse"));
}
