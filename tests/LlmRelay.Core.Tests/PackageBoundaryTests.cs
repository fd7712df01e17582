using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LlmRelay.Formats;
using LlmRelay.Pipeline;

namespace LlmRelay.Core.Tests;

/// <summary>
/// The shipped packages meet only through public contracts: none grants <see cref="InternalsVisibleToAttribute"/> to another
/// (issue #14). Test projects and benchmarks may see internals; a package may not, since each ships and versions on its own.
/// </summary>
public sealed partial class PackageBoundaryTests
{
    private static readonly string[] ShippedPackages = ["LlmRelay.Formats", "LlmRelay.Core", "LlmRelay.Storage.EfCore", "LlmRelay.AspNetCore"];

    [Fact]
    public void ShippedProjects_InternalsVisibleTo_NoOtherShippedPackage()
    {
        var root = FindRepositoryRoot();
        var grants = new List<(string File, string Grantee)>();
        foreach (var file in BuildFilesAbove(root))
        {
            grants.AddRange(GrantsIn(file).Select(g => (file, g)));
        }

        foreach (var package in ShippedPackages)
        {
            var directory = Path.Combine(root, "src", package);
            Assert.True(File.Exists(Path.Combine(directory, package + ".csproj")), $"No project for the shipped package {package} in {directory}.");
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(static f => !IsBuildOutput(f)))
            {
                grants.AddRange(GrantsIn(file).Select(g => (file, g)));
            }
        }

        // The scan itself works: Core's grant to its own tests is found.
        Assert.Contains(grants, static g => g.Grantee == "LlmRelay.Core.Tests");
        var crossings = grants.Where(static g => ShippedPackages.Contains(g.Grantee, StringComparer.OrdinalIgnoreCase))
            .Select(g => $"{Path.GetRelativePath(root, g.File)} grants internals to {g.Grantee}")
            .ToList();
        Assert.True(crossings.Count == 0, "A shipped package sees another's internals; make what it needs a public contract instead:\n" + string.Join('\n', crossings));
    }

    [Fact]
    public void CoreAndFormatsAssemblies_InternalsVisibleTo_NoOtherShippedPackage()
    {
        foreach (var assembly in new[] { typeof(RelayPipeline).Assembly, typeof(WireFormat).Assembly })
        {
            var grantees = assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(static a => a.AssemblyName.Split(',')[0].Trim());
            Assert.DoesNotContain(grantees, static g => ShippedPackages.Contains(g, StringComparer.OrdinalIgnoreCase));
        }
    }

    // The grantees an MSBuild file (InternalsVisibleTo items, or AssemblyAttribute items) or a C# file ([assembly: ...]) names.
    private static IEnumerable<string> GrantsIn(string file)
    {
        switch (Path.GetExtension(file).ToLowerInvariant())
        {
            case ".csproj" or ".props" or ".targets":
                foreach (var item in XDocument.Load(file).Descendants())
                {
                    if (item.Name.LocalName == "InternalsVisibleTo" && item.Attribute("Include")?.Value is { } include)
                    {
                        yield return include.Trim();
                    }
                    else if (item.Name.LocalName == "AssemblyAttribute"
                        && item.Attribute("Include")?.Value.EndsWith("InternalsVisibleTo", StringComparison.Ordinal) == true
                        && (item.Element(item.Name.Namespace + "_Parameter1")?.Value ?? item.Attribute("_Parameter1")?.Value) is { } parameter)
                    {
                        yield return parameter.Split(',')[0].Trim();
                    }
                }

                break;
            case ".cs":
                foreach (Match match in AttributeGrant().Matches(File.ReadAllText(file)))
                {
                    yield return match.Groups["name"].Value.Trim();
                }

                break;
        }
    }

    // Directory.Build.props/targets from the repository root down to src/, which every shipped project imports.
    private static IEnumerable<string> BuildFilesAbove(string root) =>
        new[] { root, Path.Combine(root, "src") }
            .SelectMany(static d => new[] { Path.Combine(d, "Directory.Build.props"), Path.Combine(d, "Directory.Build.targets") })
            .Where(File.Exists);

    private static bool IsBuildOutput(string file)
    {
        var separators = new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar };
        return file.Split(separators).Any(static part => part is "bin" or "obj");
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRelay.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No LlmRelay.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"InternalsVisibleTo(?:Attribute)?\s*\(\s*""(?<name>[^"",]+)")]
    private static partial Regex AttributeGrant();
}
