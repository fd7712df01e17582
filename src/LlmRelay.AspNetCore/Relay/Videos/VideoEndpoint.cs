using System.Text.Json;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Management.Tasks;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Configuration;
using LlmRelay.Pipeline;
using LlmRelay.Tasks;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay.Videos;

/// <summary>The video routes (issue #17): create through the relay pipeline, read the stored task, stream the content from the upstream.</summary>
/// <remarks>
/// <code>
/// POST /v1/videos, /v1/video/generations ─► key ─► body checked (400, nothing sent) ─► VideoTaskRelay.CreateAsync
///   (reserve the model's price, select, POST {channel}/videos, fail over, store the task, charge) ─► the family's answer
/// GET /v1/videos/{id}, /v1/video/generations/{id} ─► the stored task (RelayTaskPoller keeps it current), the creating key only
/// GET /v1/videos/{id}/content ─► completed? ─► GET {channel}/videos/{upstream id}/content, streamed through
/// </code>
/// Every error is OpenAI's shape. A task of another key is answered 404, as one that does not exist.
/// </remarks>
internal sealed class VideoEndpoint(GatewayKeyGate gateway, VideoTaskRelay videos, IOptions<LlmRelayOptions> options, TimeProvider time)
{
    private const int CopyBufferSize = 64 * 1024;
    private static readonly RelayErrorWriter Errors = RelayErrorWriter.OpenAI;

    private readonly LlmRelayOptions _options = options.Value;

    public async Task CreateAsync(HttpContext context, VideoFamily family)
    {
        var started = time.GetTimestamp();
        if (await AuthenticateAsync(context).ConfigureAwait(false) is not { } token)
        {
            return;
        }

        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "";
        VideoTaskRequest? request;
        VideoRequestReader.Failure? failure;
        if (context.Request.ContentLength > _options.MaxRequestBodySize)
        {
            await Errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
            return;
        }

        if (family == VideoFamily.OpenAI && context.Request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
            {
                await Errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, $"The form could not be read: {ex.Message}", "invalid_form").ConfigureAwait(false);
                return;
            }

            (request, failure) = VideoRequestReader.FromForm(form, ip, context.TraceIdentifier);
        }
        else
        {
            using var body = new PooledBufferWriter();
            if (!await BodyReader.ReadRequestAsync(context, body, _options.MaxRequestBodySize).ConfigureAwait(false))
            {
                await Errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
                return;
            }

            (request, failure) = VideoRequestReader.FromJson(body.WrittenSpan, family, ip, context.TraceIdentifier);
        }

        if (failure is not null)
        {
            await Errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, failure.Message, "invalid_request", failure.Param).ConfigureAwait(false);
            return;
        }

        context.Response.Headers[RelayEndpoint.RequestIdHeader] = context.TraceIdentifier;
        var (task, error) = await videos.CreateAsync(token, request!, started, context.RequestAborted).ConfigureAwait(false);
        if (task is null)
        {
            await WriteErrorAsync(context, error!).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, task, family == VideoFamily.OpenAI ? VideoJson.WriteVideo : VideoJson.WriteSubmitted).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context, string id, VideoFamily family)
    {
        if (await FindAsync(context, id).ConfigureAwait(false) is not { } task)
        {
            return;
        }

        if (family == VideoFamily.OpenAI)
        {
            await WriteJsonAsync(context, task, VideoJson.WriteVideo).ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}/v1/videos/{Uri.EscapeDataString(task.TaskId)}/content";
        await WriteJsonAsync(context, task, (writer, t) => VideoJson.WriteGeneration(writer, t, url)).ConfigureAwait(false);
    }

    public async Task ContentAsync(HttpContext context, string id)
    {
        if (await FindAsync(context, id).ConfigureAwait(false) is not { } task)
        {
            return;
        }

        var variant = context.Request.Query["variant"].ToString();
        if (variant.Length > 0 && variant is not ("video" or "thumbnail" or "spritesheet"))
        {
            await Errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, "variant must be video, thumbnail or spritesheet.", "invalid_request", "variant").ConfigureAwait(false);
            return;
        }

        if (task.Status != RelayTaskStatus.Completed)
        {
            await Errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, $"The video is {TaskStatusNames.NameOf(task.Status)}; its content can be downloaded once it is completed.", "video_not_ready").ConfigureAwait(false);
            return;
        }

        var (response, error) = await videos.OpenContentAsync(task, variant.Length > 0 ? variant : null, context.RequestAborted).ConfigureAwait(false);
        if (response is null)
        {
            await WriteErrorAsync(context, error!).ConfigureAwait(false);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "video/mp4";
            if (response.Content.Headers.ContentLength is { } length)
            {
                context.Response.ContentLength = length;
            }

            try
            {
                var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.CopyToAsync(context.Response.Body, CopyBufferSize, context.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
            {
                context.Abort(); // the caller left, or the upstream broke off mid-file: a truncated body must not look complete
            }
        }
    }

    private async Task<RelayTask?> FindAsync(HttpContext context, string id)
    {
        if (await AuthenticateAsync(context).ConfigureAwait(false) is not { } token)
        {
            return null;
        }

        var task = await videos.FindAsync(token, id, context.RequestAborted).ConfigureAwait(false);
        if (task is null)
        {
            await Errors.WriteAsync(context, 404, RelayErrorKind.NotFound, $"No video task '{id}' was found for this API key.", "video_not_found", "task_id").ConfigureAwait(false);
        }

        return task;
    }

    private async Task<TokenEntry?> AuthenticateAsync(HttpContext context)
    {
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is not null && !videos.IsAvailable)
        {
            await Errors.WriteAsync(context, 501, RelayErrorKind.InvalidRequest, "Video tasks need the database stores (AddEntityFrameworkStores()); this gateway has none.", "tasks_not_supported").ConfigureAwait(false);
            return null;
        }

        return token;
    }

    private static Task WriteErrorAsync(HttpContext context, RelayError error) =>
        error.Status == 499 ? Task.CompletedTask : Errors.WriteAsync(context, error.Status, error.Kind, error.Message, error.Code, error.Param);

    private static async Task WriteJsonAsync(HttpContext context, RelayTask task, Action<Utf8JsonWriter, RelayTask> write)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            write(writer, task);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
