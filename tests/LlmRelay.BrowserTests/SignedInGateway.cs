using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Playwright;

namespace LlmRelay.BrowserTests;

/// <summary>A gateway on real Kestrel with its root user set up, and the management API calls the page tests make as that user.</summary>
/// <remarks>Setup and sign-in go through <c>/api</c> (not the setup and login pages, which the walk test covers), so these tests depend only on the pages they check.</remarks>
public sealed class SignedInGateway : IAsyncDisposable
{
    public const string Username = "root";
    public const string Password = "root-password-123";

    private readonly HttpClient _api;

    private SignedInGateway(GatewayFactory gateway, HttpClient api)
    {
        Gateway = gateway;
        _api = api;
    }

    public GatewayFactory Gateway { get; }

    public string BaseUrl => Gateway.BaseAddress.ToString().TrimEnd('/');

    /// <summary>Starts a gateway with <paramref name="settings"/>, creates the root user and signs in to <c>/api</c>.</summary>
    public static async Task<SignedInGateway> StartAsync(Dictionary<string, string?> settings)
    {
        var gateway = new GatewayFactory(settings);
        gateway.Start();
        var api = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var signedIn = new SignedInGateway(gateway, api);
        await signedIn.CallAsync(HttpMethod.Post, "/api/setup", new { username = Username, password = Password });
        await signedIn.CallAsync(HttpMethod.Post, "/api/user/login", new { username = Username, password = Password });
        return signedIn;
    }

    /// <summary>Creates a gateway key for root and returns its id and full key.</summary>
    public async Task<(long Id, string Key)> CreateKeyAsync(string name)
    {
        var data = await CallAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true });
        return (data.GetProperty("id").GetInt64(), data.GetProperty("key").GetString()!);
    }

    /// <summary>Sets a system option as root (<c>PUT /api/option/</c>), as the settings page saves it.</summary>
    public Task SetOptionAsync(string key, string value) => CallAsync(HttpMethod.Put, "/api/option/", new { key, value });

    /// <summary>Relays one chat call with <paramref name="key"/> and checks it succeeded.</summary>
    public async Task RelayAsync(string key, string model)
    {
        using var client = Gateway.CreateGatewayClient(key);
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "user", content = "Hello" } } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Opens a browser context signed in as root (the session cookie of a login through <c>/api</c>).</summary>
    public async Task<IBrowserContext> NewSignedInContextAsync(IBrowser browser, int width, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height } });
        var login = await context.APIRequest.PostAsync("/api/user/login", new APIRequestContextOptions { DataObject = new { username = Username, password = Password } });
        Assert.True(login.Ok, await login.TextAsync());
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await Gateway.DisposeAsync();
    }

    private async Task<JsonElement> CallAsync(HttpMethod method, string path, object body)
    {
        using var response = await _api.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) }, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(text);
        Assert.True(json.RootElement.GetProperty("success").GetBoolean(), $"{method} {path}: {text}");
        return json.RootElement.TryGetProperty("data", out var data) ? data.Clone() : default;
    }
}
