using LlmRelay.Configuration;
using LlmRelay.RateLimiting;

namespace LlmRelay.Core.Tests.RateLimiting;

public sealed class StoredRateLimitOptionsTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("""{"Token":{"RequestsPerMinute":60,"TokensPerMinute":100000}}""")]
    [InlineData("""{"token":{"requestsPerMinute":60},"groups":{"free":{"RequestsPerMinute":5}},"models":{"gpt-4o":{"TokensPerMinute":1000}}}""")]
    public void Validate_ValidLimits_ReturnsNull(string json) => Assert.Null(StoredRateLimitOptions.Validate(json));

    [Theory]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("not json", "must be a JSON object")]
    [InlineData("""{"Tokens":{"RequestsPerMinute":1}}""", "Tokens")]
    [InlineData("""{"Token":{"RequestsPerMinute":"60"}}""", "must be a JSON object")]
    [InlineData("""{"Token":{"RequestsPerMinute":-1}}""", "RateLimits:Token:RequestsPerMinute must not be negative.")]
    [InlineData("""{"Models":{"gpt-4o":{"TokensPerMinute":-5}}}""", "RateLimits:Models:gpt-4o:TokensPerMinute must not be negative.")]
    public void Validate_InvalidLimits_NamesTheProblem(string json, string expected)
    {
        var error = StoredRateLimitOptions.Validate(json);

        Assert.NotNull(error);
        Assert.StartsWith("Option 'RateLimits'", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Layer_ReplacesTheScopesItSets_AndMergesNamedEntries()
    {
        var configured = new RateLimitOptions
        {
            Token = new() { RequestsPerMinute = 60 },
            User = new() { TokensPerMinute = 5000 },
            Models = { ["gpt-4o"] = new() { RequestsPerMinute = 10 }, ["o3"] = new() { RequestsPerMinute = 2 } },
        };

        var layered = StoredRateLimitOptions.Layer(configured, """{"Token":{"RequestsPerMinute":30},"Models":{"o3":{"RequestsPerMinute":4}}}""");

        Assert.Equal(30, layered.Token.RequestsPerMinute);
        Assert.Equal(5000, layered.User.TokensPerMinute);
        Assert.Equal(10, layered.Models["gpt-4o"].RequestsPerMinute);
        Assert.Equal(4, layered.Models["o3"].RequestsPerMinute);
        Assert.Equal(2, configured.Models["o3"].RequestsPerMinute);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("""{"Token":{"RequestsPerMinute":-1}}""")]
    public void Layer_EmptyOrInvalid_KeepsTheConfiguredLimits(string? json)
    {
        var configured = new RateLimitOptions { Token = new() { RequestsPerMinute = 60 } };

        Assert.Same(configured, StoredRateLimitOptions.Layer(configured, json));
    }

    [Fact]
    public void ConfigurationValidator_NegativeLimit_FailsNamingTheKey()
    {
        var options = new LlmRelayOptions();
        options.RateLimits.Groups["free"] = new() { RequestsPerMinute = -2 };

        var failures = new LlmRelayOptionsValidator().Validate(null, options).Failures;

        Assert.Contains("LlmRelay:RateLimits:Groups:free:RequestsPerMinute must not be negative.", failures!);
    }
}
