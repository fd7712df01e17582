using System.Security.Cryptography;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Pipeline;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Tasks;

/// <summary>Creates video tasks through the relay pipeline, finds them for their owner, and opens their content at the upstream (issue #17).</summary>
/// <remarks>
/// <code>
/// CreateAsync: fixed price? ─► RelayPipeline.BeginAsync (reserve the price) ─► NextAttemptAsync (select, POST {channel}/videos, fail over)
///   ─► the upstream's video id ─► RelayTask stored (Quota = the price) ─► RelayCall disposed: the reservation settles to the price
/// FindAsync: the task, only for the key that created it
/// OpenContentAsync: GET {channel}/videos/{upstream id}/content through UpstreamSender, with the key the task was created with
/// </code>
/// Billing is per task: a model's <see cref="ModelPrice.FixedPrice"/> (there is no per-second price), taken when the upstream
/// accepts the task and refunded by <see cref="RelayTaskPoller"/> if the task fails or times out. A model without a fixed price
/// is refused before anything is sent. Thread-safe; registered by <c>AddLlmRelay()</c>.
/// </remarks>
public sealed partial class VideoTaskRelay
{
    private readonly RelayPipeline _pipeline;
    private readonly ModelResolver _models;
    private readonly ChannelCatalogProvider _catalog;
    private readonly IServiceScopeFactory _scopes;
    private readonly TaskOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<VideoTaskRelay> _logger;

    internal VideoTaskRelay(RelayPipeline pipeline, ModelResolver models, ChannelCatalogProvider catalog, IServiceScopeFactory scopes, IServiceProviderIsService services, IOptions<LlmRelayOptions> options, TimeProvider time, ILogger<VideoTaskRelay> logger)
    {
        _pipeline = pipeline;
        _models = models;
        _catalog = catalog;
        _scopes = scopes;
        _options = options.Value.Tasks;
        _time = time;
        _logger = logger;
        IsAvailable = services.IsService(typeof(IRelayTaskStore));
    }

    /// <summary>Gets a value indicating whether tasks can be stored: an <see cref="IRelayTaskStore"/> is registered (<c>AddEntityFrameworkStores()</c>).</summary>
    public bool IsAvailable { get; }

    /// <summary>Creates a video task: reserves its price, sends it to a channel serving the model (failing over), stores it and charges it.</summary>
    /// <param name="token">The caller's key.</param>
    /// <param name="request">The validated request.</param>
    /// <param name="started">The <see cref="TimeProvider"/> timestamp at which the call was received.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The stored task, or the error to render in the caller's shape (status 499 when the caller left).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> or <paramref name="request"/> is <see langword="null"/>.</exception>
    public async Task<VideoSubmission> CreateAsync(TokenEntry token, VideoTaskRequest request, long started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(request);
        var routing = _models.Resolve(token.Group, request.Model);
        if (FixedPriceOf(_pipeline.Pricing, request.Model, routing) is null)
        {
            return new VideoSubmission(null, new RelayError(
                400,
                RelayErrorKind.InvalidRequest,
                $"The model '{request.Model}' has no price per task; an operator sets one with LlmRelay:Pricing:Models:{request.Model}:FixedPrice.",
                "model_price_not_set",
                "model"));
        }

        var relayRequest = new RelayRequest
        {
            Token = token,
            Group = token.Group,
            Operation = RelayOperation.VideoCreate,
            CallerFormat = WireFormat.OpenAIChat,
            RequestedModel = request.Model,
            RoutingModel = routing,
            Stream = false,
            Content = new VideoTaskContent(request),
            EstimatedPromptTokens = 0,
            Ip = request.Ip,
            RequestId = request.RequestId,
        };
        using var call = await _pipeline.BeginAsync(relayRequest, started, cancellationToken).ConfigureAwait(false);
        if (call.Refused)
        {
            return new VideoSubmission(null, call.Error);
        }

        RelayAttempt? attempt;
        try
        {
            attempt = await call.NextAttemptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VideoSubmission(null, new RelayError(499, RelayErrorKind.InvalidRequest, "The client closed the request."));
        }

        if (attempt is null)
        {
            return new VideoSubmission(null, call.Error);
        }

        using (attempt)
        {
            call.MarkFirstByte();
            UpstreamVideo? video;
            try
            {
                video = UpstreamVideo.Read(await UpstreamVideo.ReadBodyAsync(attempt.Response!, attempt.CancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                video = null;
            }

            if (video is not { Id.Length: > 0 } accepted)
            {
                return new VideoSubmission(null, call.Fail(502, RelayErrorKind.Upstream, "The upstream's answer names no video id.", "upstream_invalid_response"));
            }

            if (accepted.Status == RelayTaskStatus.Failed)
            {
                var reason = accepted.Error.Length > 0 ? Client.RelayKeys.Scrub(accepted.Error, attempt.Channel.Keys) : "no reason given";
                return new VideoSubmission(null, call.Fail(502, RelayErrorKind.Upstream, $"The upstream failed the video at once: {reason}", "video_generation_failed"));
            }

            // The row names its task (issue #17: the dashboard's logs page links it); billing keeps the id and the affinity.
            var taskId = NewTaskId();
            call.Log.Other = new Usage.UsageDetails { Affinity = call.Log.Other.Affinity, TaskId = taskId };
            call.Bill(attempt, default); // the model's fixed price: the charge that a failure refunds
            var now = _time.GetUtcNow();
            var task = new RelayTask
            {
                TaskId = taskId,
                Platform = RelayTaskPlatforms.Video,
                UserId = token.UserId,
                TokenId = token.Id,
                TokenName = token.Name,
                Group = token.Group,
                ChannelId = attempt.Channel.Id,
                KeyIndex = attempt.KeyIndex,
                ModelName = request.Model,
                UpstreamModel = attempt.UpstreamModel,
                UpstreamTaskId = accepted.Id,
                Status = accepted.Status == RelayTaskStatus.Queued ? RelayTaskStatus.Queued : RelayTaskStatus.InProgress,
                Progress = accepted.Progress,
                Quota = call.Log.Quota,
                Seconds = accepted.Seconds.Length > 0 ? accepted.Seconds : request.Seconds ?? "",
                Size = accepted.Size.Length > 0 ? accepted.Size : request.Size ?? "",
                CreatedAt = now,
                UpdatedAt = now,
                NextPollAt = now + _options.PollInterval,
            };
            try
            {
                var scope = _scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await scope.ServiceProvider.GetRequiredService<IRelayTaskStore>().AddAsync(task, CancellationToken.None).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // Whatever the store throws, the caller is not charged for a task the gateway cannot follow.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogStoreFailed(_logger, ex, accepted.Id);
                call.Void();
                return new VideoSubmission(null, call.Fail(503, RelayErrorKind.Unavailable, "The gateway could not store the video task; it was not charged. Try again later.", "task_store_unavailable"));
            }

            call.MarkAnswered(200);
            call.Log.Content = $"Video task {task.TaskId} submitted.";
            return new VideoSubmission(task, null);
        }
    }

    /// <summary>Finds a task by its public id, for the key that created it only.</summary>
    /// <param name="token">The caller's key.</param>
    /// <param name="taskId">The public task id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The task, or <see langword="null"/> when there is none or another key created it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is <see langword="null"/>.</exception>
    public async Task<RelayTask?> FindAsync(TokenEntry token, string taskId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(taskId) || taskId.Length > 64)
        {
            return null;
        }

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var task = await scope.ServiceProvider.GetRequiredService<IRelayTaskStore>().FindAsync(taskId, cancellationToken).ConfigureAwait(false);
            return task is not null && task.TokenId == token.Id && task.Platform == RelayTaskPlatforms.Video ? task : null;
        }
    }

