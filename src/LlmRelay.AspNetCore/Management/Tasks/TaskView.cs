using LlmRelay.Tasks;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>A task row as the task-log routes show it (new-api's task fields); <c>null</c> fields are left out (the channel for non-admins).</summary>
internal sealed record TaskView(
    long Id,
    long CreatedAt,
    long UpdatedAt,
    string TaskId,
    string Platform,
    long UserId,
    long TokenId,
    string TokenName,
    long? ChannelId,
    string? UpstreamTaskId,
    string ModelName,
    string Action,
    string Status,
    string FailReason,
    long SubmitTime,
    long FinishTime,
    int Progress,
    long Quota,
    string Seconds,
    string Size)
{
    /// <summary>Builds the view; <paramref name="admin"/> adds the channel and the upstream's id.</summary>
    public static TaskView From(RelayTask task, bool admin) => new(
        task.Id,
        task.CreatedAt.ToUnixTimeSeconds(),
        task.UpdatedAt.ToUnixTimeSeconds(),
        task.TaskId,
        task.Platform,
        task.UserId,
        task.TokenId,
        task.TokenName,
        admin ? task.ChannelId : null,
        admin ? task.UpstreamTaskId : null,
        task.ModelName,
        task.Action,
        TaskStatusNames.NameOf(task.Status),
        task.FailReason,
        task.CreatedAt.ToUnixTimeSeconds(),
        task.FinishedAt?.ToUnixTimeSeconds() ?? 0,
        task.Progress,
        task.Quota,
        task.Seconds,
        task.Size);
}
