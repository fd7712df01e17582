using System.Text.Json;
using LlmRelay.Storage;

namespace LlmRelay.RateLimiting;

/// <summary>
/// The rate limits the management API stores (option <c>RateLimits</c>, a JSON object shaped like the
/// <c>LlmRelay:RateLimits</c> section), layered over configuration: at start from the option store, and on every change.
/// </summary>
/// <remarks>
/// <code>
/// {"Token":{"RequestsPerMinute":60},"User":{"TokensPerMinute":200000},
///  "Groups":{"free":{"RequestsPerMinute":10}},"Models":{"gpt-4o":{"RequestsPerMinute":20,"TokensPerMinute":100000}}}
/// </code>
/// Thread-safe. The relay reads limits from <see cref="RelayRateLimiter"/>'s snapshot only, never from the database.
/// </remarks>
public static class StoredRateLimitOptions
{
    /// <summary>The option holding the stored rate limits.</summary>
    public const string RateLimits = "RateLimits";

    /// <summary>Returns an error naming what is wrong with <paramref name="json"/>, or <see langword="null"/> when it is a valid set of limits.</summary>
    /// <param name="json">The option's value.</param>
    /// <returns>The error message, or <see langword="null"/>.</returns>
    public static string? Validate(string json)
    {
        StoredRateLimits? stored;
        try
        {
            stored = JsonSerializer.Deserialize(json, RateLimitJsonContext.Default.StoredRateLimits);
        }
        catch (JsonException e)
        {
            return $"Option '{RateLimits}' must be a JSON object with Token, User, Groups or Models limits (RequestsPerMinute, TokensPerMinute): {e.Message}";
        }

        if (stored is null)
        {
            return $"Option '{RateLimits}' must be a JSON object with Token, User, Groups or Models limits.";
        }

        var failures = new List<string>();
        ToOptions(stored, new RateLimitOptions()).Validate(RateLimits, failures);
        return failures.Count == 0 ? null : $"Option '{RateLimits}': {failures[0]}";
    }

    /// <summary>Returns the configured limits with the stored option layered over them; an empty or invalid option leaves them as configured.</summary>
    internal static RateLimitOptions Layer(RateLimitOptions configured, string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || Validate(json) is not null)
        {
            return configured;
        }

        return ToOptions(JsonSerializer.Deserialize(json, RateLimitJsonContext.Default.StoredRateLimits)!, configured);
    }

    /// <summary>Reads the stored option from <paramref name="store"/> and applies it to <paramref name="limiter"/>.</summary>
    internal static async Task LoadAsync(RelayRateLimiter limiter, IOptionStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        limiter.SetStoredLimits(stored.FirstOrDefault(static o => o.Key == RateLimits)?.Value);
    }

    private static RateLimitOptions ToOptions(StoredRateLimits stored, RateLimitOptions configured)
    {
        var options = new RateLimitOptions
        {
            Token = stored.Token ?? configured.Token,
            User = stored.User ?? configured.User,
            Groups = new Dictionary<string, RateLimit>(configured.Groups, StringComparer.Ordinal),
            Models = new Dictionary<string, RateLimit>(configured.Models, StringComparer.Ordinal),
        };
        foreach (var (name, limit) in stored.Groups ?? [])
        {
            options.Groups[name] = limit ?? new();
        }

        foreach (var (name, limit) in stored.Models ?? [])
        {
            options.Models[name] = limit ?? new();
        }

        return options;
    }
}
