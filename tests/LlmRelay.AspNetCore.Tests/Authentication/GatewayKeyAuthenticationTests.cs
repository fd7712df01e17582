using System.Net;
using System.Security.Claims;
using System.Text.Json;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Tests.Authentication;

/// <summary>The <c>LlmRelay.GatewayKey</c> scheme and policy (issue #14), on an app's own endpoint and on the relay's.</summary>
public sealed class GatewayKeyAuthenticationTests
{
    private const string Valid = "sk-valid-0123456789abcdefghijklmn";
    private const string Disabled = "sk-disabled-0123456789abcdefghij";
    private const string Expired = "sk-expired-0123456789abcdefghijk";
    private const string Unknown = "sk-unknown-0123456789abcdefghijk";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("bearer")]
    [InlineData("x-api-key")]
    [InlineData("x-goog-api-key")]
    [InlineData("query")]
    public async Task PolicyEndpoint_ValidKeyInEachPlace_SeesTheTokenIdentity(string place)
    {
        await using var app = await StartAsync(static services => services.AddLlmRelay().AddInMemoryStores().AddGatewayKeyAuthentication());
        var token = await SeedAsync(app);
        using var client = app.GetTestClient();

        using var response = await client.SendAsync(Request(HttpMethod.Get, "/me", place, Valid), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("tokenId").GetString());
        Assert.Equal("valid-token", root.GetProperty("name").GetString());
        Assert.Equal("42", root.GetProperty("userId").GetString());
        Assert.Equal("vip", root.GetProperty("group").GetString());
        Assert.Equal(GatewayKeyDefaults.AuthenticationScheme, root.GetProperty("scheme").GetString());
    }

    public static TheoryData<string, string, string, int, string> Refusals()
    {
        // Without a key nothing tells an app's own endpoint the caller's family, so OpenAI's shape answers.
        var data = new TheoryData<string, string, string, int, string> { { "openai", "none", "", 401, "missing_api_key" } };
        foreach (var family in (string[])["openai", "anthropic", "gemini"])
        {
            data.Add(family, "unknown", Unknown, 401, "invalid_api_key");
            data.Add(family, "disabled", Disabled, 401, "api_key_disabled");
            data.Add(family, "expired", Expired, 401, "api_key_expired");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task PolicyEndpoint_RefusedKey_AnswersInTheCallersShape(string family, string refusal, string key, int status, string code)
    {
        await using var app = await StartAsync(static services => services.AddLlmRelay().AddInMemoryStores().AddGatewayKeyAuthentication());
        await SeedAsync(app);
        using var client = app.GetTestClient();
        var place = family switch { "anthropic" => "x-api-key", "gemini" => "x-goog-api-key", _ => "bearer" };

        using var response = await client.SendAsync(Request(HttpMethod.Get, "/me", refusal == "none" ? "none" : place, key), Ct);

        Assert.Equal(status, (int)response.StatusCode);
        AssertError(family, status, code, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "openai")]
    [InlineData("/v1/messages", "anthropic")]
    [InlineData("/v1/messages/count_tokens", "anthropic")]
    [InlineData("/v1beta/models/gemini-2.5-flash:generateContent", "gemini")]
    public async Task RelayEndpoint_ExpiredKey_AnswersInTheRoutesShape_WhateverHeaderCarriedIt(string path, string family)
    {
        // The key comes as a Bearer header everywhere: the shape must come from the endpoint, not from the headers.
        await using var app = await StartAsync(static services => services.AddLlmRelay().AddInMemoryStores(), mapRelay: true);
        await SeedAsync(app);
        using var client = app.GetTestClient();

        using var response = await client.SendAsync(Request(HttpMethod.Post, path, "bearer", Expired, "{}"), Ct);

        Assert.Equal(401, (int)response.StatusCode);
        AssertError(family, 401, "api_key_expired", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("bearer", "data")]
    [InlineData("x-api-key", "data")]
    [InlineData("x-goog-api-key", "models")]
    [InlineData("query", "models")]
    public async Task RelayEndpoint_WithoutAuthenticationServices_AuthenticatesEveryHeaderStyle(string place, string listProperty)
    {
        // Like the llmrelay-api template: no AddAuthentication, no AddAuthorization, no UseAuthorization.
        await using var app = await StartAsync(static services => services.AddLlmRelay().AddInMemoryStores(), mapRelay: true);
        await SeedAsync(app);
        using var client = app.GetTestClient();
        Assert.Null(app.Services.GetService<IAuthenticationSchemeProvider>());

        using var accepted = await client.SendAsync(Request(HttpMethod.Get, "/v1/models", place, Valid), Ct);
        using var refused = await client.SendAsync(Request(HttpMethod.Get, "/v1/models", place, Disabled), Ct);

        var text = await accepted.Content.ReadAsStringAsync(Ct);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, text);
        using (var json = JsonDocument.Parse(text))
        {
            Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty(listProperty).ValueKind);
        }

        Assert.Equal(401, (int)refused.StatusCode);
        AssertError(listProperty == "models" ? "gemini" : place == "x-api-key" ? "anthropic" : "openai", 401, "api_key_disabled", await refused.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task RelayGroup_UnderTheHostsGatewayKeyPolicy_RefusesInTheRoutesShape()
    {
        // The authorization middleware challenges here, before the relay endpoint runs: the handler finds the shape in
        // the endpoint's metadata (Anthropic), though a Bearer header alone would suggest OpenAI's.
        await using var app = await StartAsync(
            static services => services.AddLlmRelay().AddInMemoryStores().AddGatewayKeyAuthentication(),
            mapRelay: true,
            groupPolicy: GatewayKeyDefaults.PolicyName);
        await SeedAsync(app);
        using var client = app.GetTestClient();

        using var refused = await client.SendAsync(Request(HttpMethod.Post, "/v1/messages", "bearer", Unknown, "{}"), Ct);
        using var accepted = await client.SendAsync(Request(HttpMethod.Get, "/anthropic/v1/models", "bearer", Valid), Ct);

        Assert.Equal(401, (int)refused.StatusCode);
        AssertError("anthropic", 401, "invalid_api_key", await refused.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task PolicyEndpoint_KeyValidButAnotherRequirementFails_ForbidsInTheCallersShape()
    {
        await using var app = await StartAsync(static services =>
        {
            services.AddLlmRelay().AddInMemoryStores().AddGatewayKeyAuthentication();
            services.AddAuthorizationBuilder().AddPolicy("deny", static policy => policy.RequireAssertion(static _ => false));
        });
        await SeedAsync(app);
        using var client = app.GetTestClient();

        using var response = await client.SendAsync(Request(HttpMethod.Get, "/denied", "x-goog-api-key", Valid), Ct);

        Assert.Equal(403, (int)response.StatusCode);
        AssertError("gemini", 403, "permission_denied", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task AddGatewayKeyAuthentication_AppWithOneSchemeAndNoDefault_KeepsThatSchemeAsTheDefault()
    {
        await using var app = await StartAsync(static services =>
        {
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, NeverHandler>("App", null);
            services.AddLlmRelay().AddInMemoryStores().AddManagementApi();
        });
        var schemes = app.Services.GetRequiredService<IAuthenticationSchemeProvider>();

        Assert.Equal("App", (await schemes.GetDefaultAuthenticateSchemeAsync())?.Name);
        Assert.Equal("App", (await schemes.GetDefaultChallengeSchemeAsync())?.Name);
        Assert.NotNull(await schemes.GetSchemeAsync(GatewayKeyDefaults.AuthenticationScheme));
    }

    [Fact]
    public async Task AddGatewayKeyAuthentication_AsTheOnlyScheme_DoesNotBecomeTheDefault()
    {
        await using var app = await StartAsync(static services => services.AddLlmRelay().AddInMemoryStores().AddGatewayKeyAuthentication().AddGatewayKeyAuthentication());
        var schemes = app.Services.GetRequiredService<IAuthenticationSchemeProvider>();

        Assert.Single(await schemes.GetAllSchemesAsync());
        Assert.Null(await schemes.GetDefaultAuthenticateSchemeAsync());
        Assert.Null(await schemes.GetDefaultChallengeSchemeAsync());
    }

    private static async Task<WebApplication> StartAsync(Action<IServiceCollection> configure, bool mapRelay = false, string? groupPolicy = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        configure(builder.Services);
        var app = builder.Build();
        if (app.Services.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider>() is not null)
        {
            app.MapGet("/me", static (ClaimsPrincipal user) => Results.Json(new Dictionary<string, string?>
            {
                ["tokenId"] = user.FindFirstValue(GatewayKeyDefaults.TokenIdClaimType),
                ["name"] = user.Identity?.Name,
                ["userId"] = user.FindFirstValue(GatewayKeyDefaults.UserIdClaimType),
                ["group"] = user.FindFirstValue(GatewayKeyDefaults.GroupClaimType),
                ["scheme"] = user.Identity?.AuthenticationType,
            })).RequireAuthorization(GatewayKeyDefaults.PolicyName);
            app.MapGet("/denied", static () => "unreachable").RequireAuthorization(GatewayKeyDefaults.PolicyName, "deny");
        }

        if (mapRelay)
        {
            var relay = app.MapLlmRelay();
            if (groupPolicy is not null)
            {
                relay.RequireAuthorization(groupPolicy);
            }
        }

        await app.StartAsync(Ct);
        return app;
    }

    private static async Task<ApiToken> SeedAsync(WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<ITokenStore>();
        var valid = new ApiToken { Name = "valid-token", KeyHash = ApiKeys.Hash(Valid), UserId = 42, Group = "vip", UnlimitedQuota = true };
        await tokens.AddAsync(valid, Ct);
        await tokens.AddAsync(new ApiToken { Name = "disabled", KeyHash = ApiKeys.Hash(Disabled), UnlimitedQuota = true, Status = TokenStatus.Disabled }, Ct);
        await tokens.AddAsync(new ApiToken { Name = "expired", KeyHash = ApiKeys.Hash(Expired), UnlimitedQuota = true, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, Ct);
        return valid;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string place, string key, string? body = null)
    {
        var request = new HttpRequestMessage(method, place == "query" ? $"{path}?key={key}" : path);
        switch (place)
        {
            case "bearer":
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
                break;
            case "x-api-key":
                request.Headers.TryAddWithoutValidation("x-api-key", key);
                request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
                break;
            case "x-goog-api-key":
                request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
                break;
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static void AssertError(string family, int status, string code, string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        switch (family)
        {
            case "anthropic":
                Assert.Equal("error", root.GetProperty("type").GetString());
                Assert.Equal(status == 401 ? "authentication_error" : "permission_error", root.GetProperty("error").GetProperty("type").GetString());
                break;
            case "gemini":
                Assert.Equal(status, root.GetProperty("error").GetProperty("code").GetInt32());
                Assert.Equal(status == 401 ? "UNAUTHENTICATED" : "PERMISSION_DENIED", root.GetProperty("error").GetProperty("status").GetString());
                break;
            default:
                Assert.Equal(code, root.GetProperty("error").GetProperty("code").GetString());
                Assert.Equal(status == 401 ? "authentication_error" : "permission_error", root.GetProperty("error").GetProperty("type").GetString());
                break;
        }

        Assert.DoesNotContain(Valid, text, StringComparison.Ordinal);
    }

    private sealed class NeverHandler(
        Microsoft.Extensions.Options.IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        System.Text.Encodings.Web.UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
