namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>The recorded provider traffic in ../shared/fixtures/upstream, read in place (never copied into the repository).</summary>
internal static class UpstreamFixtures
{
    /// <summary>The fixtures folder beside the repository (or beside a folder holding its worktrees); skips the test when it is absent.</summary>
    public static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "shared", "fixtures", "upstream");
            if (Directory.Exists(path))
            {
                return path;
            }
        }

        Assert.Skip("Recorded upstream fixtures not found in a shared/fixtures/upstream folder above the test binaries.");
        return "";
    }

    /// <summary>Reads one fixture, e.g. <c>gemini/streamgeneratecontent-sse-text.sse</c>.</summary>
    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Folder(), relativePath));
}
