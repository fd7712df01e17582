using System.Diagnostics;
using System.Runtime.CompilerServices;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pipeline;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Client;

/// <summary>An <see cref="IChatClient"/> that relays in process: the same channel selection, failover, health, concurrency and metering as the HTTP endpoints, without an HTTP hop through the gateway.</summary>
/// <remarks>
/// <code>
/// messages + ChatOptions ─► OpenAI Chat body (pivot) ─► select channel (group, model) ─► key (health) ─► concurrency lease
///   ─► chat-client channel: the keyed IChatClient, called directly
///   ─► HTTP channel: converted to its family, sent with the shared UpstreamInvoker
///        │ connect error, timeout, 401/403/408/429/5xx, or a stream failing before its first update: next channel
///        │ other 4xx: RelayChatClientException with the upstream's status
///   ─► answer ─► ChatResponse / ChatResponseUpdate values ─► one usage-log row per call (quota settled with it)
/// </code>
/// <para>
/// Called with a gateway key (<see cref="RelayChatClientOptions.TokenKey"/>) whose quota is limited, a call first reserves
/// an upper bound of its cost (estimated prompt plus <see cref="ChatOptions.MaxOutputTokens"/>, or 1024 tokens) with one
/// conditional update, exactly as the HTTP relay does, so concurrent calls can never overdraw the key; the call's usage-log
/// row then settles the reservation to the real charge exactly once. A call the remaining quota does not cover throws
/// <see cref="RelayChatClientException"/> with <see cref="RelayChatClientException.StatusCode"/> 429 and
/// <see cref="RelayChatClientException.ErrorCode"/> <c>insufficient_quota</c> before anything is sent upstream, and is not logged.
/// </para>
/// <para>
/// Failover happens only before the first update is yielded; after that an upstream failure throws
/// <see cref="RelayChatClientException"/>. Cancelling cancels the upstream call; a cancelled stream is still logged
/// and billed for the usage the upstream reported. Resolve it with <c>sp.GetRequiredService&lt;RelayChatClient&gt;()</c>
/// (configured by <c>RelayChatClientOptions</c>) or <c>sp.GetRelayChatClient(tokenKey)</c>.
/// </para>
/// <para>Thread-safe: one instance serves any number of concurrent calls. Disposing does nothing; the relay's services belong to the container.</para>
/// </remarks>
public sealed partial class RelayChatClient : IChatClient
{
    private const string InProcessTokenName = "in-process";

    private readonly RelayChatClientOptions _options;
    private readonly TokenCache _tokens;
    private readonly RelayPipeline _pipeline;
    private readonly LlmRelayOptions _relayOptions;
    private readonly ModelResolver _models;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a new instance of the <see cref="RelayChatClient"/> class over the relay registered in <paramref name="services"/>.</summary>
    /// <param name="services">The application's service provider, in which <c>AddLlmRelay()</c> was called.</param>
    /// <param name="options">The identity, group and default model; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>services.AddLlmRelay()</c> was not called.</exception>
    public RelayChatClient(IServiceProvider services, RelayChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<LlmRelayMarker>() is null)
        {
            throw new InvalidOperationException("LlmRelay's services are not registered. Call services.AddLlmRelay() before resolving a RelayChatClient.");
        }

