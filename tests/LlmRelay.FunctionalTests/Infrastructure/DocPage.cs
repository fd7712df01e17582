namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>The shell walks of a Markdown page of this repository (README.md, docs/*.md), read from the page itself so a test runs what a reader runs.</summary>
public static class DocPage
{
    private const string Fence = "```bash\n";

    /// <summary>Reads a page by its path from the repository root.</summary>
    public static string Read(string relativePath)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRelay.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return File.ReadAllText(Path.Combine(directory.FullName, relativePath)).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Returns the first <c>bash</c> block after the heading <paramref name="heading"/>.</summary>
    public static string BlockAfter(string page, string heading)
    {
        var at = page.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(at >= 0, $"The page no longer has the heading '{heading}'.");
        var blocks = Blocks(page[at..]);
        Assert.NotEmpty(blocks);
        return blocks[0];
    }

    /// <summary>Returns the one <c>bash</c> block of the page that contains <paramref name="text"/>.</summary>
    public static string BlockWith(string page, string text)
    {
        var matches = Blocks(page).Where(b => b.Contains(text, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"{matches.Count} bash blocks contain '{text}'; expected one.");
        return matches[0];
    }

    /// <summary>Replaces the value of the shell assignment <c>NAME=...</c> that starts a line of <paramref name="script"/>.</summary>
    public static string SetVariable(string script, string variable, string value)
    {
        var lines = script.Split('\n');
        var index = Array.FindIndex(lines, l => l.StartsWith(variable + "=", StringComparison.Ordinal));
        Assert.True(index >= 0, $"The walk no longer sets {variable}.");
        lines[index] = $"{variable}='{value}'";
        return string.Join('\n', lines);
    }

    /// <summary>Replaces every occurrence of a placeholder (<c>http://localhost:5080</c>, an upstream URL) that must occur in <paramref name="script"/>.</summary>
    public static string Replace(string script, string placeholder, string value)
    {
        Assert.True(script.Contains(placeholder, StringComparison.Ordinal), $"The walk no longer contains '{placeholder}'.");
        return script.Replace(placeholder, value, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="script"/> with <c>bash -euo pipefail</c> in <paramref name="directory"/> and asserts that it succeeds.</summary>
    /// <returns>What it wrote to standard output.</returns>
    public static async Task<string> RunAsync(string script, string directory, CancellationToken cancellationToken)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var bash = System.Diagnostics.Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = bash.StandardError.ReadToEndAsync(cancellationToken);
        await bash.WaitForExitAsync(cancellationToken);
        Assert.True(bash.ExitCode == 0, $"exit {bash.ExitCode}: {await error}\n{await output}\n--- script:\n{script}");
        return await output;
    }

    private static List<string> Blocks(string text)
    {
        var blocks = new List<string>();
        for (var at = text.IndexOf(Fence, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Fence, at, StringComparison.Ordinal))
        {
            var start = at + Fence.Length;
            var end = text.IndexOf("```", start, StringComparison.Ordinal);
            blocks.Add(text[start..end]);
            at = end + 3;
        }

        return blocks;
    }
}
