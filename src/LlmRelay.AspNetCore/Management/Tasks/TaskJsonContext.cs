using System.Text.Json.Serialization;
using LlmRelay.AspNetCore.Management.Infrastructure;

namespace LlmRelay.AspNetCore.Management.Tasks;

/// <summary>Source-generated JSON metadata for the task-log routes, with the options of <see cref="ManagementJsonContext"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(PageView<TaskView>))]
internal sealed partial class TaskJsonContext : JsonSerializerContext;
