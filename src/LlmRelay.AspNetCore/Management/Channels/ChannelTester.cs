using LlmRelay.Channels;
using LlmRelay.Health;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Talks to a channel's upstream on behalf of the management API: test calls, model lists and balances.</summary>
/// <remarks>
/// Thread-safe. Every call goes through Core's <see cref="ChannelProbe"/>, which sends with the relay's own upstream sender:
/// the channel's adapter builds the URL, credentials and body in its own dialect, the answer is read in that dialect, and
/// the connection settings and outbound address policy are those of traffic (issue #14). Upstream bodies are never echoed:
/// an error answer is reported by its status and, for a test call or a balance query, only the message field of a
/// provider-shaped JSON error.
/// </remarks>
internal sealed class ChannelTester(ChannelProbe probe)
{
    public async Task<ChannelTestView> TestAsync(RelayChannel channel, string? model, CancellationToken cancellationToken)
    {
        model = string.IsNullOrWhiteSpace(model) ? channel.Models.FirstOrDefault() ?? channel.ModelMapping.Keys.FirstOrDefault() : model.Trim();
        if (string.IsNullOrEmpty(model))
        {
            return new ChannelTestView(channel.Id, false, "", 0, "The channel has no models to test with.");
        }

        if (ChannelInput.KeyError(channel) is { } keyError)
        {
            return new ChannelTestView(channel.Id, false, model, 0, keyError);
        }

        var result = await probe.TestAsync(channel, model, cancellationToken).ConfigureAwait(false);
        return new ChannelTestView(channel.Id, result.Success, model, (int)result.Elapsed.TotalMilliseconds, result.Message);
    }

    /// <summary>Returns why <paramref name="channel"/> has no upstream model list to fetch (a chat-client channel), or <see langword="null"/>.</summary>
    public static string? NoModelList(RelayChannel channel) =>
        string.Equals(channel.Type, ChannelTypes.ChatClient, StringComparison.OrdinalIgnoreCase)
            ? "A chat-client channel calls an in-process IChatClient, which has no model list to fetch; set the channel's models instead."
            : null;

    public async Task<(List<string>? Models, string? Error)> FetchModelsAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        var result = await probe.ListModelsAsync(channel, cancellationToken).ConfigureAwait(false);
        return (result.Models is null ? null : [.. result.Models], result.Error);
    }

    public async Task<(double? Balance, string? Error)> FetchBalanceAsync(RelayChannel channel, CancellationToken cancellationToken)
    {
        if (ChannelInput.KeyError(channel) is { } keyError && string.Equals(channel.Type, ChannelTypes.DeepSeek, StringComparison.OrdinalIgnoreCase))
        {
            return (null, keyError);
        }

        var result = await probe.GetBalanceAsync(channel, cancellationToken).ConfigureAwait(false);
        return (result.Balance, result.Error);
    }
}
