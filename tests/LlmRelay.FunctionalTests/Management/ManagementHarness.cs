using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>A gateway on real Kestrel with the management API, plus clients signed in at each level.</summary>
public sealed class ManagementHarness : IAsyncDisposable
{
    public const string RootPassword = "root-password-1";
    public const string UserPassword = "user-password-1";

    private ManagementHarness(GatewayFactory gateway) => Gateway = gateway;

    public GatewayFactory Gateway { get; }

    public ApiClient Anonymous { get; private set; } = null!;

    public ApiClient Root { get; private set; } = null!;

    public ApiClient Admin { get; private set; } = null!;

    public ApiClient User { get; private set; } = null!;

    public long RootId { get; private set; }

    public long AdminId { get; private set; }

    public long UserId { get; private set; }

    /// <summary>Starts the gateway and signs in root, an admin and a user.</summary>
    /// <param name="settings">The gateway's configuration.</param>
    /// <param name="userQuota">The quota the admin and the user start with: tests that relay through their keys need some (a user's quota bounds every key of theirs).</param>
    /// <param name="configureServices">Extra services for the gateway (keyed chat clients, ...).</param>
    public static async Task<ManagementHarness> StartAsync(Dictionary<string, string?>? settings = null, long userQuota = 0, Action<IServiceCollection>? configureServices = null)
    {
        var gateway = new GatewayFactory(settings ?? [], configureServices);
        gateway.Start();
        var harness = new ManagementHarness(gateway);
        harness.Anonymous = harness.NewClient();
        var setup = await harness.Anonymous.SendAsync(HttpMethod.Post, "/api/setup", new { username = "root", password = RootPassword });
        Assert.True(setup.Success, setup.Message);
        harness.RootId = setup.Data!["id"]!.GetValue<long>();
        harness.Root = await harness.LoginAsync("root", RootPassword);

        var admin = await harness.Root.SendAsync(HttpMethod.Post, "/api/user/", new { username = "admin", password = UserPassword, role = 10, quota = userQuota });
        Assert.True(admin.Success, admin.Message);
        harness.AdminId = admin.Data!["id"]!.GetValue<long>();
        harness.Admin = await harness.LoginAsync("admin", UserPassword);

        var user = await harness.Root.SendAsync(HttpMethod.Post, "/api/user/", new { username = "alice", password = UserPassword, quota = userQuota });
        Assert.True(user.Success, user.Message);
        harness.UserId = user.Data!["id"]!.GetValue<long>();
        harness.User = await harness.LoginAsync("alice", UserPassword);
        return harness;
    }

    public ApiClient NewClient() => new(new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() })
    {
        BaseAddress = Gateway.BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    });

    public async Task<ApiClient> LoginAsync(string username, string password)
    {
        var client = NewClient();
        var login = await client.SendAsync(HttpMethod.Post, "/api/user/login", new { username, password });
        Assert.True(login.Success, login.Message);
        return client;
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>An HTTP client that reads the management envelope.</summary>
public sealed class ApiClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        return new ApiResponse(
            response.StatusCode,
            json?["success"]?.GetValue<bool>() ?? false,
            json?["message"]?.GetValue<string>() ?? text,
            json?["data"],
            text);
    }
}

/// <summary>A management API answer.</summary>
public sealed record ApiResponse(HttpStatusCode Status, bool Success, string Message, JsonNode? Data, string Text);
