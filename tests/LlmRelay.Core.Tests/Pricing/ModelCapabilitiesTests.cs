using LlmRelay.Configuration;
using LlmRelay.Formats.Conversion;
using LlmRelay.Pricing;

namespace LlmRelay.Core.Tests.Pricing;

public sealed class ModelCapabilitiesTests
{
    private static ModelCapabilities CreateSut(ModelCapabilityOptions? capabilities = null) => CreateSut(out _, capabilities);

    private static ModelCapabilities CreateSut(out TestOptionsMonitor<LlmRelayOptions> monitor, ModelCapabilityOptions? capabilities = null)
    {
        monitor = new TestOptionsMonitor<LlmRelayOptions>(new LlmRelayOptions { ModelCapabilities = capabilities ?? new ModelCapabilityOptions() });
        return new ModelCapabilities(monitor);
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", ReasoningControl.None, 16384)]
    [InlineData("gpt-4.1-mini", ReasoningControl.None, 32768)]
    [InlineData("o3-mini-2025-01-31", ReasoningControl.Effort, 100000)]
    [InlineData("o1-mini", ReasoningControl.Fixed, 65536)]
    [InlineData("gpt-5-nano-2025-08-07", ReasoningControl.Effort, 128000)]
    [InlineData("gpt-5-chat-latest", ReasoningControl.None, 16384)]
    [InlineData("claude-3-5-haiku-20241022", ReasoningControl.None, 8192)]
    [InlineData("claude-3-7-sonnet-20250219", ReasoningControl.Budget, 64000)]
    [InlineData("claude-sonnet-4-20250514", ReasoningControl.Budget, 64000)]
    [InlineData("claude-opus-4-1-20250805", ReasoningControl.Budget, 32000)]
    [InlineData("claude-sonnet-4-5-20250929", ReasoningControl.Budget, 64000)]
    [InlineData("anthropic/claude-haiku-4-5", ReasoningControl.Budget, 64000)]
    [InlineData("gemini-2.0-flash-001", ReasoningControl.None, 8192)]
    [InlineData("models/gemini-2.5-flash", ReasoningControl.Budget, 65536)]
    [InlineData("gemini-3-pro-preview", ReasoningControl.Level, 65536)]
    [InlineData("deepseek-reasoner", ReasoningControl.Fixed, 65536)]
    public void Resolve_DefaultTable_FindsTheFamily(string model, ReasoningControl reasoning, int maxOutput)
    {
        var capability = CreateSut().Resolve("any", model);

        Assert.NotNull(capability);
        Assert.Equal(reasoning, capability.Reasoning);
        Assert.Equal(maxOutput, capability.MaxOutputTokens);
    }

    [Theory]
    [InlineData("claude-opus-4-7")] // a later minor version must not inherit claude-opus-4's limits
    [InlineData("qwen3-coder")]
    [InlineData("gpt-4ox")]
    public void Resolve_UnknownModel_IsNull(string model) => Assert.Null(CreateSut().Resolve("any", model));

    [Fact]
    public void Resolve_ClaudeWithThinking_RestrictsSamplingAndClaude45TakesTemperatureOrTopP()
    {
        var sut = CreateSut();

        var sonnet4 = sut.Resolve("c", "claude-sonnet-4-0")!;
        var sonnet45 = sut.Resolve("c", "claude-sonnet-4-5")!;

        Assert.False(sonnet4.SamplingWithReasoning);
        Assert.Null(sonnet4.TemperatureOrTopP);
        Assert.Equal(32000, sonnet45.DefaultOutputTokens);
        Assert.True(sonnet45.TemperatureOrTopP);
    }

    [Fact]
    public void Resolve_ConfiguredEntry_IsLaidOverTheBuiltInOnePropertyByProperty()
    {
        var options = new ModelCapabilityOptions();
        options.Models["gpt-4o-2024-05-13"] = new ModelCapability { MaxOutputTokens = 4096 };
        options.Models["my-reasoner"] = new ModelCapability { Reasoning = ReasoningControl.Fixed };

        var sut = CreateSut(options);

        var old = sut.Resolve("c", "gpt-4o-2024-05-13")!;
        Assert.Equal(4096, old.MaxOutputTokens);
        Assert.Equal(ReasoningControl.None, old.Reasoning); // kept from gpt-4o
        Assert.Equal(16384, sut.Resolve("c", "gpt-4o-2024-08-06")!.MaxOutputTokens); // other snapshots unchanged
        Assert.Equal(new ModelCapability { Reasoning = ReasoningControl.Fixed }, sut.Resolve("c", "my-reasoner"));
    }

    [Fact]
    public void Resolve_ChannelEntry_AppliesToThatChannelOnly_OverTheGatewayEntry()
    {
        var options = new ModelCapabilityOptions();
        options.Models["claude-sonnet-4-5"] = new ModelCapability { DefaultOutputTokens = 16000 };
        options.Channels["bedrock"] = new Dictionary<string, ModelCapability> { ["claude-sonnet-4-5"] = new() { MaxOutputTokens = 8192 } };

        var sut = CreateSut(options);

        var onBedrock = sut.Resolve("bedrock", "claude-sonnet-4-5-20250929")!;
        Assert.Equal(8192, onBedrock.MaxOutputTokens);
        Assert.Equal(16000, onBedrock.DefaultOutputTokens);
        Assert.Equal(ReasoningControl.Budget, onBedrock.Reasoning);
        Assert.Equal(64000, sut.Resolve("anthropic", "claude-sonnet-4-5-20250929")!.MaxOutputTokens);
        Assert.Equal(ReasoningControl.None, sut.Resolve("bedrock", "gpt-4o")!.Reasoning); // not overridden there: the gateway's
    }

    [Fact]
    public void Resolve_AfterAConfigurationChange_UsesTheNewEntries()
    {
        var sut = CreateSut(out var monitor);
        Assert.Null(sut.Resolve("c", "local-model"));

        var options = new ModelCapabilityOptions();
        options.Models["local-model"] = new ModelCapability { Reasoning = ReasoningControl.None };
        monitor.Set(new LlmRelayOptions { ModelCapabilities = options });

        Assert.Equal(ReasoningControl.None, sut.Resolve("c", "local-model")!.Reasoning);
    }

    [Fact]
    public void Resolve_ChannelsOwnOverrides_LieOverTheConfiguredLayers_AndFollowAConfigurationChange()
    {
        var options = new ModelCapabilityOptions();
        options.Channels["bedrock"] = new Dictionary<string, ModelCapability> { ["claude-sonnet-4-5"] = new() { DefaultOutputTokens = 16000 } };
        var sut = CreateSut(out var monitor, options);
        IReadOnlyDictionary<string, ModelCapability> own = new Dictionary<string, ModelCapability>(StringComparer.OrdinalIgnoreCase)
        {
            ["claude-sonnet-4-5"] = new() { MaxOutputTokens = 4000 },
        };

        var first = sut.Resolve("bedrock", "claude-sonnet-4-5-20250929", own)!;
        Assert.Equal(4000, first.MaxOutputTokens);
        Assert.Equal(16000, first.DefaultOutputTokens); // the configured channel layer below
        Assert.Equal(ReasoningControl.Budget, first.Reasoning); // the built-in table below that
        Assert.Same(first, sut.Resolve("bedrock", "claude-sonnet-4-5-20250929", own)); // laid once, not per request
        Assert.Equal(ReasoningControl.None, sut.Resolve("bedrock", "gpt-4o", own)!.Reasoning); // not overridden: the layers below
        Assert.Equal(64000, sut.Resolve("bedrock", "claude-sonnet-4-5-20250929", null)!.MaxOutputTokens);

        var changed = new ModelCapabilityOptions();
        changed.Channels["bedrock"] = new Dictionary<string, ModelCapability> { ["claude-sonnet-4-5"] = new() { DefaultOutputTokens = 2000 } };
        monitor.Set(new LlmRelayOptions { ModelCapabilities = changed });

        var after = sut.Resolve("bedrock", "claude-sonnet-4-5-20250929", own)!;
        Assert.Equal(4000, after.MaxOutputTokens);
        Assert.Equal(2000, after.DefaultOutputTokens);
    }

    [Fact]
    public void Dispose_StopsListeningToChanges()
    {
        var sut = CreateSut(out var monitor);

        sut.Dispose();

        Assert.Equal(0, monitor.ListenerCount);
    }

    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new ModelCapabilityOptionsValidator().Validate(null, new LlmRelayOptions()).Succeeded);

    [Fact]
    public void Validate_NonPositiveLimitsAndUnknownReasoning_NameEachKey()
    {
        var options = new LlmRelayOptions();
        options.ModelCapabilities.Models["gpt-4o"] = new ModelCapability { MaxOutputTokens = 0, Reasoning = (ReasoningControl)42 };
        options.ModelCapabilities.Channels["azure"] = new Dictionary<string, ModelCapability> { ["gpt-4o"] = new() { DefaultOutputTokens = -1 } };

        var result = new ModelCapabilityOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("LlmRelay:ModelCapabilities:Models:gpt-4o:MaxOutputTokens", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LlmRelay:ModelCapabilities:Models:gpt-4o:Reasoning", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LlmRelay:ModelCapabilities:Channels:azure:gpt-4o:DefaultOutputTokens", result.FailureMessage, StringComparison.Ordinal);
    }
}
