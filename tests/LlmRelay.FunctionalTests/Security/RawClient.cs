using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmRelay.FunctionalTests.Security;

/// <summary>A cookie-less HTTP client that connects from a chosen loopback address (127.0.0.x), sending exactly the headers a test gives.</summary>
/// <remarks>Every 127.0.0.0/8 address is the loopback interface on Linux, so binding the socket to 127.0.0.2 gives the gateway a second real client address.</remarks>
public sealed class RawClient : IDisposable
{
    private readonly HttpClient _http;

    public RawClient(Uri baseAddress, string localAddress = "127.0.0.1")
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<RawResponse> SendAsync(
        HttpMethod method,
        string path,
        string? body = null,
        string contentType = "application/json",
        string? cookie = null,
        string? bearer = null,
        params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonObject? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        }
        catch (JsonException)
        {
        }

        var cookies = response.Headers.TryGetValues("Set-Cookie", out var setCookies) ? setCookies.Select(static c => c.Split(';')[0]).ToList() : [];
        var session = cookies.LastOrDefault(static c => c.StartsWith("llmrelay_session=", StringComparison.Ordinal) && c.Length > "llmrelay_session=".Length);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new RawResponse(response.StatusCode, json, text, session, retryAfter, response.Headers.Location?.ToString(), cookies);
    }

    /// <summary>Signs in through <c>POST /api/user/login</c> and returns the session cookie (<c>llmrelay_session=...</c>).</summary>
    public async Task<string> LoginAsync(string username, string password)
    {
        var login = await SendAsync(HttpMethod.Post, "/api/user/login", JsonSerializer.Serialize(new { username, password }));
        Assert.True(login.Status == HttpStatusCode.OK, login.Text);
        return login.SessionCookie ?? throw new InvalidOperationException("The sign-in set no session cookie.");
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>An answer as <see cref="RawClient"/> read it.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Json">The body as a JSON object, when it is one.</param>
/// <param name="Text">The body.</param>
/// <param name="SessionCookie">A session cookie the answer set (<c>llmrelay_session=...</c>), if any.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> delay, if any.</param>
/// <param name="Location">The redirect target, if any.</param>
/// <param name="Cookies">Every cookie the answer set, as <c>name=value</c>.</param>
public sealed record RawResponse(HttpStatusCode Status, JsonObject? Json, string Text, string? SessionCookie, TimeSpan? RetryAfter, string? Location, IReadOnlyList<string> Cookies);
