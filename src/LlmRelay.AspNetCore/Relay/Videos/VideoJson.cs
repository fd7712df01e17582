using System.Globalization;
using System.Text.Json;
using LlmRelay.AspNetCore.Management.Tasks;
using LlmRelay.Tasks;

namespace LlmRelay.AspNetCore.Relay.Videos;

/// <summary>Writes a task in each family's shape: OpenAI's video object, or the generic <c>{"task_id","status",...}</c>.</summary>
internal static class VideoJson
{
    /// <summary>OpenAI: <c>{"id","object":"video","model","status","progress","created_at","completed_at","expires_at","seconds","size","error"}</c>.</summary>
    public static void WriteVideo(Utf8JsonWriter writer, RelayTask task)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, task.TaskId);
        writer.WriteString("object"u8, "video"u8);
        writer.WriteString("model"u8, task.ModelName);
        writer.WriteString("status"u8, TaskStatusNames.NameOf(task.Status));
        writer.WriteNumber("progress"u8, task.Progress);
        writer.WriteNumber("created_at"u8, task.CreatedAt.ToUnixTimeSeconds());
        if (task.Status == RelayTaskStatus.Completed && task.FinishedAt is { } finished)
        {
            writer.WriteNumber("completed_at"u8, finished.ToUnixTimeSeconds());
        }
        else
        {
            writer.WriteNull("completed_at"u8);
        }

        writer.WriteNull("expires_at"u8);
        writer.WriteString("seconds"u8, task.Seconds);
        writer.WriteString("size"u8, task.Size);
        if (task.Status == RelayTaskStatus.Failed)
        {
            writer.WriteStartObject("error"u8);
            writer.WriteString("code"u8, "video_generation_failed"u8);
            writer.WriteString("message"u8, task.FailReason);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("error"u8);
        }

        writer.WriteEndObject();
    }

    /// <summary>The generic create answer: <c>{"task_id","status"}</c>.</summary>
    public static void WriteSubmitted(Utf8JsonWriter writer, RelayTask task)
    {
        writer.WriteStartObject();
        writer.WriteString("task_id"u8, task.TaskId);
        writer.WriteString("status"u8, TaskStatusNames.NameOf(task.Status));
        writer.WriteEndObject();
    }

    /// <summary>The generic status: <c>{"task_id","status","progress","url","format","metadata":{"duration","width","height"},"error"}</c>; <paramref name="contentUrl"/> once completed.</summary>
    public static void WriteGeneration(Utf8JsonWriter writer, RelayTask task, string contentUrl)
    {
        writer.WriteStartObject();
        writer.WriteString("task_id"u8, task.TaskId);
        writer.WriteString("status"u8, TaskStatusNames.NameOf(task.Status));
        writer.WriteNumber("progress"u8, task.Progress);
        if (task.Status == RelayTaskStatus.Completed)
        {
            writer.WriteString("url"u8, contentUrl);
        }

        writer.WriteString("format"u8, "mp4"u8);
        writer.WriteStartObject("metadata"u8);
        if (int.TryParse(task.Seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var duration))
        {
            writer.WriteNumber("duration"u8, duration);
        }

        var x = task.Size.IndexOf('x', StringComparison.Ordinal);
        if (x > 0 && int.TryParse(task.Size.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(task.Size.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var height))
        {
            writer.WriteNumber("width"u8, width);
            writer.WriteNumber("height"u8, height);
        }

        writer.WriteEndObject();
        if (task.Status == RelayTaskStatus.Failed)
        {
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, 1);
            writer.WriteString("message"u8, task.FailReason);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
