using System.Net;
using LlmRelay.Providers;

namespace LlmRelay.Core.Tests.Providers;

public sealed class OutboundAddressPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("8.8.8.8", "Public")]
    [InlineData("2606:4700:4700::1111", "Public")]
    [InlineData("64:ff9b::808:808", "Public")]
    [InlineData("127.0.0.1", "Private")]
    [InlineData("127.255.0.9", "Private")]
    [InlineData("::1", "Private")]
    [InlineData("::", "Private")]
    [InlineData("0.0.0.0", "Private")]
    [InlineData("10.20.30.40", "Private")]
    [InlineData("172.16.0.1", "Private")]
    [InlineData("172.32.0.1", "Public")]
    [InlineData("192.168.0.1", "Private")]
    [InlineData("100.64.0.1", "Private")]
    [InlineData("100.128.0.1", "Public")]
    [InlineData("fd12::1", "Private")]
    [InlineData("::ffff:10.0.0.1", "Private")]
    [InlineData("::ffff:127.0.0.1", "Private")]
    [InlineData("64:ff9b::7f00:1", "Private")]
    [InlineData("2002:7f00:1::", "Private")]
    [InlineData("::127.0.0.1", "Private")]
    [InlineData("169.254.169.254", "Never")]
    [InlineData("169.254.10.1", "Never")]
    [InlineData("::ffff:169.254.169.254", "Never")]
    [InlineData("fe80::1", "Never")]
    [InlineData("fd00:ec2::254", "Never")]
    [InlineData("100.100.100.200", "Never")]
    [InlineData("224.0.0.1", "Never")]
    [InlineData("255.255.255.255", "Never")]
    public void Classify_KnowsInternalRanges_AndEmbeddedIPv4(string address, string expected) =>
        Assert.Equal(Enum.Parse<OutboundAddressKind>(expected), OutboundAddressPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[0:0:0:0:0:0:0:1]:8080/")]
    public void CheckUrl_RecognisesNumericFormsOfLoopback(string url)
    {
        var uri = new Uri(url);

        Assert.Contains(OutboundAddressPolicy.AllowPrivateSetting, new OutboundAddressPolicy(false).CheckUrl(uri), StringComparison.Ordinal);
        Assert.Null(new OutboundAddressPolicy(true).CheckUrl(uri));
    }

    [Theory]
    [InlineData("http://0xa9fea9fe/")]
    [InlineData("http://2852039166/latest/meta-data/")]
    [InlineData("http://METADATA.google.internal./computeMetadata/v1/")]
    public void CheckUrl_RefusesMetadataEvenWhenPrivateAddressesAreAllowed(string url) =>
        Assert.Contains("never", new OutboundAddressPolicy(true).CheckUrl(new Uri(url)), StringComparison.Ordinal);

    [Fact]
    public void CheckUrl_LeavesHostNamesToConnectTime() =>
        Assert.Null(new OutboundAddressPolicy(false).CheckUrl(new Uri("http://localhost:11434/v1")));

    [Fact]
    public async Task ResolveAsync_KeepsOnlyAllowedAddresses()
    {
        var policy = new OutboundAddressPolicy(false, static (_, _) => Task.FromResult(new[] { IPAddress.Parse("10.0.0.1"), IPAddress.Parse("93.184.215.14") }));

        Assert.Equal([IPAddress.Parse("93.184.215.14")], await policy.ResolveAsync("mixed.example", Ct));
    }

    [Fact]
    public async Task ResolveAsync_NameOnlyOnPrivateAddresses_IsRefusedUnlessAllowed()
    {
        static Task<IPAddress[]> Resolve(string host, CancellationToken ct) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.IPv6Loopback });

        var error = await Assert.ThrowsAsync<OutboundAddressDeniedException>(() => new OutboundAddressPolicy(false, Resolve).ResolveAsync("rebound.example", Ct));
        Assert.Contains(OutboundAddressPolicy.AllowPrivateSetting, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await new OutboundAddressPolicy(true, Resolve).ResolveAsync("rebound.example", Ct)).Length);
    }

    [Fact]
    public async Task ResolveAsync_NameOnMetadataAddress_IsRefusedEvenWhenAllowed()
    {
        var policy = new OutboundAddressPolicy(true, static (_, _) => Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") }));

        await Assert.ThrowsAsync<OutboundAddressDeniedException>(() => policy.ResolveAsync("metadata.attacker.example", Ct));
        await Assert.ThrowsAsync<OutboundAddressDeniedException>(() => policy.ResolveAsync("metadata.google.internal", Ct));
    }
}
