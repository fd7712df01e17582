using System.Buffers;
using System.IO.Pipelines;
using LlmRelay.AspNetCore.Internal;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Reads a whole body into a pooled buffer, stopping at a size limit.</summary>
internal static class BodyReader
{
    /// <summary>Reads the request body to the end, enforcing <paramref name="limit"/> while reading (chunked bodies included); <see langword="false"/> when it is larger.</summary>
    /// <remarks>The server's own limit is set to <paramref name="limit"/> for this request (see <see cref="RequestBodyLimit"/>), so neither fires first with a throw.</remarks>
    public static async ValueTask<bool> ReadRequestAsync(HttpContext context, PooledBufferWriter output, long limit)
    {
        RequestBodyLimit.Apply(context, limit);
        if (context.Request.ContentLength > limit)
        {
            return false;
        }

        try
        {
            return await ReadAsync(context.Request.BodyReader, output, limit, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (RequestBodyLimit.IsTooLarge(e))
        {
            return false;
        }
    }

    /// <summary>Reads <paramref name="reader"/> to the end; returns <see langword="false"/> when the body exceeds <paramref name="limit"/>.</summary>
    public static async ValueTask<bool> ReadAsync(PipeReader reader, PooledBufferWriter output, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (output.WrittenCount + buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return false;
            }

            foreach (var segment in buffer)
            {
                output.Write(segment.Span);
            }

            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return true;
            }
        }
    }

    /// <summary>Reads <paramref name="stream"/> to the end; returns <see langword="false"/> when it exceeds <paramref name="limit"/>.</summary>
    public static async ValueTask<bool> ReadAsync(Stream stream, PooledBufferWriter output, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = output.GetMemory(8192);
            var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            output.Advance(read);
            if (output.WrittenCount > limit)
            {
                return false;
            }
        }
    }
}
