using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Overrides the relay's runtime options from <c>PUT /admin/settings</c> until the process restarts.</summary>
/// <remarks>
/// <para>
/// The relay endpoint reads <see cref="LlmRelayOptions.MaxAttempts"/> and the body size limits from the one
/// <see cref="IOptions{TOptions}"/> instance on every request, and the channel catalog's entries read the first-byte and
/// idle timeouts of channels without their own from it on every call (they hold the instance, not a copy), so writing
/// them there takes effect on the next request without a catalog reload. Other settings are fixed when their service is
/// built and need a restart:
/// </para>
/// <code>
/// hot (next request)                       restart required (read once at start)
/// runtime.max_attempts                     runtime.connect_timeout_seconds   (SocketsHttpHandler)
/// runtime.first_byte_timeout_seconds       runtime.concurrency.*             (RelayConcurrency limiters)
/// runtime.idle_timeout_seconds             runtime.response_store_ttl_seconds (ResponseStore)
/// runtime.max_request_body_size            model_aliases                     (shared dictionary, read without locks)
/// runtime.max_response_body_size
/// admin.jwt_expire_hours
/// dev_captures.enabled, .limit, .max_body_bytes   (UpstreamCaptureLog reads them on every send, issue #15)
/// </code>
/// <para>Thread-safe: writers are serialized; each value is a single word that readers see whole.</para>
/// </remarks>
internal sealed class AdminRuntimeSettings(IOptions<LlmRelayOptions> options)
{
    public static readonly string[] HotKeys =
    [
        "admin.jwt_expire_hours",
        "runtime.max_attempts",
        "runtime.first_byte_timeout_seconds",
        "runtime.idle_timeout_seconds",
        "runtime.max_request_body_size",
        "runtime.max_response_body_size",
        "dev_captures.enabled",
        "dev_captures.limit",
        "dev_captures.max_body_bytes",
    ];

    public static readonly string[] RestartKeys =
    [
        "runtime.connect_timeout_seconds",
        "runtime.response_store_ttl_seconds",
        "runtime.concurrency",
        "model_aliases",
    ];

    private readonly Lock _lock = new();

    public LlmRelayOptions Current => options.Value;

    public void Apply(int? maxAttempts, TimeSpan? firstByteTimeout, TimeSpan? idleTimeout, long? maxRequestBodySize, long? maxResponseBodySize)
    {
        lock (_lock)
        {
            var target = options.Value;
            if (maxAttempts is { } attempts)
            {
                target.MaxAttempts = attempts;
            }

            if (firstByteTimeout is { } firstByte)
            {
                target.FirstByteTimeout = firstByte;
            }

            if (idleTimeout is { } idle)
            {
                target.IdleTimeout = idle;
            }

            if (maxRequestBodySize is { } request)
            {
                target.MaxRequestBodySize = request;
            }

            if (maxResponseBodySize is { } response)
            {
                target.MaxResponseBodySize = response;
            }
        }    }

    /// <summary>Turns upstream captures on or off and sets their limits (<see cref="LlmRelayOptions.Captures"/>); <see langword="null"/> leaves a value as it is.</summary>
    public void ApplyCaptures(bool? enabled, int? limit, int? maxBodyBytes)
    {
        lock (_lock)
        {
            var target = options.Value.Captures;
            if (limit is { } count)
            {
                target.Limit = count;
            }

            if (maxBodyBytes is { } bytes)
            {
                target.MaxBodyBytes = bytes;
            }

            if (enabled is { } on)
            {
                target.Enabled = on;
            }
        }
    }
}
