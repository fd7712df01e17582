namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Applies an optional <see cref="ISecretProtector"/> to lists of upstream keys.</summary>
internal static class ChannelSecrets
{
    public static List<string> Protect(ISecretProtector? protector, List<string> keys) =>
        protector is null ? [.. keys] : [.. keys.Select(protector.Protect)];

    public static List<string> Unprotect(ISecretProtector? protector, List<string> keys) => Unprotect(protector, keys, out _);

    /// <summary>Decrypts <paramref name="keys"/>; a key that cannot be decrypted keeps its stored form and is counted in <paramref name="unreadable"/>.</summary>
    public static List<string> Unprotect(ISecretProtector? protector, List<string> keys, out int unreadable)
    {
        unreadable = 0;
        if (protector is null)
        {
            return keys;
        }

        var result = new List<string>(keys.Count);
        foreach (var stored in keys)
        {
            if (protector.TryUnprotect(stored, out var secret))
            {
                result.Add(secret);
            }
            else
            {
                unreadable++;
                result.Add(stored);
            }
        }

        return result;
    }
}