        _options = new RelayChatClientOptions
        {
            TokenKey = options?.TokenKey,
            Group = string.IsNullOrWhiteSpace(options?.Group) ? Channels.RelayGroups.Default : options.Group,
            DefaultModel = options?.DefaultModel,
        };
        _tokens = services.GetRequiredService<TokenCache>();
        _pipeline = services.GetRequiredService<RelayPipeline>();
        _relayOptions = services.GetRequiredService<IOptions<LlmRelayOptions>>().Value;
        _models = services.GetRequiredService<ModelResolver>();
        _time = services.GetRequiredService<TimeProvider>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<RelayChatClient>();
        _metadata = new ChatClientMetadata("llmrelay", null, _options.DefaultModel);
    }

    /// <inheritdoc />
    /// <exception cref="RelayChatClientException">No channel could answer, the token may not make the call (status 429, code <c>insufficient_quota</c>, when its quota does not cover it), or the upstream rejected the request.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        using var call = await BeginAsync(list, options, stream: false, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            using var attempt = await NextAttemptAsync(call, cancellationToken).ConfigureAwait(false);
            var response = attempt.IsInProcess
                ? await ChatClientResponseAsync(call, attempt, cancellationToken).ConfigureAwait(false)
                : await HttpResponseAsync(call, attempt, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                return response;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="RelayChatClientException">No channel could answer, the token may not make the call (status 429, code <c>insufficient_quota</c>, when its quota does not cover it), or the upstream failed after the first update.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        using var call = await BeginAsync(list, options, stream: true, cancellationToken).ConfigureAwait(false);
        PrimedSource? primed = null;
        var completed = false;
        try
        {
            primed = await OpenStreamAsync(call, cancellationToken).ConfigureAwait(false);
            var update = primed.First;
            while (update is not null)
            {
                yield return update;
                update = await NextUpdateAsync(call, primed.Source, cancellationToken).ConfigureAwait(false);
            }

            completed = true;
        }
        finally
        {
            if (primed is not null)
            {
                if (!completed && call.Log.StatusCode == 200)
                {
                    call.MarkClientClosed(); // The consumer stopped reading (or cancelled) mid-stream.
                }

                // Usage is read before disposal (which cancels the upstream): whatever was reported is billed.
                var attempt = primed.Attempt;
                if (primed.Source.Usage is { } usage)
                {
                    call.Bill(attempt, usage);
                }
                else if (primed.Source.DataEvents > 0)
                {
                    // No usage came back: estimated exactly as the HTTP relay estimates a stream.
                    var body = attempt.IsInProcess ? ((InProcessChatContent)call.Request.Content).OpenAIBody(attempt.UpstreamModel) : default(ReadOnlySpan<byte>);
                    call.BillEstimated(attempt, RelayMetering.StreamCompletionTokens(primed.Source.DataEvents), body);
                }

                await primed.Source.DisposeAsync().ConfigureAwait(false);
                attempt.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Does nothing: the relay's services belong to the container.</summary>
    public void Dispose()
    {
    }

    // Authenticates, resolves the model, and begins the call in the pipeline (which reserves its quota); the caller disposes it once.
    private async ValueTask<RelayCall> BeginAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool stream, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var token = _options.TokenKey is { } key ? await AuthenticateAsync(key, cancellationToken).ConfigureAwait(false) : null;
        var requested = options?.ModelId ?? _options.DefaultModel;
        if (string.IsNullOrEmpty(requested))
        {
            throw new ArgumentException("No model was given: set ChatOptions.ModelId or RelayChatClientOptions.DefaultModel.", nameof(options));
        }

        var group = token?.Group ?? _options.Group;
        var request = new RelayRequest
        {
            Token = token,
            Group = group,
            Operation = RelayOperation.Chat,
            CallerFormat = Formats.WireFormat.OpenAIChat,
            RequestedModel = requested,
            RoutingModel = _models.Resolve(group, requested),
            Stream = stream,
            Content = new InProcessChatContent(messages, options, stream, _relayOptions.AnthropicDefaultMaxTokens),
            EstimatedPromptTokens = EstimatePromptTokens(messages, options),
            MaxOutputTokens = options?.MaxOutputTokens ?? 0,
            RequestId = Activity.Current is { } activity ? activity.TraceId.ToString() : Guid.NewGuid().ToString("N"),
            AnonymousName = InProcessTokenName,
        };
        var call = await _pipeline.BeginAsync(request, started, cancellationToken).ConfigureAwait(false);
        if (call.Refused)
        {
            throw ToException(call.Error!);
        }

        return call;
    }

    internal static int EstimatePromptTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        long bytes = options?.Instructions is { } instructions ? System.Text.Encoding.UTF8.GetByteCount(instructions) : 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                bytes += content switch
                {
                    TextContent { Text: { } text } => System.Text.Encoding.UTF8.GetByteCount(text),
                    DataContent data when data.HasTopLevelMediaType("image") => ImageBytes(data.Uri.Length), // the mapper sends this data URI (built once, then cached)
                    UriContent uri when uri.HasTopLevelMediaType("image") => ImageBytes(System.Text.Encoding.UTF8.GetByteCount(uri.Uri.ToString())),
                    _ => 0,
                };
            }
        }

        return Tokenization.ITokenCounter.EstimateFromBytes((int)Math.Min(int.MaxValue, bytes));
    }

    // An image part weighs what the HTTP relay's estimate gives the same body (its data URI or URL, bytes / 3), but never less
    // than the flat per-image count of the token counter (SharpTokenCounter.MediaTokens), as a URL alone says nothing of the image.
    private static long ImageBytes(long carried) => Math.Max(carried, 3L * Tokenization.SharpTokenCounter.MediaTokens);

    private async ValueTask<TokenEntry> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        // The gateway-key checks of the HTTP relay (TokenChecks), without the caller-address one: there is no caller address in process.
        var token = await _tokens.FindAsync(key, cancellationToken).ConfigureAwait(false);
        var refusal = TokenChecks.Check(token, _time.GetUtcNow());
        if (refusal != TokenRefusal.None)
        {
            var error = TokenChecks.ErrorOf(refusal, key, token);
            throw new RelayChatClientException(error.Status, error.Code!, error.Message);
        }

        return token!;
    }


    // The next opened attempt, or the call's error as an exception.
    private static async ValueTask<RelayAttempt> NextAttemptAsync(RelayCall call, CancellationToken cancellationToken) =>
        await call.NextAttemptAsync(cancellationToken).ConfigureAwait(false) ?? throw ToException(call.Error!);

    private static RelayChatClientException ToException(RelayError error, Exception? inner = null) =>
        new(error.Status, error.Code ?? "invalid_request", error.Message, inner);

    private async ValueTask<ChatResponseUpdate?> NextUpdateAsync(RelayCall call, RelayUpdateSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await source.NextAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
        catch (RelayChatClientException ex)
        {
            // After the first update, failover is impossible: the consumer sees the error.
            call.Log.StatusCode = ex.StatusCode;
            call.Log.Content = ex.Message;
            LogStreamFailed(_logger, call.Log.ChannelName, LogText.Escape(ex.Message)!);
            throw;
        }
    }

    /// <summary>An opened stream, its first update (<see langword="null"/> for an empty stream), and the attempt that owns its channel slot.</summary>
    private sealed record PrimedSource(RelayUpdateSource Source, ChatResponseUpdate? First, RelayAttempt Attempt);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "In-process stream from channel '{Channel}' failed after its first update: {Message}.")]
    private static partial void LogStreamFailed(ILogger logger, string channel, string message);
}
