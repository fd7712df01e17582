using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Templates.Tests.Infrastructure;
using Npgsql;

namespace LlmRelay.Templates.Tests;

/// <summary>
/// Each template with each option set: instantiate from the installed package, build, start, and relay one
/// chat completion to a mock upstream through it.
/// </summary>
public sealed class TemplateTests(TemplatePackageFixture fixture) : IClassFixture<TemplatePackageFixture>
{
    private const string GatewayKey = "sk-template-test-0123456789abcdefghij";
    private const string UpstreamKey = "sk-upstream-template-test-ABCDEFGHIJ";
    private const string PostgresVariable = "LLMRELAY_TEST_POSTGRES";

    public static TheoryData<string> Cases => [.. TemplateCase.All.Select(static c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Template_WithOptions_BuildsStartsAndRelaysChatCompletion(string caseName)
    {
        var testCase = TemplateCase.All.Single(c => c.Name == caseName);
        var port = AppProcess.FreePort();
        var options = testCase.UsesPortOption ? [.. testCase.Options, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)] : testCase.Options;

        var instance = await fixture.InstantiateAsync(testCase.Template, testCase.ProjectName, testCase.Name, options);
        testCase.CheckContent(instance, port);
        var dll = await fixture.BuildAsync(instance, testCase.ProjectName);

        string? postgresServer = null;
        string? postgresDatabase = null;
        if (testCase.NeedsPostgres)
        {
            postgresServer = Environment.GetEnvironmentVariable(PostgresVariable);
            if (string.IsNullOrWhiteSpace(postgresServer))
            {
                Assert.False(
                    string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                    $"{PostgresVariable} must be set under CI.");
                Assert.Skip($"Built only: set {PostgresVariable} to a PostgreSQL connection string to run it too.");
            }

            postgresDatabase = $"llmrelay_tpl_{Guid.NewGuid():N}";
        }

        var marker = $"hello from the mock upstream for {testCase.Name}";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(CompletionJson(marker)));
        var environment = new Dictionary<string, string?>
        {
            ["LlmRelay__Channels__0__Name"] = "mock",
            ["LlmRelay__Channels__0__BaseUrl"] = upstream.BaseUrl + "/v1",
            ["LlmRelay__Channels__0__Keys__0"] = UpstreamKey,
            ["LlmRelay__Channels__0__Models__0"] = "gpt-template-test",
            ["LlmRelay__Outbound__AllowPrivateAddresses"] = "true", // the mock upstream listens on loopback
            ["LlmRelay__Tokens__0__Name"] = "template-test",
            ["LlmRelay__Tokens__0__Key"] = GatewayKey,
            ["LlmRelay__Tokens__0__UnlimitedQuota"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (postgresDatabase is not null)
        {
            environment["ConnectionStrings__LlmRelay"] = new NpgsqlConnectionStringBuilder(postgresServer) { Database = postgresDatabase }.ConnectionString;
        }

        try
        {
            // Without --urls the app listens where its generated appsettings.json says (the --port case proves that).
            await using var app = AppProcess.Start(dll, instance, port, passUrls: !testCase.UsesPortOption, environment);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await app.WaitUntilReadyAsync(client, TimeSpan.FromSeconds(120));

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app.BaseAddress, "/v1/chat/completions"))
            {
                Content = new StringContent("""{"model":"gpt-template-test","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayKey);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}\n{app.Output}");
            Assert.Contains(marker, body, StringComparison.Ordinal);
            var forwarded = Assert.Single(upstream.Requests);
            Assert.Equal("/v1/chat/completions", forwarded.PathAndQuery);
            Assert.Equal($"Bearer {UpstreamKey}", forwarded.Headers["Authorization"]);

            // The complete gateway also serves the management API; the relay-only host does not.
            using var status = await client.GetAsync(new Uri(app.BaseAddress, "/api/status"), TestContext.Current.CancellationToken);
            Assert.Equal(testCase.IsGateway ? HttpStatusCode.OK : HttpStatusCode.NotFound, status.StatusCode);

            // The public status page comes with the dashboard, which --no-dashboard leaves out.
            using var statusPage = await client.GetAsync(new Uri(app.BaseAddress, "/status"), TestContext.Current.CancellationToken);
            var withDashboard = testCase.IsGateway && !testCase.Options.Contains("--no-dashboard");
            Assert.Equal(withDashboard ? HttpStatusCode.OK : HttpStatusCode.NotFound, statusPage.StatusCode);

            // GET / leads to the dashboard, or names the API base URL without it (MapLlmRelayHome, issue #15); the
            // relay-only host leaves / to the app.
            using var root = await client.GetAsync(app.BaseAddress, TestContext.Current.CancellationToken);
            if (!testCase.IsGateway)
            {
                Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
            }
            else if (withDashboard)
            {
                Assert.StartsWith("/dashboard", root.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("/v1<", await root.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (postgresDatabase is not null)
            {
                await DropDatabaseAsync(postgresServer!, postgresDatabase);
            }
        }
    }

    [Fact]
    public async Task PackScript_Feed_HoldsEveryPackage_AndItsTemplatesInstallAndBuild()
    {
        // The fixture's feed is eng/pack.sh's output and its templates were installed from it (dotnet new install).
        Assert.All(fixture.PackedFiles(), static file => Assert.True(File.Exists(file), $"eng/pack.sh left no {file}."));
        var list = await fixture.DotnetNewAsync(["new", "list", "llmrelay"]);
        Assert.Contains("llmrelay-api", list, StringComparison.Ordinal);

        var instance = await fixture.InstantiateAsync("llmrelay", "Gateway", "pack-script", []);
        var dll = await fixture.BuildAsync(instance, "Gateway");
        Assert.True(File.Exists(dll), dll);
    }

    [Fact]
    public void TemplateProjects_LlmRelayVersion_MatchesRepositoryVersionPrefix()
    {
        foreach (var project in (string[])["templates/content/llmrelay/LlmRelayApp.csproj", "templates/content/llmrelay-api/LlmRelayApi.csproj"])
        {
            var text = File.ReadAllText(RepoPaths.Combine(project.Split('/')));
            Assert.Contains($"<LlmRelayVersion>{TemplatePackageFixture.VersionPrefix}</LlmRelayVersion>", text, StringComparison.Ordinal);
        }
    }

    private static string CompletionJson(string content) =>
        "{\"id\":\"chatcmpl-template\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-template-test\"," +
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}]," +
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":7,\"total_tokens\":10}}";

    private static async Task DropDatabaseAsync(string server, string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
