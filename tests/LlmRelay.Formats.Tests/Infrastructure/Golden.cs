using System.Text;

namespace LlmRelay.Formats.Tests.Infrastructure;

/// <summary>Byte-exact golden files; set LLMRELAY_UPDATE_GOLDEN=1 to (re)write them.</summary>
internal static class Golden
{
    public static bool Updating => Environment.GetEnvironmentVariable("LLMRELAY_UPDATE_GOLDEN") == "1";

    public static void AssertMatches(string expectedPath, byte[] actual)
    {
        if (Updating)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(expectedPath)!);
            if (!File.Exists(expectedPath) || !File.ReadAllBytes(expectedPath).AsSpan().SequenceEqual(actual))
            {
                File.WriteAllBytes(expectedPath, actual);
            }

            return;
        }

        Assert.True(File.Exists(expectedPath), "Missing golden file " + expectedPath + " (run with LLMRELAY_UPDATE_GOLDEN=1 and review the diff).");
        byte[] expected = File.ReadAllBytes(expectedPath);
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
            Assert.Equal(expected, actual);
        }
    }
}
