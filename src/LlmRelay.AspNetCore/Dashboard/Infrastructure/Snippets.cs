namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Code samples for this gateway (curl, OpenAI SDK, Anthropic SDK), filled in with its base URL and a key.</summary>
internal static class Snippets
{
    /// <summary>What a snippet names when the gateway serves no model to the viewer yet.</summary>
    public const string ModelPlaceholder = "YOUR_MODEL";

    /// <summary>The model the OpenAI-style snippets name: the first of <paramref name="models"/> (served models, not a fixed list; issue #15), or <see cref="ModelPlaceholder"/>.</summary>
    public static string ModelFor(IReadOnlyList<string> models) => models.Count > 0 ? models[0] : ModelPlaceholder;

    /// <summary>The model the Anthropic snippet names: the first Claude model of <paramref name="models"/>, else as <see cref="ModelFor"/>.</summary>
    public static string ClaudeFor(IReadOnlyList<string> models) =>
        models.FirstOrDefault(static m => m.StartsWith("claude", StringComparison.OrdinalIgnoreCase)) ?? ModelFor(models);

    public static string Curl(string gateway, string key, string model) =>
        $$"""
        curl -X POST {{gateway}}/v1/chat/completions \
          -H "Authorization: Bearer {{key}}" \
          -H "Content-Type: application/json" \
          -d '{"model": "{{model}}", "messages": [{"role": "user", "content": "Hello"}]}'
        """;

    public static string CurlStream(string gateway, string key, string model) =>
        $$"""
        curl -X POST {{gateway}}/v1/chat/completions \
          -H "Authorization: Bearer {{key}}" \
          -H "Content-Type: application/json" \
          -d '{"model": "{{model}}", "messages": [{"role": "user", "content": "Write a poem"}], "stream": true}'
        """;

    public static string CurlModels(string gateway, string key) =>
        $$"""
        curl {{gateway}}/v1/models \
          -H "Authorization: Bearer {{key}}"
        """;

    public static string OpenAI(string gateway, string key, string model) =>
        $$"""
        from openai import OpenAI

        client = OpenAI(api_key="{{key}}", base_url="{{gateway}}/v1")
        response = client.chat.completions.create(
            model="{{model}}",
            messages=[
                {"role": "system", "content": "You are a helpful assistant"},
                {"role": "user", "content": "Hello"},
            ],
            max_tokens=500,
        )
        print(response.choices[0].message.content)
        """;

    public static string OpenAIStream(string gateway, string key, string model) =>
        $$"""
        from openai import OpenAI

        client = OpenAI(api_key="{{key}}", base_url="{{gateway}}/v1")
        stream = client.chat.completions.create(
            model="{{model}}",
            messages=[{"role": "user", "content": "Write a poem"}],
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="")
        """;

    public static string Anthropic(string gateway, string key, string model) =>
        $$"""
        from anthropic import Anthropic

        # The Anthropic SDK appends /v1/messages to base_url itself.
        client = Anthropic(api_key="{{key}}", base_url="{{gateway}}")
        response = client.messages.create(
            model="{{model}}",
            max_tokens=500,
            messages=[{"role": "user", "content": "Hello"}],
        )
        print(response.content[0].text)
        """;
}
