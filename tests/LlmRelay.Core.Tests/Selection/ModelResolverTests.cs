using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.Core.Tests.Selection;

/// <summary>The resolution order of seed-ds2api.md's "model alias resolution" (issue #15): served name, alias, family, else unchanged.</summary>
public sealed class ModelResolverTests
{
    private static async Task<(ServiceProvider Provider, ModelResolver Sut)> CreateSutAsync(Action<LlmRelayOptions> configure)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay(configure).AddInMemoryStores();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IChannelStore>().AddAsync(new RelayChannel
        {
            Name = "main",
            Type = ChannelTypes.OpenAI,
            BaseUrl = "http://127.0.0.1:1",
            Models = ["gpt-4o", "claude-sonnet-4-5", "claude-opus-4-1", "o3", "best"],
        }, TestContext.Current.CancellationToken);
        await provider.GetRequiredService<IChannelStore>().AddAsync(new RelayChannel
        {
            Name = "vip",
            Type = ChannelTypes.OpenAI,
            BaseUrl = "http://127.0.0.1:1",
            Group = "vip",
            Models = ["gpt-5"],
        }, TestContext.Current.CancellationToken);
        await provider.GetRequiredService<ChannelCatalogProvider>().ReloadAsync(TestContext.Current.CancellationToken);
        return (provider, provider.GetRequiredService<ModelResolver>());
    }

    private static void Standard(LlmRelayOptions o)
    {
        o.ModelAliases["best"] = "gpt-4o";
        o.ModelAliases["smart"] = "claude-opus-4-1";
        o.ModelAliases["gpt-4-turbo"] = "gpt-4o";
        o.ModelFamilies["gpt-*"] = "gpt-4o";
        o.ModelFamilies["claude-*"] = "claude-sonnet-4-5";
        o.ModelFamilies["claude-opus-*"] = "claude-opus-4-1";
        o.ModelFamilies["o*"] = "o3";
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("claude-opus-4-1")]
    [InlineData("best")] // served by a channel under this name: the alias "best" does not redirect it
    public async Task Resolve_ModelServedInTheGroup_IsUsedAsNamed(string model)
    {
        var (provider, sut) = await CreateSutAsync(Standard);
        await using var _ = provider;

        Assert.Equal(model, sut.Resolve("default", model));
    }

    [Theory]
    [InlineData("smart", "claude-opus-4-1")]
    [InlineData("gpt-4-turbo", "gpt-4o")] // an exact alias wins over the gpt-* family
    public async Task Resolve_NotServed_ExactAliasApplies(string requested, string expected)
    {
        var (provider, sut) = await CreateSutAsync(Standard);
        await using var _ = provider;

        Assert.Equal(expected, sut.Resolve("default", requested));
    }

    [Theory]
    [InlineData("gpt-4.1-mini", "gpt-4o")]
    [InlineData("GPT-5-codex", "gpt-4o")] // patterns ignore case
    [InlineData("claude-3-5-haiku-latest", "claude-sonnet-4-5")]
    [InlineData("claude-opus-4-6", "claude-opus-4-1")] // the longest matching pattern wins
    [InlineData("o4-mini", "o3")]
    public async Task Resolve_NoServedNameOrAlias_FamilyFallbackApplies(string requested, string expected)
    {
        var (provider, sut) = await CreateSutAsync(Standard);
        await using var _ = provider;

        Assert.Equal(expected, sut.Resolve("default", requested));
    }

    [Theory]
    [InlineData("deepseek-chat")]
    [InlineData("")]
    public async Task Resolve_NothingApplies_ReturnsTheNameUnchanged(string requested)
    {
        var (provider, sut) = await CreateSutAsync(Standard);
        await using var _ = provider;

        Assert.Equal(requested, sut.Resolve("default", requested));
    }

    [Fact]
    public async Task Resolve_ServedOnlyInAnotherGroup_FallsBackInTheCallersGroup()
    {
        var (provider, sut) = await CreateSutAsync(Standard);
        await using var _ = provider;

        Assert.Equal("gpt-5", sut.Resolve("vip", "gpt-5"));
        Assert.Equal("gpt-4o", sut.Resolve("default", "gpt-5"));
    }

    [Fact]
    public async Task Resolve_NoFamiliesConfigured_NothingIsRedirected()
    {
        var (provider, sut) = await CreateSutAsync(static _ => { });
        await using var _ = provider;

        Assert.Equal("claude-3-5-haiku-latest", sut.Resolve("default", "claude-3-5-haiku-latest"));
    }

    [Theory]
    [InlineData("claude-", "claude-sonnet-4-5")]
    [InlineData("*", "claude-sonnet-4-5")]
    [InlineData("cl*ude-*", "claude-sonnet-4-5")]
    [InlineData("claude-*", " ")]
    public void InvalidFamily_FailsValidation_NamingTheSetting(string pattern, string model)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay(o => o.ModelFamilies[pattern] = model);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LlmRelayOptions>>().Value);

        Assert.Contains($"LlmRelay:ModelFamilies:{pattern}", error.Message, StringComparison.Ordinal);
    }
}
