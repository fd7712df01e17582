namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Applies an optional <see cref="ISecretProtector"/> to lists of upstream keys.</summary>
internal static class ChannelSecrets
{
    public static List<string> Protect(ISecretProtector? protector, List<string> keys) =>
        protector is null ? [.. keys] : [.. keys.Select(protector.Protect)];

    public static List<string> Unprotect(ISecretProtector? protector, List<string> keys) =>
        protector is null ? keys : [.. keys.Select(protector.Unprotect)];
}
