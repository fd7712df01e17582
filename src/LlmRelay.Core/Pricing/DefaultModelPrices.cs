namespace LlmRelay.Pricing;

/// <summary>The built-in price table: providers' published list prices, expressed as ratios.</summary>
/// <remarks>
/// Ratio = input USD per 1M tokens / 2; completion ratio = output price / input price; cache ratios =
/// cached price / input price. List prices as published in late 2025 (Anthropic and Gemini at the
/// standard, up-to-200K-context tier); operators correct or extend them through <see cref="PricingOptions.Models"/>.
/// Names match exactly, then by the longest listed prefix, so dated snapshots (<c>gpt-4o-2024-08-06</c>,
/// <c>claude-sonnet-4-20250514</c>) resolve to their family.
/// </remarks>
internal static class DefaultModelPrices
{
    public static IReadOnlyDictionary<string, ModelPrice> Create()
    {
        var t = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);

        // OpenAI: cached input is 0.5x (gpt-4o, o1, o3-mini), 0.25x (gpt-4.1, o3, o4-mini) or 0.1x (gpt-5).
        OpenAI(t, 0.075, 4, 0.5, "gpt-4o-mini");                 // 0.15 / 0.60
        OpenAI(t, 1.25, 4, 0.5, "gpt-4o");                       // 2.50 / 10.00
        OpenAI(t, 2.5, 3, 1, "chatgpt-4o-latest");               // 5.00 / 15.00
        OpenAI(t, 1, 4, 0.25, "gpt-4.1");                        // 2.00 / 8.00
        OpenAI(t, 0.2, 4, 0.25, "gpt-4.1-mini");                 // 0.40 / 1.60
        OpenAI(t, 0.05, 4, 0.25, "gpt-4.1-nano");                // 0.10 / 0.40
        OpenAI(t, 37.5, 2, 0.5, "gpt-4.5-preview");              // 75 / 150
        OpenAI(t, 5, 3, 1, "gpt-4-turbo");                       // 10 / 30
        OpenAI(t, 15, 2, 1, "gpt-4");                            // 30 / 60
        OpenAI(t, 0.25, 3, 1, "gpt-3.5-turbo");                  // 0.50 / 1.50
        OpenAI(t, 7.5, 4, 0.5, "o1", "o1-preview");              // 15 / 60
        OpenAI(t, 0.55, 4, 0.5, "o1-mini");                      // 1.10 / 4.40
        OpenAI(t, 75, 4, 1, "o1-pro");                           // 150 / 600
        OpenAI(t, 1, 4, 0.25, "o3");                             // 2.00 / 8.00
        OpenAI(t, 0.55, 4, 0.5, "o3-mini");                      // 1.10 / 4.40
        OpenAI(t, 10, 4, 1, "o3-pro");                           // 20 / 80
        OpenAI(t, 0.55, 4, 0.25, "o4-mini");                     // 1.10 / 4.40
        OpenAI(t, 0.625, 8, 0.1, "gpt-5", "gpt-5-chat-latest");  // 1.25 / 10
        OpenAI(t, 0.125, 8, 0.1, "gpt-5-mini");                  // 0.25 / 2.00
        OpenAI(t, 0.025, 8, 0.1, "gpt-5-nano");                  // 0.05 / 0.40
        OpenAI(t, 0.01, 1, 1, "text-embedding-3-small");         // 0.02
        OpenAI(t, 0.065, 1, 1, "text-embedding-3-large");        // 0.13
        OpenAI(t, 0.05, 1, 1, "text-embedding-ada-002");         // 0.10

        // Anthropic: output 5x input; cache reads 0.1x, cache writes 1.25x (5 min) / 2x (1 h).
        Anthropic(t, 1.5, "claude-3-5-sonnet", "claude-3.5-sonnet", "claude-3-7-sonnet", "claude-3.7-sonnet",
            "claude-sonnet-4", "claude-4-sonnet", "claude-sonnet-4-5", "claude-sonnet-4.5");   // 3 / 15
        Anthropic(t, 0.125, "claude-3-haiku");                                                // 0.25 / 1.25
        Anthropic(t, 0.4, "claude-3-5-haiku", "claude-3.5-haiku");                           // 0.80 / 4
        Anthropic(t, 0.5, "claude-haiku-4-5", "claude-haiku-4.5");                           // 1 / 5
        Anthropic(t, 7.5, "claude-3-opus", "claude-opus-4", "claude-4-opus", "claude-opus-4-1", "claude-opus-4.1"); // 15 / 75
        Anthropic(t, 2.5, "claude-opus-4-5", "claude-opus-4.5");                             // 5 / 25

