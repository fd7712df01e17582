namespace LlmRelay.Core.Tests.Health;

/// <summary>Locates the recorded upstream bodies in ../shared/fixtures/upstream (next to the repository); they are never copied into the repo.</summary>
internal static class UpstreamFixtures
{
    public static string? Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LlmRelay.sln")))
            {
                dir = dir.Parent;
            }

            var path = dir is null ? null : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "upstream"));
            return path is not null && Directory.Exists(path) ? path : null;
        }
    }

    public static string Require()
    {
        var root = Root;
        if (root is null)
        {
            Assert.Skip("Recorded upstream fixtures not found at ../shared/fixtures/upstream (relative to the folder containing LlmRelay.sln); these tests need that checkout.");
        }

        return root;
    }
}
