using System.Text.RegularExpressions;

namespace LlmRelay.Core.Tests.Pipeline;

/// <summary>
/// Issue #14: exactly one place in the product sends a request to an upstream model. The shipped sources are read as
/// text (what <c>git grep</c> would show), so a new endpoint family, probe or tester that opens its own send fails here.
/// </summary>
public sealed partial class SingleSendSiteTests
{
    private const string SendSite = "src/LlmRelay.Core/Pipeline/UpstreamSender.cs";

    [Fact]
    public void OnlyUpstreamSender_CallsTheUpstreamInvoker()
    {
        var sites = Matches(InvokerSend());

        Assert.Equal([SendSite], sites);
    }

    [Fact]
    public void OnlyUpstreamSender_CallsTheChatClientChannelInvoker()
    {
        // ChatClientChannelInvoker is the in-process "upstream" of a chat-client channel; it is reached through UpstreamSender only.
        var sites = Matches(ChatClientChannelSend());

        Assert.Equal([SendSite], sites);
    }

    [Fact]
    public void KeyedChatClients_AreCalledOnlyBehindUpstreamSender()
    {
        // A keyed IChatClient is a chat-client channel's model: asked by UpstreamSender (RelayChatClient in process) or by
        // ChatClientChannelInvoker (HTTP callers, through UpstreamSender), nowhere else. POST /admin/test (issue #15) calls a
        // RelayChatClient, the relay pipeline itself, which sends through UpstreamSender: the only other match allowed.
        var sites = Matches(ChatClientCall());

        Assert.Equal(["src/LlmRelay.AspNetCore/Management/Admin/AdminEndpoints.Batch.cs", "src/LlmRelay.Core/Client/ChatClientChannelInvoker.cs", SendSite], sites);
    }

    [Fact]
    public void OnlyUpstreamInvoker_OpensAnHttpClient()
    {
        // No second, differently configured client (no outbound address policy, other timeouts) can appear beside it.
        var sites = Matches(HttpClientCreation());

        Assert.Equal(["src/LlmRelay.Core/Providers/UpstreamInvoker.cs"], sites);
    }

    [Fact]
    public void OnlyUpstreamSender_OpensAnUpstreamWebSocket()
    {
        // Realtime sessions (issue #17) connect over the same invoker, with the adapter's URL and credentials: a socket opened
        // anywhere else would skip the outbound address policy and the channel's dialect.
        var sites = Matches(WebSocketConnect());

        Assert.Equal([SendSite], sites);
    }

    private static string[] Matches(Regex pattern)
    {
        var root = FindRepoRoot();
        return [.. Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(static path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(path => File.ReadLines(path).Any(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal) && pattern.IsMatch(line)))
            .Select(path => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRelay.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("LlmRelay.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\bInvoker\s*\.\s*SendAsync\s*\(")]
    private static partial Regex InvokerSend();

    [GeneratedRegex(@"\bchatClients\s*\.\s*SendAsync\s*\(|ChatClientChannelInvoker\s*\)\s*\.\s*SendAsync|GetRequiredService<ChatClientChannelInvoker>\(\)\s*\.\s*SendAsync")]
    private static partial Regex ChatClientChannelSend();

    [GeneratedRegex(@"\.\s*(?:GetResponseAsync|GetStreamingResponseAsync)\s*[<(]")]
    private static partial Regex ChatClientCall();

    [GeneratedRegex(@"new\s+ClientWebSocket\s*\(|\.ConnectAsync\s*\([^)]*\bInvoker\b")]
    private static partial Regex WebSocketConnect();

    [GeneratedRegex(@"new\s+(?:HttpClient|HttpMessageInvoker)\s*\(|\bIHttpClientFactory\b|\.CreateClient\s*\(")]
    private static partial Regex HttpClientCreation();
}
