using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace LlmRelay.Templates.Tests.Infrastructure;

/// <summary>
/// Packs the LlmRelay packages and the template package into one temporary feed, installs the templates into a
/// temporary DOTNET_CLI_HOME, and builds instantiated projects (once per distinct code).
/// </summary>
/// <remarks>
/// <code>
/// src/* + templates/  --eng/pack.sh --version 0.1.0-templatetest.N-->  work/feed
/// work/feed/LlmRelay.Templates.*.nupkg  --dotnet new install (DOTNET_CLI_HOME=work/home)-->  templates
/// dotnet new llmrelay -o work/instances/case  --dotnet build -p:LlmRelayVersion=...-->  bin/Debug/net10.0/Gateway.dll
/// </code>
/// The packages get a unique prerelease version, so a restore can never pick up LlmRelay packages left in the
/// global packages folder by an earlier run; those folders are deleted again on dispose. Instances live under the
/// system temp folder, outside the repository, so they inherit none of its Directory.Build.props. Option sets that
/// change only configuration produce the same code: such instances share one build and run it with their own
/// content root (their own appsettings.json).
/// </remarks>
public sealed class TemplatePackageFixture : IAsyncLifetime
{
    private static readonly string[] PackedProjects = ["LlmRelay.Formats", "LlmRelay.Core", "LlmRelay.Storage.EfCore", "LlmRelay.AspNetCore"];

    private readonly Dictionary<string, string> _builds = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _buildGate = new(1, 1);

    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), $"llmrelay-templates-{Guid.NewGuid():N}");

    public string Feed => Path.Combine(WorkDirectory, "feed");

    public string CliHome => Path.Combine(WorkDirectory, "home");

    public string Instances => Path.Combine(WorkDirectory, "instances");

    public string Version { get; private set; } = "";

    public static string Configuration { get; } =
        typeof(TemplatePackageFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>Gets the repository's VersionPrefix (Directory.Build.props), which the templates reference.</summary>
    public static string VersionPrefix { get; } =
        XDocument.Load(RepoPaths.Combine("Directory.Build.props")).Descendants("VersionPrefix").First().Value.Trim();

    /// <summary>Gets how many distinct instances were built with dotnet build.</summary>
    public int BuildCount { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Assert.False(
            WorkDirectory.StartsWith(RepoPaths.Root, StringComparison.Ordinal),
            "Template instances must live outside the repository so that they do not inherit its Directory.Build.props.");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(CliHome);
        Directory.CreateDirectory(Instances);
        Version = $"{VersionPrefix}-templatetest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

        await PackAsync();

        await File.WriteAllTextAsync(Path.Combine(WorkDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="llmrelay-test-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        await DotnetNewAsync(["new", "install", Path.Combine(Feed, $"LlmRelay.Templates.{Version}.nupkg")]);
    }

    /// <summary>Runs <c>dotnet new</c> with the temporary DOTNET_CLI_HOME the templates are installed into.</summary>
    public Task<string> DotnetNewAsync(IReadOnlyList<string> arguments) =>
        ProcessRunner.RunAsync(WorkDirectory, arguments, new Dictionary<string, string?> { ["DOTNET_CLI_HOME"] = CliHome }, TimeSpan.FromMinutes(2));

    /// <summary>Instantiates a template into <c>instances/&lt;caseName&gt;</c> and returns that directory.</summary>
    public async Task<string> InstantiateAsync(string template, string projectName, string caseName, IReadOnlyList<string> options)
    {
        var output = Path.Combine(Instances, caseName);
        await DotnetNewAsync(["new", template, "-o", output, "-n", projectName, "--no-restore", "--no-update-check", .. options]);
        return output;
    }

    /// <summary>Builds the instance (or reuses the build of an instance with identical code) and returns the app's dll.</summary>
    public async Task<string> BuildAsync(string instance, string projectName)
    {
        var hash = CodeHash(instance);
        await _buildGate.WaitAsync();
        try
        {
            if (_builds.TryGetValue(hash, out var dll))
            {
                return dll;
            }

            await ProcessRunner.RunAsync(
                instance,
                ["build", "-c", "Debug", $"-p:LlmRelayVersion={Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-p:UseRazorBuildServer=false"],
                timeout: TimeSpan.FromMinutes(8));
            dll = Path.Combine(instance, "bin", "Debug", "net10.0", projectName + ".dll");
            Assert.True(File.Exists(dll), $"The build produced no {dll}.");
            BuildCount++;
            _builds[hash] = dll;
            return dll;
        }
        finally
        {
            _buildGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _buildGate.Dispose();
        await Task.Yield();
        TryDelete(WorkDirectory);

        // Restore extracted the uniquely versioned test packages into the global packages folder.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        foreach (var project in PackedProjects)
        {
            var id = Path.Combine(packages, project.ToLowerInvariant());
            TryDelete(Path.Combine(id, Version.ToLowerInvariant()));
            if (Directory.Exists(id) && !Directory.EnumerateFileSystemEntries(id).Any())
            {
                TryDelete(id);
            }
        }
    }

    /// <summary>Hashes the files that decide what compiles (sources and project files), not configuration.</summary>
    private static string CodeHash(string instance)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(instance, "*", SearchOption.AllDirectories)
                     .Where(static f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
                     .Select(f => Path.GetRelativePath(instance, f))
                     .Where(static f => !f.StartsWith("bin", StringComparison.Ordinal) && !f.StartsWith("obj", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            builder.Append(file).Append('\n').Append(File.ReadAllText(Path.Combine(instance, file))).Append('\0');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    /// <summary>Builds the feed with eng/pack.sh, as a user does (issue #15): every template test then runs on the script's output.</summary>
    private async Task PackAsync()
    {
        string[] arguments = [RepoPaths.Combine("eng", "pack.sh"), "-o", Feed, "-c", Configuration, "--version", Version];

        // The test project references the src projects, so they are built in this configuration already; if packing
        // them as built fails, the script packs again with a build.
        await ProcessRunner.RunAsync(RepoPaths.Root, [.. arguments, "--no-build"], check: false, program: "bash", timeout: TimeSpan.FromMinutes(5));
        if (!PackedFiles().All(File.Exists))
        {
            await ProcessRunner.RunAsync(RepoPaths.Root, [.. arguments, "--", "-p:UseSharedCompilation=false"], program: "bash", timeout: TimeSpan.FromMinutes(10));
        }
    }

    /// <summary>The packages eng/pack.sh must leave in the feed.</summary>
    public IEnumerable<string> PackedFiles() =>
        PackedProjects.Append("LlmRelay.Templates").Select(id => Path.Combine(Feed, $"{id}.{Version}.nupkg"));

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
