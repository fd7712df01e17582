using Microsoft.Extensions.Configuration;

namespace LlmRelay.AspNetCore.Hosting;

/// <summary>Reads a list setting given either as an array (<c>Key:0</c>, <c>Key:1</c>, or <c>Key__0</c> in the environment) or as one comma-separated value.</summary>
internal static class ConfigurationLists
{
    public static List<string> Read(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        return [.. section.GetChildren().Select(static c => c.Value).Append(section.Value)
            .SelectMany(static v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }
}
