using System.Net;
using System.Text.RegularExpressions;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Posts a dashboard form as a signed-in browser would: reads the page's antiforgery field first, then posts with it.</summary>
internal static partial class DashboardForm
{
    /// <summary>Loads <c>/dashboard{page}</c>, then posts <paramref name="fields"/> to <c>/dashboard{action}</c>; returns the final status (a redirect after success is followed).</summary>
    public static async Task<HttpStatusCode> PostAsync(ApiClient client, string page, string action, Dictionary<string, string> fields)
    {
        using var response = await SendAsync(client, page, action, fields);
        return response.StatusCode;
    }

    /// <summary>As <see cref="PostAsync"/>, but returns the final response, to read the page it renders.</summary>
    public static async Task<HttpResponseMessage> SendAsync(ApiClient client, string page, string action, Dictionary<string, string> fields)
    {
        var ct = TestContext.Current.CancellationToken;
        var html = await client.Http.GetStringAsync("/dashboard" + page, ct);
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, $"No antiforgery field on /dashboard{page}.");
        var form = new Dictionary<string, string>(fields) { [WebUtility.HtmlDecode(match.Groups[1].Value)] = WebUtility.HtmlDecode(match.Groups[2].Value) };
        return await client.Http.PostAsync("/dashboard" + action, new FormUrlEncodedContent(form), ct);
    }

    [GeneratedRegex("""<input type="hidden" name="(__RequestVerificationToken[^"]*)" value="([^"]+)" />""")]
    private static partial Regex AntiforgeryField();
}
