using System.Text.RegularExpressions;
using LlmRelay.Storage.EfCore.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.EntityFrameworkCore.Sqlite.Design.Internal;
using Microsoft.Extensions.DependencyInjection;
using Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal;

namespace LlmRelay.MigrationsGenerator;

/// <summary>Scaffolds a named EF Core migration for one or both providers, as <c>dotnet ef migrations add</c> would.</summary>
internal static partial class MigrationGenerator
{
    private const string RootNamespace = "LlmRelay.Storage.EfCore";
    private const string Usage = "usage: LlmRelay.MigrationsGenerator <MigrationName> [sqlite|postgresql|all] [--project <path to src/LlmRelay.Storage.EfCore>]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var positional = new List<string>();
        string? projectDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--project" or "-p" && i + 1 < args.Length)
            {
                projectDir = Path.GetFullPath(args[++i]);
            }
            else if (args[i] is "-h" or "--help")
            {
                output.WriteLine(Usage);
                return 0;
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        if (positional.Count is < 1 or > 2 || !MigrationNameRegex().IsMatch(positional[0]))
        {
            error.WriteLine(Usage);
            return 2;
        }

        var name = positional[0];
        var which = positional.Count > 1 ? positional[1].ToLowerInvariant() : "all";
        projectDir ??= FindProjectDirectory();
        if (projectDir is null)
        {
            error.WriteLine("Could not find src/LlmRelay.Storage.EfCore above the current directory; pass --project.");
            return 2;
        }

        switch (which)
        {
            case "sqlite":
                AddSqlite(name, projectDir, output);
                break;
            case "postgres" or "postgresql":
                AddPostgreSql(name, projectDir, output);
                break;
            case "all":
                AddSqlite(name, projectDir, output);
                AddPostgreSql(name, projectDir, output);
                break;
            default:
                error.WriteLine(Usage);
                return 2;
        }

        output.WriteLine("Rebuild LlmRelay.Storage.EfCore to compile the new migration.");
        return 0;
    }

    private static void AddSqlite(string name, string projectDir, TextWriter output)
    {
        var options = new DbContextOptionsBuilder<SqliteLlmRelayDbContext>();
        RelayDbOptions.UseSqlite(options, "Data Source=:memory:");
        using var context = new SqliteLlmRelayDbContext(options.Options);
        Scaffold(context, new SqliteDesignTimeServices(), name, "Sqlite", projectDir, output);
    }

    private static void AddPostgreSql(string name, string projectDir, TextWriter output)
    {
        // Scaffolding compares models only; it never connects.
        var options = new DbContextOptionsBuilder<PostgreSqlLlmRelayDbContext>();
        RelayDbOptions.UsePostgreSql(options, "Host=localhost;Database=llmrelay");
        using var context = new PostgreSqlLlmRelayDbContext(options.Options);
        Scaffold(context, new NpgsqlDesignTimeServices(), name, "PostgreSql", projectDir, output);
    }

    private static void Scaffold(DbContext context, IDesignTimeServices providerServices, string name, string folder, string projectDir, TextWriter output)
    {
        var services = new ServiceCollection()
            .AddEntityFrameworkDesignTimeServices()
            .AddDbContextDesignTimeServices(context);
        providerServices.ConfigureDesignTimeServices(services);

        using var provider = services.BuildServiceProvider();
        var scaffolder = provider.GetRequiredService<IMigrationsScaffolder>();
        var migration = scaffolder.ScaffoldMigration(name, RootNamespace, $"Migrations.{folder}", "C#");
        var files = scaffolder.Save(projectDir, migration, Path.Combine(projectDir, "Migrations", folder));

        // The package documents every public type; migrations are an implementation detail, so make them internal.
        foreach (var file in new[] { files.MigrationFile, files.MetadataFile, files.SnapshotFile })
        {
            if (file is not null && File.Exists(file))
            {
                var code = File.ReadAllText(file);
                File.WriteAllText(file, PublicClassRegex().Replace(code, "internal partial class"));
                output.WriteLine($"{folder}: wrote {Path.GetRelativePath(projectDir, file)}");
            }
        }
    }

    private static string? FindProjectDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "LlmRelay.Storage.EfCore");
                if (File.Exists(Path.Combine(candidate, "LlmRelay.Storage.EfCore.csproj")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex MigrationNameRegex();

    [GeneratedRegex(@"\bpublic partial class\b")]
    private static partial Regex PublicClassRegex();
}
