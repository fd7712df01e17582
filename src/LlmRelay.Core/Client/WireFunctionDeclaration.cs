using System.Text.Json;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

/// <summary>A tool declared in an OpenAI request body, handed to a channel's <see cref="IChatClient"/> as a declaration only (it cannot be invoked here).</summary>
internal sealed class WireFunctionDeclaration(Wire.ChatFunctionDefinition definition) : AIFunctionDeclaration
{
    private static readonly JsonElement EmptySchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    public override string Name => definition.Name ?? "";

    public override string Description => definition.Description ?? "";

    public override JsonElement JsonSchema => definition.Parameters ?? EmptySchema;
}
