using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;

namespace LlmRelay.Configuration;

/// <summary>Upserts the channels and tokens declared in <see cref="LlmRelayOptions"/> into the stores.</summary>
/// <remarks>
/// Channels match by name and tokens by key. A declared channel's fields overwrite the stored ones; a
/// declared token's <see cref="TokenOptions.RemainQuota"/> only seeds a new token, because the stored
/// balance is spent by traffic and must survive restarts.
/// </remarks>
internal static class ConfigurationSynchronizer
{
    public const string Source = "config";

    public static async Task SyncAsync(LlmRelayOptions options, IChannelStore channels, ITokenStore tokens, TimeProvider time, CancellationToken cancellationToken)
    {
        if (options.Channels.Count > 0)
        {
            var existing = (await channels.ListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(static c => c.Name, StringComparer.Ordinal);
            for (var i = 0; i < options.Channels.Count; i++)
            {
                var declared = options.Channels[i];
                var name = ChannelName(declared, i);
                if (existing.TryGetValue(name, out var channel))
                {
                    Apply(declared, name, channel);
                    await channels.UpdateAsync(channel, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    channel = new RelayChannel { CreatedAt = time.GetUtcNow() };
                    Apply(declared, name, channel);
                    await channels.AddAsync(channel, cancellationToken).ConfigureAwait(false);
                    existing[name] = channel;
                }
            }
        }

        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var declared = options.Tokens[i];
            var key = declared.Key.Trim();
            var token = await tokens.FindByKeyHashAsync(ApiKeys.Hash(key), cancellationToken).ConfigureAwait(false);
            var isNew = token is null;
            token ??= new ApiToken
            {
                KeyHash = ApiKeys.Hash(key),
                KeyHint = ApiKeys.Mask(key),
                RemainQuota = declared.RemainQuota,
                CreatedAt = time.GetUtcNow(),
            };
            token.Name = string.IsNullOrWhiteSpace(declared.Name) ? $"config-token-{i}" : declared.Name;
            token.UnlimitedQuota = declared.UnlimitedQuota;
            token.Models = [.. declared.Models.Where(static m => !string.IsNullOrWhiteSpace(m)).Select(static m => m.Trim())];
            token.AllowIps = [.. declared.AllowIps.Where(static a => !string.IsNullOrWhiteSpace(a)).Select(static a => a.Trim())];
            token.Group = string.IsNullOrWhiteSpace(declared.Group) ? RelayGroups.Default : declared.Group.Trim();
            token.Source = Source;
            if (isNew)
            {
                await tokens.AddAsync(token, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await tokens.UpdateAsync(token, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static string ChannelName(ChannelOptions declared, int index) =>
        string.IsNullOrWhiteSpace(declared.Name) ? $"config-channel-{index}" : declared.Name.Trim();

    private static void Apply(ChannelOptions declared, string name, RelayChannel channel)
    {
        channel.Name = name;
        channel.Type = string.IsNullOrWhiteSpace(declared.Type) ? ChannelTypes.OpenAI : declared.Type.Trim().ToLowerInvariant();
        channel.BaseUrl = declared.BaseUrl.Trim();
        channel.Keys = [.. declared.Keys.Where(static k => !string.IsNullOrWhiteSpace(k)).Select(static k => k.Trim())];
        channel.Models = [.. declared.Models.Where(static m => !string.IsNullOrWhiteSpace(m)).Select(static m => m.Trim())];
        channel.ModelMapping = new Dictionary<string, string>(declared.ModelMapping, StringComparer.Ordinal);
        channel.Group = string.IsNullOrWhiteSpace(declared.Group) ? RelayGroups.Default : declared.Group.Trim();
        channel.Priority = declared.Priority;
        channel.Weight = declared.Weight;
        channel.Status = declared.Enabled ? ChannelStatus.Enabled : ChannelStatus.ManuallyDisabled;
        channel.ConnectTimeout = declared.ConnectTimeout;
        channel.FirstByteTimeout = declared.FirstByteTimeout;
        channel.IdleTimeout = declared.IdleTimeout;
        channel.ToolCallSieve = declared.ToolCallSieve;
        channel.Source = Source;
    }
}
