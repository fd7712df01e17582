using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmRelay.Configuration;
using LlmRelay.Templates.Tests.Infrastructure;

namespace LlmRelay.Templates.Tests;

/// <summary>
/// What can be checked of the DocFX site without DocFX: the config parses, every toc entry and link resolves, every
/// snippet include names an existing file (and tag or line range) in a project the build compiles, and the
/// configuration reference names every option.
/// </summary>
public sealed partial class DocsTests
{
    /// <summary>Pages other helpers write; the toc links them before they exist.</summary>
    private static readonly string[] PendingPages = ["management-api.md"];

    private static string Docs => RepoPaths.Combine("docs");

    public static TheoryData<string> Pages =>
        [.. Directory.EnumerateFiles(Docs, "*.md", SearchOption.AllDirectories)
            .Where(static f => !f.Contains($"{Path.DirectorySeparatorChar}_site{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(static f => Path.GetRelativePath(Docs, f))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void DocfxJson_IsValidAndPointsAtTheShippedProjects()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Docs, "docfx.json")));
        var metadata = document.RootElement.GetProperty("metadata")[0];
        var source = metadata.GetProperty("src")[0];
        Assert.Equal("../src", source.GetProperty("src").GetString());
        Assert.Equal("**/*.csproj", source.GetProperty("files")[0].GetString());
        Assert.Equal("api", metadata.GetProperty("output").GetString());
        var content = document.RootElement.GetProperty("build").GetProperty("content")[0].GetProperty("files").EnumerateArray().Select(static f => f.GetString()).ToList();
        Assert.Contains("**/*.md", content);
        Assert.Contains("**/toc.yml", content);
        Assert.NotEmpty(Directory.GetFiles(RepoPaths.Combine("src"), "*.csproj", SearchOption.AllDirectories));
    }

    [Fact]
    public void Toc_EveryHref_Exists()
    {
        var hrefs = TocHref().Matches(File.ReadAllText(Path.Combine(Docs, "toc.yml"))).Select(static m => m.Groups[1].Value.Trim('"', '\'')).ToList();

        Assert.NotEmpty(hrefs);
        foreach (var href in hrefs)
        {
            var path = Path.Combine(Docs, href);
            if (href.EndsWith('/'))
            {
                // A folder entry: DocFX generates its toc (api/ by `docfx metadata`); its landing page is committed.
                Assert.True(File.Exists(Path.Combine(path, "index.md")), $"toc.yml: {href} has no index.md.");
                continue;
            }

            Assert.True(File.Exists(path) || PendingPages.Contains(href), $"toc.yml: {href} does not exist.");
        }

        foreach (var article in (string[])["getting-started.md", "configuration.md", "channels.md", "format-conversion.md", "billing.md", "management-api.md", "deployment.md", "security.md", "upgrading.md", "api/"])
        {
            Assert.Contains(article, hrefs);
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_EveryIncludeAndLink_Resolves(string page)
    {
        var pagePath = Path.Combine(Docs, page);
        var text = File.ReadAllText(pagePath);
        var directory = Path.GetDirectoryName(pagePath)!;

        foreach (Match include in CodeInclude().Matches(text))
        {
            var language = include.Groups["lang"].Value;
            var target = include.Groups["path"].Value;
            var fragment = include.Groups["fragment"].Value;
            var file = Path.GetFullPath(Path.Combine(directory, target));
            Assert.True(File.Exists(file), $"{page}: {target} does not exist.");
            var lines = File.ReadAllLines(file);

            if (LineRange().Match(fragment) is { Success: true } range)
            {
                var first = int.Parse(range.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                var last = range.Groups[2].Success ? int.Parse(range.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : first;
                Assert.InRange(first, 1, last);
                Assert.True(last <= lines.Length, $"{page}: {target}#{fragment} is past the end of the file ({lines.Length} lines).");
                Assert.False(string.IsNullOrWhiteSpace(lines[first - 1]), $"{page}: {target}#{fragment} starts on a blank line; the file moved.");
            }
            else if (fragment.Length > 0)
            {
                Assert.Contains(lines, l => l.Trim() == $"// <{fragment}>");
                Assert.Contains(lines, l => l.Trim() == $"// </{fragment}>");
            }

            if (language is "csharp" or "cs")
            {
                AssertCompiled(page, file);
            }
        }

        foreach (Match link in MarkdownLink().Matches(text))
        {
            var target = link.Groups[1].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith('#') || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var file = Path.GetFullPath(Path.Combine(directory, target.Split('#')[0]));
            Assert.True(File.Exists(file) || Directory.Exists(file) || PendingPages.Contains(Path.GetFileName(file)), $"{page}: link {target} does not resolve.");
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_CSharp_ComesOnlyFromIncludes(string page)
    {
        if (PendingPages.Contains(page))
        {
            return;
        }

        var text = File.ReadAllText(Path.Combine(Docs, page));

        Assert.DoesNotMatch(FencedCSharp(), text);
    }

    [Fact]
    public void PackScriptWalk_NamesTheTemplatePackageTheScriptWrites()
    {
        // eng/pack.sh packs VersionPrefix by default; the walks in the README and getting started install that file.
        var package = $"artifacts/packages/LlmRelay.Templates.{TemplatePackageFixture.VersionPrefix}.nupkg";
        foreach (var page in (string[])[RepoPaths.Combine("README.md"), Path.Combine(Docs, "getting-started.md")])
        {
            var text = File.ReadAllText(page);
            Assert.Contains("eng/pack.sh", text, StringComparison.Ordinal);
            Assert.Contains($"dotnet new install {package}", text, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(RepoPaths.Combine("eng", "pack.sh")));
    }

    [Fact]
    public void ConfigurationReference_NamesEveryOption()
    {
        var text = File.ReadAllText(Path.Combine(Docs, "configuration.md"));
        // A map entry ("ModelAliases:") may be written with any placeholder: `ModelAliases:alias`.
        var missing = OptionKeys(typeof(LlmRelayOptions), "")
            .Where(key => !text.Contains(key.EndsWith(':') ? $"`{key}" : $"`{key}`", StringComparison.Ordinal))
            .ToList();

        Assert.True(missing.Count == 0, $"docs/configuration.md does not list: {string.Join(", ", missing)}");
    }

    /// <summary>Configuration keys of an options type: <c>Health:FailureRatio</c>, <c>Channels:N:Keys:M</c>, <c>Pricing:Models:name:ModelRatio</c>.</summary>
    private static IEnumerable<string> OptionKeys(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = prefix + property.Name;
            var propertyType = property.PropertyType;
            var element = ElementType(propertyType, out var keyed);
            if (element is not null)
            {
                var path = key + (keyed ? ":name" : ":N");
                if (IsOptionsType(element))
                {
                    foreach (var nested in OptionKeys(element, path + ":"))
                    {
                        yield return nested;
                    }
                }
                else
                {
                    yield return keyed ? key + ":" : key + (prefix.Contains(":N:", StringComparison.Ordinal) ? ":M" : ":N");
                }
            }
            else if (IsOptionsType(propertyType))
            {
                foreach (var nested in OptionKeys(propertyType, key + ":"))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return key;
            }
        }
    }

    private static Type? ElementType(Type type, out bool keyed)
    {
        keyed = false;
        if (type == typeof(string))
        {
            return null;
        }

        var dictionary = type.GetInterfaces().Append(type).FirstOrDefault(static i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            keyed = true;
            return dictionary.GetGenericArguments()[1];
        }

        var list = type.GetInterfaces().Append(type).FirstOrDefault(static i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return list?.GetGenericArguments()[0];
    }

    private static bool IsOptionsType(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("LlmRelay", StringComparison.Ordinal) == true;

    /// <summary>A C# file is compiled when a project of LlmRelay.sln sits above it, or it is template content (built by TemplateTests).</summary>
    private static void AssertCompiled(string page, string file)
    {
        var relative = Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');
        if (relative.StartsWith("templates/content/", StringComparison.Ordinal))
        {
            return;
        }

        var solution = File.ReadAllText(RepoPaths.Combine("LlmRelay.sln")).Replace('\\', '/');
        for (var dir = Path.GetDirectoryName(file); dir is not null && dir.Length >= RepoPaths.Root.Length; dir = Path.GetDirectoryName(dir))
        {
            foreach (var project in Directory.GetFiles(dir, "*.csproj"))
            {
                var projectPath = Path.GetRelativePath(RepoPaths.Root, project).Replace('\\', '/');
                Assert.True(solution.Contains($"\"{projectPath}\"", StringComparison.Ordinal), $"{page}: {relative} belongs to {projectPath}, which LlmRelay.sln does not build.");
                return;
            }
        }

        Assert.Fail($"{page}: {relative} is in no project, so nothing compiles it.");
    }

    [GeneratedRegex(@"href:\s*(\S+)")]
    private static partial Regex TocHref();

    [GeneratedRegex(@"\[!code-(?<lang>[a-z]+)\[[^\]]*\]\((?<path>[^)#]+)(#(?<fragment>[^)]+))?\)\]")]
    private static partial Regex CodeInclude();

    [GeneratedRegex(@"^L(\d+)(?:-L(\d+))?$")]
    private static partial Regex LineRange();

    [GeneratedRegex(@"(?<![!\]])\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^\s*```\s*(csharp|cs|c#)\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex FencedCSharp();
}
