using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Management, admin and dashboard bodies are bounded while they are read, chunked or not (issue #13, item 14).</summary>
public sealed class ManagementBodyLimitTests : IAsyncLifetime
{
    private const int Limit = 64 * 1024;
    private ManagementHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _harness = await ManagementHarness.StartAsync(new()
        {
            ["LlmRelay:Admin:Key"] = "admin-key-for-tests-123",
            ["LlmRelay:MaxManagementRequestBodySize"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    private static StreamContent Chunked(string text, string mediaType = "application/json")
    {
        var content = new StreamContent(new UnseekableStream(Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static string LoginBody(int padding) => $$"""{"username":"root","password":"{{ManagementHarness.RootPassword}}","pad":"{{new string('x', padding)}}"}""";

    [Fact]
    public async Task AnonymousLogin_ChunkedBodyOverTheLimit_Is413InTheManagementEnvelope()
    {
        using var http = new HttpClient { BaseAddress = _harness.Gateway.BaseAddress };

        using var response = await http.PostAsync("/api/user/login", Chunked(LoginBody(Limit * 4)), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.False(json["success"]!.GetValue<bool>());
        Assert.Contains("too large", json["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnonymousLogin_ChunkedBodyUnderTheLimit_StillWorks()
    {
        using var http = new HttpClient { BaseAddress = _harness.Gateway.BaseAddress };

        using var response = await http.PostAsync("/api/user/login", Chunked(LoginBody(Limit / 2)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task SignedInRoute_ContentLengthOverTheLimit_Is413InTheManagementEnvelope()
    {
        using var response = await _harness.Root.Http.PutAsync("/api/user/self", new StringContent(LoginBody(Limit * 2), Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task AdminLogin_ChunkedBodyOverTheLimit_Is413WithDetail()
    {
        using var http = new HttpClient { BaseAddress = _harness.Gateway.BaseAddress };

        using var response = await http.PostAsync("/admin/login", Chunked($$"""{"admin_key":"{{new string('k', Limit * 4)}}"}"""), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["detail"]);
    }

    [Fact]
    public async Task DashboardForm_ChunkedBodyOverTheLimit_Is413()
    {
        // A real form post: the antiforgery cookie and token from the page, then a padded field.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = _harness.Gateway.BaseAddress };
        var page = await http.GetStringAsync("/dashboard/login", Ct);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var form = "__RequestVerificationToken=" + Uri.EscapeDataString(token) + "&username=root&password=" + new string('p', Limit * 4);

        using var response = await http.PostAsync("/dashboard/login", Chunked(form, "application/x-www-form-urlencoded"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
