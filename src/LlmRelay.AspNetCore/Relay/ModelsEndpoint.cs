using System.Text.Json;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Answers <c>GET /v1/models</c> with the models the calling key may use, in OpenAI's list shape.</summary>
internal sealed class ModelsEndpoint(TokenCache tokens, ChannelCatalogProvider catalog)
{
    public async Task HandleAsync(HttpContext context)
    {
        var key = GatewayKeyReader.Read(context.Request);
        var token = key is null ? null : await tokens.FindAsync(key, context.RequestAborted).ConfigureAwait(false);
        if (token is null || token.Status == TokenStatus.Disabled)
        {
            await OpenAIErrors.WriteAsync(context, 401, key is null ? "You didn't provide an API key." : $"Incorrect API key provided: {ApiKeys.Mask(key)}.", OpenAIErrors.Authentication, "invalid_api_key").ConfigureAwait(false);
            return;
        }

        var current = catalog.Current;
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list"u8);
            writer.WriteStartArray("data"u8);
            foreach (var model in current.ModelsOf(token.Group))
            {
                if (!token.AllowsModel(model))
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("id"u8, model);
                writer.WriteString("object"u8, "model"u8);
                writer.WriteNumber("created"u8, 0);
                writer.WriteString("owned_by"u8, OwnerOf(current, token.Group, model));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static string OwnerOf(ChannelCatalog catalog, string group, string model)
    {
        var tiers = catalog.Find(group, model);
        return tiers is { Length: > 0 } && tiers[0].Channels.Length > 0 ? tiers[0].Channels[0].Type : "llmrelay";
    }
}
