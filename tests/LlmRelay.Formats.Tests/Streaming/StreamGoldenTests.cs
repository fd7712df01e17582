using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Streaming;

public sealed class StreamGoldenTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "Streams"), "*.sse").Order(StringComparer.Ordinal))
        {
            WireFormat source = StreamHarness.FormatOf(file);
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

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewrite_StreamFixture_MatchesGoldenBytes(string input, string target)
    {
        string path = Path.Combine(TestPaths.Fixtures, "Streams", input);
        WireFormat source = StreamHarness.FormatOf(path);
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);
        (byte[] output, _, _) = StreamHarness.Rewrite(source, to, File.ReadAllBytes(path));
        string caseName = input[..input.IndexOf('.', StringComparison.Ordinal)];
        Golden.AssertMatches(Path.Combine(TestPaths.Fixtures, "Streams", "Expected", caseName + ".to-" + target + ".sse"), output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewrite_EveryByteBoundarySplit_ProducesIdenticalOutput(string input, string target)
    {
        string path = Path.Combine(TestPaths.Fixtures, "Streams", input);
        WireFormat source = StreamHarness.FormatOf(path);
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);
        byte[] bytes = File.ReadAllBytes(path);
        (byte[] whole, _, _) = StreamHarness.Rewrite(source, to, bytes);
        for (int split = 0; split <= bytes.Length; split++)
        {
            (byte[] output, _, _) = StreamHarness.Rewrite(source, to, bytes, split);
            if (!output.AsSpan().SequenceEqual(whole))
            {
                Assert.Fail($"Output differs when the input is split at byte {split} of {bytes.Length}.");
            }
        }

        Assert.Equal(whole, StreamHarness.RewriteByteByByte(source, to, bytes));
    }
}
