namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>Builds gateway configuration the way an operator writes it (LlmRelay:Channels:0:BaseUrl, ...).</summary>
public static class Settings
{
    public const string Key = "sk-test-0123456789abcdefghijklmnop";
    public const string UpstreamKey = "sk-upstream-secret-ABCDEFGHIJKLMNOPQRSTUV";

    public static Dictionary<string, string?> Token(string key = Key, string name = "test-token", long remainQuota = 0, bool unlimited = true, int index = 0, params string[] models)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"LlmRelay:Tokens:{index}:Name"] = name,
            [$"LlmRelay:Tokens:{index}:Key"] = key,
            [$"LlmRelay:Tokens:{index}:UnlimitedQuota"] = unlimited ? "true" : "false",
            [$"LlmRelay:Tokens:{index}:RemainQuota"] = remainQuota.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < models.Length; i++)
        {
            settings[$"LlmRelay:Tokens:{index}:Models:{i}"] = models[i];
        }

        return settings;
    }

    public static Dictionary<string, string?> Channel(
        int index,
        string baseUrl,
        string[] models,
        string name = "",
        long priority = 0,
        bool enabled = true,
        Dictionary<string, string>? mapping = null,
        string apiKey = UpstreamKey,
        string type = "openai")
    {
        var settings = new Dictionary<string, string?>
        {
            [$"LlmRelay:Channels:{index}:Name"] = name.Length > 0 ? name : $"channel-{index}",
            [$"LlmRelay:Channels:{index}:Type"] = type,
            [$"LlmRelay:Channels:{index}:BaseUrl"] = baseUrl,
            [$"LlmRelay:Channels:{index}:Keys:0"] = apiKey,
            [$"LlmRelay:Channels:{index}:Priority"] = priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"LlmRelay:Channels:{index}:Enabled"] = enabled ? "true" : "false",
        };
        for (var i = 0; i < models.Length; i++)
        {
            settings[$"LlmRelay:Channels:{index}:Models:{i}"] = models[i];
        }

        foreach (var (alias, real) in mapping ?? [])
        {
            settings[$"LlmRelay:Channels:{index}:ModelMapping:{alias}"] = real;
        }

        return settings;
    }

    /// <summary>Prices <paramref name="models"/> at ratio 1 (one quota per token), so tests can assert quota from token counts.</summary>
    public static Dictionary<string, string?> FlatPrice(params string[] models)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var model in models)
        {
            settings[$"LlmRelay:Pricing:Models:{model}:ModelRatio"] = "1";
            settings[$"LlmRelay:Pricing:Models:{model}:CompletionRatio"] = "1";
        }

        return settings;
    }

    public static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts)
    {
        var merged = new Dictionary<string, string?>();
        foreach (var part in parts)
        {
            foreach (var (key, value) in part)
            {
                merged[key] = value;
            }
        }

        return merged;
    }
}