        // Gemini (standard tier, prompts up to 200K tokens). Cached input: 0.25x (1.5, 2.0), 0.1x (2.5).
        Gemini(t, 0.625, 8, 0.1, "gemini-2.5-pro");              // 1.25 / 10
        Gemini(t, 0.15, 2.5 / 0.3, 0.1, "gemini-2.5-flash");     // 0.30 / 2.50
        Gemini(t, 0.05, 4, 0.1, "gemini-2.5-flash-lite");        // 0.10 / 0.40
        Gemini(t, 0.05, 4, 0.25, "gemini-2.0-flash");            // 0.10 / 0.40
        Gemini(t, 0.0375, 4, 0.25, "gemini-2.0-flash-lite");     // 0.075 / 0.30
        Gemini(t, 0.625, 4, 0.25, "gemini-1.5-pro");             // 1.25 / 5
        Gemini(t, 0.0375, 4, 0.25, "gemini-1.5-flash");          // 0.075 / 0.30
        Gemini(t, 0.01875, 4, 0.25, "gemini-1.5-flash-8b");      // 0.0375 / 0.15
        // Gemini TTS (/v1/audio/speech, issue #17): text tokens in, audio tokens out; else they would resolve to gemini-2.5-flash/pro.
        Gemini(t, 0.25, 20, 1, "gemini-2.5-flash-preview-tts");  // 0.50 / 10 (audio)
        Gemini(t, 0.5, 20, 1, "gemini-2.5-pro-preview-tts");     // 1 / 20 (audio)

        // Units beyond tokens (issue #17): images per image by size/quality, moderations per call (free), rerank per search unit.
        t.Add("dall-e-2", Images(0.02, new() { ["256x256"] = 0.016, ["512x512"] = 0.018, ["1024x1024"] = 0.02 }));
        t.Add("dall-e-3", Images(0.04, new() { ["1024x1024"] = 0.04, ["1024x1792"] = 0.08, ["1792x1024"] = 0.08, ["1024x1024/hd"] = 0.08, ["1024x1792/hd"] = 0.12, ["1792x1024/hd"] = 0.12 }));
        t.Add("gemini-2.5-flash-image", Images(0.039, []));      // 1290 output tokens at 30 USD per 1M
        t.Add("omni-moderation", new ModelPrice { Unit = BillingUnit.Call, UnitPrice = 0 });
        t.Add("text-moderation", new ModelPrice { Unit = BillingUnit.Call, UnitPrice = 0 });
        t.Add("rerank", new ModelPrice { Unit = BillingUnit.SearchUnit, UnitPrice = 0.002 }); // Cohere: 2 USD per 1K searches
        t.Add("tts-1", new ModelPrice { Unit = BillingUnit.Character, UnitPrice = 15.0 / 1_000_000 });    // 15 USD per 1M characters
        t.Add("tts-1-hd", new ModelPrice { Unit = BillingUnit.Character, UnitPrice = 30.0 / 1_000_000 }); // 30 USD per 1M characters
        t.Add("whisper-1", new ModelPrice { Unit = BillingUnit.Second, UnitPrice = 0.006 / 60 });         // 0.006 USD per minute

        // DeepSeek V3.2 (both endpoints): 0.28 cache miss / 0.028 cache hit / 0.42 output.
        OpenAI(t, 0.14, 1.5, 0.1, "deepseek-chat", "deepseek-reasoner");

        return t;
    }

    private static void OpenAI(Dictionary<string, ModelPrice> table, double ratio, double completion, double cacheRead, params string[] names)
    {
        // No cache-write surcharge outside Anthropic (OpenAI, Gemini and DeepSeek cache implicitly, for free).
        var price = new ModelPrice { ModelRatio = ratio, CompletionRatio = completion, CacheReadRatio = cacheRead, CacheWrite5mRatio = 1, CacheWrite1hRatio = 1 };
        foreach (var name in names)
        {
            table.Add(name, price);
        }
    }

    private static void Anthropic(Dictionary<string, ModelPrice> table, double ratio, params string[] names)
    {
        var price = new ModelPrice { ModelRatio = ratio, CompletionRatio = 5, CacheReadRatio = 0.1, CacheWrite5mRatio = 1.25, CacheWrite1hRatio = 2 };
        foreach (var name in names)
        {
            table.Add(name, price);
        }
    }

    private static ModelPrice Images(double perImage, Dictionary<string, double> variants) =>
        new() { Unit = BillingUnit.Image, UnitPrice = perImage, UnitPrices = new Dictionary<string, double>(variants, StringComparer.OrdinalIgnoreCase) };

    private static void Gemini(Dictionary<string, ModelPrice> table, double ratio, double completion, double cacheRead, string name) =>
        OpenAI(table, ratio, completion, cacheRead, name);
}
