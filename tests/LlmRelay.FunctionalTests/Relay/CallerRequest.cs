using System.Text;
using System.Text.Json.Nodes;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Builds a chat call the way each caller family sends it, with the gateway key where that family puts it.</summary>
internal static class CallerRequest
{
    /// <summary>The caller families: OpenAI (Bearer), Anthropic (x-api-key), Gemini (x-goog-api-key) and Gemini with <c>?key=</c>.</summary>
    public static readonly string[] Families = ["openai", "anthropic", "gemini", "gemini-query"];

    public static HttpRequestMessage Build(string caller, string model, bool stream, string key, int maxTokens = 300)
    {
        var s = stream ? "true" : "false";
        HttpRequestMessage request;
        switch (caller)
        {
            case "anthropic":
                request = Post("/v1/messages", $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"stream":{{s}},"messages":[{"role":"user","content":"What is 6 x 7?"}]}""");
                request.Headers.Add("x-api-key", key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                return request;
            case "gemini" or "gemini-query":
                var path = stream ? $"/v1beta/models/{model}:streamGenerateContent?alt=sse" : $"/v1beta/models/{model}:generateContent";
                if (caller == "gemini-query")
                {
                    path += (stream ? "&key=" : "?key=") + Uri.EscapeDataString(key);
                }

                request = Post(path, $$$"""{"contents":[{"role":"user","parts":[{"text":"What is 6 x 7?"}]}],"generationConfig":{"maxOutputTokens":{{{maxTokens}}}}}""");
                if (caller == "gemini")
                {
                    request.Headers.Add("x-goog-api-key", key);
                }

                return request;
            default:
                request = Post("/v1/chat/completions", $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"stream":{{s}},"messages":[{"role":"user","content":"What is 6 x 7?"}]}""");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                return request;
        }
    }

    /// <summary>Asserts that <paramref name="text"/> is an error body in <paramref name="caller"/>'s own shape; returns its type (Gemini: its status) and message.</summary>
    public static (string Type, string Message) ReadError(string caller, string text, int status)
    {
        var json = JsonNode.Parse(text)!.AsObject();
        var error = json["error"]!.AsObject();
        switch (caller)
        {
            case "anthropic":
                Assert.Equal("error", json["type"]!.GetValue<string>());
                return (error["type"]!.GetValue<string>(), error["message"]!.GetValue<string>());
            case "gemini" or "gemini-query":
                Assert.Equal(status, error["code"]!.GetValue<int>());
                return (error["status"]!.GetValue<string>(), error["message"]!.GetValue<string>());
            default:
                Assert.True(error.ContainsKey("code"), text);
                return (error["type"]!.GetValue<string>(), error["message"]!.GetValue<string>());
        }
    }

    private static HttpRequestMessage Post(string path, string body) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };
}
