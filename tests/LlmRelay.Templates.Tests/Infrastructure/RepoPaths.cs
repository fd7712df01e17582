namespace LlmRelay.Templates.Tests.Infrastructure;

/// <summary>Locates the repository the tests were built from.</summary>
public static class RepoPaths
{
    /// <summary>Gets the repository root: the nearest ancestor of the test binaries that holds LlmRelay.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmRelay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No LlmRelay.sln above {AppContext.BaseDirectory}.");
    }
}
