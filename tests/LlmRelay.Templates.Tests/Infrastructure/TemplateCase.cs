using System.Globalization;
using System.Text.Json.Nodes;

namespace LlmRelay.Templates.Tests.Infrastructure;

/// <summary>One template with one option set, and what its generated files must say.</summary>
public sealed record TemplateCase(string Name, string Template, string ProjectName, string[] Options)
{
    public static IReadOnlyList<TemplateCase> All { get; } =
    [
        new("llmrelay-sqlite", "llmrelay", "Gateway", []),
        new("llmrelay-postgres", "llmrelay", "Gateway", ["--database", "postgres"]),
        new("llmrelay-redis", "llmrelay", "Gateway", ["--redis"]),
        new("llmrelay-no-dashboard", "llmrelay", "Gateway", ["--no-dashboard"]),
        new("llmrelay-port", "llmrelay", "Gateway", []) { UsesPortOption = true },
        new("llmrelay-api", "llmrelay-api", "Api", []),
        new("llmrelay-api-port", "llmrelay-api", "Api", []) { UsesPortOption = true },
    ];

    /// <summary>Gets a value indicating whether the test passes <c>--port</c> and relies on it instead of <c>--urls</c>.</summary>
    public bool UsesPortOption { get; init; }

    public bool NeedsPostgres => Options.Contains("postgres");

    /// <summary>Gets a value indicating whether the template is the complete gateway (database, management API).</summary>
    public bool IsGateway => Template == "llmrelay";

    /// <summary>Asserts the generated files reflect the options.</summary>
    public void CheckContent(string instance, int port)
    {
        Assert.True(File.Exists(Path.Combine(instance, ProjectName + ".csproj")), "The project file is named after -n.");
        Assert.True(File.Exists(Path.Combine(instance, "README.md")));
        Assert.False(Directory.Exists(Path.Combine(instance, ".template.config")));

        var program = File.ReadAllText(Path.Combine(instance, "Program.cs"));
        Assert.DoesNotContain("#if", program, StringComparison.Ordinal);
        Assert.Contains("app.MapLlmRelay();", program, StringComparison.Ordinal);

        var appSettingsText = File.ReadAllText(Path.Combine(instance, "appsettings.json"));
        Assert.DoesNotContain("//#", appSettingsText, StringComparison.Ordinal);
        var settings = JsonNode.Parse(appSettingsText)!;
        var urls = settings["Urls"]!.GetValue<string>();
        var launch = File.ReadAllText(Path.Combine(instance, "Properties", "launchSettings.json"));
        if (UsesPortOption)
        {
            var expected = $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}";
            Assert.Equal(expected, urls);
            Assert.Contains(expected, launch, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(IsGateway ? "http://localhost:5080" : "http://localhost:5090", urls);
        }

        if (!IsGateway)
        {
            Assert.Contains(".AddInMemoryStores()", program, StringComparison.Ordinal);
            Assert.Null(settings["ConnectionStrings"]);
            return;
        }

        Assert.Contains(".AddEntityFrameworkStores(builder.Configuration)", program, StringComparison.Ordinal);
        Assert.Contains(".AddManagementApi()", program, StringComparison.Ordinal);
        Assert.Equal(NeedsPostgres ? "postgres" : "sqlite", settings["LlmRelay"]!["Database"]!["Provider"]!.GetValue<string>());
        var connectionStrings = settings["ConnectionStrings"];
        if (NeedsPostgres)
        {
            Assert.StartsWith("Host=", connectionStrings!["LlmRelay"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(connectionStrings?["LlmRelay"]);
        }

        if (Options.Contains("--redis"))
        {
            Assert.Equal("localhost:6379", connectionStrings!["Redis"]!.GetValue<string>());
            Assert.Contains(".AddRedis(builder.Configuration)", program, StringComparison.Ordinal);
            Assert.Equal("Redis", settings["LlmRelay"]!["DataProtection"]!["Keys"]!.GetValue<string>());
        }
        else
        {
            Assert.Null(connectionStrings?["Redis"]);
            Assert.DoesNotContain("AddRedis", program, StringComparison.Ordinal);
            Assert.Equal(NeedsPostgres ? "Database" : null, settings["LlmRelay"]!["DataProtection"]?["Keys"]?.GetValue<string>());
        }

        if (Options.Contains("--no-dashboard"))
        {
            Assert.DoesNotContain("dashboard", program, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            Assert.Contains("Admin dashboard", program, StringComparison.Ordinal);
        }
    }
}