    /// <summary>Opens a completed task's content at the upstream that made it.</summary>
    /// <param name="task">The task, completed.</param>
    /// <param name="variant">OpenAI's <c>variant</c> (<c>video</c>, <c>thumbnail</c>, <c>spritesheet</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The upstream's answer, headers read (the caller disposes it and copies its body), or why there is none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is <see langword="null"/>.</exception>
    public async Task<VideoContent> OpenContentAsync(RelayTask task, string? variant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (ChannelOf(_catalog.Current, task.ChannelId) is not { } channel)
        {
            return new VideoContent(null, new RelayError(503, RelayErrorKind.Unavailable, "The channel that made this video is no longer available.", "channel_unavailable"));
        }

        var suffix = variant is null ? "/content" : "/content?variant=" + Uri.EscapeDataString(variant);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(channel.FirstByteTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.Sender.GetAsync(channel, Math.Min(task.KeyIndex, channel.KeyCount - 1), UpstreamVideo.UriOf(channel, task.UpstreamTaskId, suffix), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new VideoContent(null, new RelayError(504, RelayErrorKind.Timeout, "The upstream did not answer in time.", "upstream_timeout"));
        }
        catch (HttpRequestException ex)
        {
            return new VideoContent(null, new RelayError(502, RelayErrorKind.Upstream, Client.RelayKeys.Scrub($"Could not reach the upstream: {ex.Message}", channel.Keys), "upstream_unreachable"));
        }

        timeout.CancelAfter(Timeout.InfiniteTimeSpan); // the headers are in: the body may take as long as the caller reads
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return new VideoContent(response, null);
        }

        response.Dispose();
        return status == 404
            ? new VideoContent(null, new RelayError(404, RelayErrorKind.NotFound, "The upstream no longer has this video's content.", "video_not_found"))
            : new VideoContent(null, new RelayError(502, RelayErrorKind.Upstream, $"The upstream answered the content download with {status}.", $"upstream_{status}"));
    }

    /// <summary>Returns the fixed price per call of the model, by the caller's name first, else the routed name; <see langword="null"/> when it has none.</summary>
    internal static double? FixedPriceOf(ModelPricing pricing, string requestedModel, string routingModel) =>
        pricing.TryResolve(requestedModel, out var price) ? price.FixedPrice : pricing.Resolve(routingModel).FixedPrice;

    /// <summary>Returns the channel with <paramref name="channelId"/> in the current catalog, or <see langword="null"/>.</summary>
    internal static ChannelEntry? ChannelOf(ChannelCatalog catalog, long channelId)
    {
        foreach (var channel in catalog.Channels)
        {
            if (channel.Id == channelId)
            {
                return channel;
            }
        }

        return null;
    }

    private static string NewTaskId() => "video_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    [LoggerMessage(EventId = 2404, Level = LogLevel.Error, Message = "The video task the upstream accepted as {UpstreamId} could not be stored; the caller was not charged.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string upstreamId);
}
