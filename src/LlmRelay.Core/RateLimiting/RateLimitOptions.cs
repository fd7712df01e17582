namespace LlmRelay.RateLimiting;

/// <summary>Requests-per-minute and tokens-per-minute limits, bound to the <c>LlmRelay:RateLimits</c> configuration section.</summary>
/// <remarks>
/// Every limit that applies to a call is checked before anything is reserved or sent upstream; a call over any of them is
/// refused with 429 and <c>Retry-After</c> in the caller's own error shape (issue #18). The stored option
/// <c>RateLimits</c> (management API) is layered over this section: each scope it sets replaces the configured one, and
/// its <see cref="Groups"/> and <see cref="Models"/> entries replace the configured entries of the same name.
/// <code>
/// scope    counted per             configured as
/// Token    gateway key             Token
/// User     user (all of its keys)  User
/// Group    user, in its key's group Groups[group]   (new-api's per-group model request limits)
/// Model    gateway key and model   Models[model]    (LiteLLM's per-key model RPM/TPM)
/// </code>
/// </remarks>
public sealed class RateLimitOptions
{
    /// <summary>Gets or sets the limit of each gateway key, over all models.</summary>
    /// <value>The default value is unlimited.</value>
    public RateLimit Token { get; set; } = new();

    /// <summary>Gets or sets the limit of each user, over all of the user's keys (keys without a user are not counted here).</summary>
    /// <value>The default value is unlimited.</value>
    public RateLimit User { get; set; } = new();

    /// <summary>Gets the limits of each user whose key is in the named group, counted per user and group.</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, RateLimit> Groups { get; init; } = new Dictionary<string, RateLimit>(StringComparer.Ordinal);

    /// <summary>Gets the limits of each gateway key for the named model (the model the caller asked for), counted per key and model.</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, RateLimit> Models { get; init; } = new Dictionary<string, RateLimit>(StringComparer.Ordinal);

    /// <summary>Gets whether no limit is set at all (the relay then skips rate limiting without a lookup).</summary>
    internal bool IsUnlimited => Token.IsUnlimited && User.IsUnlimited && Groups.Values.All(static l => l.IsUnlimited) && Models.Values.All(static l => l.IsUnlimited);

    /// <summary>Adds a message to <paramref name="failures"/> for each invalid value, naming its configuration key.</summary>
    internal void Validate(string section, ICollection<string> failures)
    {
        (Token ?? new()).Validate($"{section}:Token", failures);
        (User ?? new()).Validate($"{section}:User", failures);
        foreach (var (name, limit) in Groups)
        {
            (limit ?? new()).Validate($"{section}:Groups:{name}", failures);
        }

        foreach (var (name, limit) in Models)
        {
            (limit ?? new()).Validate($"{section}:Models:{name}", failures);
        }
    }
}
