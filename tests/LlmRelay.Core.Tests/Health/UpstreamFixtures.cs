namespace LlmRelay.Core.Tests.Health;

/// <summary>Locates the recorded upstream bodies in ../shared/fixtures/upstream (next to the repository); they are never copied into the repo.</summary>
internal static class UpstreamFixtures
{
    public static string? Root
    {
        get
        {
            // shared/ beside the repository, or beside the folder that holds its worktrees.
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "shared", "fixtures", "upstream");
                if (Directory.Exists(path))
                {
                    return path;
                }
            }

            return null;
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
