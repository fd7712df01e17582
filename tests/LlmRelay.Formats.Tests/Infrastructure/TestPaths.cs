namespace LlmRelay.Formats.Tests.Infrastructure;

internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    public static string RepoRoot => Root.Value;

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "LlmRelay.Formats.Tests", "Fixtures");

    /// <summary>../shared/fixtures/upstream relative to the repo root, or null when absent.</summary>
    public static string? SharedUpstream
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures", "upstream"));
            return Directory.Exists(path) ? path : null;
        }
    }

    public static string RequireSharedUpstream()
    {
        string? path = SharedUpstream;
        if (path is null)
        {
            Assert.Skip("Recorded upstream fixtures not found at ../shared/fixtures/upstream (relative to the folder containing LlmRelay.sln); these tests need that checkout.");
        }

        return path;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LlmRelay.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("LlmRelay.sln not found above " + AppContext.BaseDirectory);
    }
}
