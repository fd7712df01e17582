using LlmRelay.Channels;
using LlmRelay.Health;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>A key of a channel that the relay disabled after a definitive failure: its position, masked form, reason and time (Unix seconds).</summary>
internal sealed record AutoDisabledKeyView(int Index, string Key, string Reason, long DisabledTime)
{
    public static List<AutoDisabledKeyView> ListOf(RelayChannel channel, ChannelKeyStatusRegistry keyStatus)
    {
        var list = new List<AutoDisabledKeyView>();
        for (var i = 0; i < channel.Keys.Count; i++)
        {
            if (keyStatus.Find(channel.Id, channel.Keys[i]) is { } record)
            {
                list.Add(new AutoDisabledKeyView(i, record.KeyHint, record.Reason, record.DisabledAt.ToUnixTimeSeconds()));
            }
        }

        return list;
    }
}
