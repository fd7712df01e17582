using System.Text.Json;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Channels;
using LlmRelay.Pipeline;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Lists the models the calling key may use, in OpenAI's, Anthropic's or Gemini's shape.</summary>
/// <remarks>
/// <c>GET /v1/models</c> picks the shape from the request: <c>x-api-key</c> with <c>anthropic-version</c> means an
/// Anthropic client; <c>x-goog-api-key</c> or <c>?key=</c> means a Gemini client; anything else gets OpenAI's list.
/// <c>GET /v1/models/{id}</c> and <c>GET /anthropic/v1/models</c> are public (endpoints.tsv, seed-ds2api.md): without a
/// key they answer for the <c>default</c> group, the group a new key gets; with a key, for what that key may use (a
/// refused key is still refused, so a caller learns its key is wrong).
/// </remarks>
internal sealed class ModelsEndpoint(GatewayKeyGate gateway, ChannelCatalogProvider catalog, ModelResolver resolver)
{
    internal enum Shape
    {
        OpenAI,
        Anthropic,
        Gemini,
    }

    public Task ListAsync(HttpContext context) => ListAsync(context, ShapeOf(context.Request));

    public async Task ListAsync(HttpContext context, Shape shape, bool keyOptional = false)
    {
        // Refusals take the shape of the endpoint's RelayErrorWriter metadata, or for GET /v1/models that of ShapeOf.
        var (refused, token) = await CallerAsync(context, keyOptional).ConfigureAwait(false);
        if (refused)
        {
            return;
        }

        var current = catalog.Current;
        var group = token?.Group ?? RelayGroups.Default;
        var models = current.ModelsOf(group).Where(model => token is null || token.AllowsModel(model)).ToList();
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            switch (shape)
            {
                case Shape.Anthropic:
                    writer.WriteStartObject();
                    writer.WriteStartArray("data"u8);
                    foreach (var model in models)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("type"u8, "model"u8);
                        writer.WriteString("id"u8, model);
                        writer.WriteString("display_name"u8, model);
                        writer.WriteString("created_at"u8, "1970-01-01T00:00:00Z"u8);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteBoolean("has_more"u8, false);
                    WriteNullableString(writer, "first_id"u8, models.Count > 0 ? models[0] : null);
                    WriteNullableString(writer, "last_id"u8, models.Count > 0 ? models[^1] : null);
                    writer.WriteEndObject();
                    break;
                case Shape.Gemini:
                    writer.WriteStartObject();
                    writer.WriteStartArray("models"u8);
                    foreach (var model in models)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name"u8, "models/" + model);
                        writer.WriteString("displayName"u8, model);
                        writer.WriteStartArray("supportedGenerationMethods"u8);
                        writer.WriteStringValue("generateContent"u8);
                        writer.WriteStringValue("streamGenerateContent"u8);
                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteStartObject();
                    writer.WriteString("object"u8, "list"u8);
                    writer.WriteStartArray("data"u8);
                    foreach (var model in models)
                    {
                        WriteOpenAIModel(writer, current, group, model);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    break;
            }
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers <c>GET /v1/models/{id}</c>: the object of the model <paramref name="id"/> resolves to (aliases and families included) when the caller may use it, else 404.</summary>
    /// <remarks>Public: without a key it answers for the default group. As in seed-ds2api.md, an alias answers with the model it resolves to.</remarks>
    public async Task GetAsync(HttpContext context, string id)
    {
        var (refused, token) = await CallerAsync(context, keyOptional: true).ConfigureAwait(false);
        if (refused)
        {
            return;
        }

        var current = catalog.Current;
        var group = token?.Group ?? RelayGroups.Default;
        var resolved = resolver.Resolve(group, id);
        // The same allow-list rule as a relayed call (RelayPipeline.BeginAsync): the name asked for or the one it resolves to.
        if ((token is not null && !token.AllowsModel(id) && !token.AllowsModel(resolved)) || !current.Contains(group, resolved))
        {
            await RelayErrorWriter.OpenAI.WriteAsync(context, 404, RelayErrorKind.NotFound, $"The model '{id}' does not exist or you do not have access to it.", "model_not_found", "model").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            WriteOpenAIModel(writer, current, group, resolved);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    // A public route authenticates a key only when one is presented; a route that needs a key always does.
    private async ValueTask<(bool Refused, TokenEntry? Token)> CallerAsync(HttpContext context, bool keyOptional)
    {
        if (keyOptional && GatewayKeyReader.Read(context.Request) is null)
        {
            return (false, null); // No key: no allow-list, the default group.
        }

        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        return (token is null, token);
    }

    internal static Shape ShapeOf(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.ContainsKey("anthropic-version") && headers.ContainsKey("x-api-key"))
        {
            return Shape.Anthropic;
        }

        return headers.ContainsKey("x-goog-api-key") || (request.Query.ContainsKey("key") && !headers.ContainsKey("Authorization"))
            ? Shape.Gemini
            : Shape.OpenAI;
    }

    internal static RelayErrorWriter ErrorsFor(Shape shape) => shape switch
    {
        Shape.Anthropic => RelayErrorWriter.Anthropic,
        Shape.Gemini => RelayErrorWriter.Gemini,
        _ => RelayErrorWriter.OpenAI,
    };

    private static void WriteOpenAIModel(Utf8JsonWriter writer, ChannelCatalog catalog, string group, string model)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, model);
        writer.WriteString("object"u8, "model"u8);
        writer.WriteNumber("created"u8, 0);
        writer.WriteString("owned_by"u8, OwnerOf(catalog, group, model));
        writer.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static string OwnerOf(ChannelCatalog catalog, string group, string model) => catalog.ChannelTypeOf(group, model) ?? "llmrelay";
}
