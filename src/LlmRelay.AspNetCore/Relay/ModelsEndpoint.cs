using System.Text.Json;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Lists the models the calling key may use, in OpenAI's, Anthropic's or Gemini's shape.</summary>
/// <remarks>
/// <c>GET /v1/models</c> picks the shape from the request: <c>x-api-key</c> with <c>anthropic-version</c> means an
/// Anthropic client; <c>x-goog-api-key</c> or <c>?key=</c> means a Gemini client; anything else gets OpenAI's list.
/// </remarks>
internal sealed class ModelsEndpoint(GatewayKeyGate gateway, ChannelCatalogProvider catalog)
{
    internal enum Shape
    {
        OpenAI,
        Anthropic,
        Gemini,
    }

    public Task ListAsync(HttpContext context) => ListAsync(context, ShapeOf(context.Request));

    public async Task ListAsync(HttpContext context, Shape shape)
    {
        // Refusals take the shape of the endpoint's RelayErrorWriter metadata, or for GET /v1/models that of ShapeOf.
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var current = catalog.Current;
        var models = current.ModelsOf(token.Group).Where(token.AllowsModel).ToList();
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
                        WriteOpenAIModel(writer, current, token.Group, model);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    break;
            }
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers <c>GET /v1/models/{id}</c>: the model object when the key may use a model of that name (aliases included), else 404.</summary>
    public async Task GetAsync(HttpContext context, string id)
    {
        var token = await gateway.AuthenticateAsync(context).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        var current = catalog.Current;
        if (!token.AllowsModel(id) || !current.Contains(token.Group, id))
        {
            await RelayErrorWriter.OpenAI.WriteAsync(context, 404, RelayErrorKind.NotFound, $"The model '{id}' does not exist or you do not have access to it.", "model_not_found", "model").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            WriteOpenAIModel(writer, current, token.Group, id);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
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
