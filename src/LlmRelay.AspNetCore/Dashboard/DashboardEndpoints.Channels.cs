using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Channels (admin): list, create/edit (multi-key, mapping, priority, weight, tag), test, enable/disable.</summary>
internal static partial class DashboardEndpoints
{
    private const int ChannelPageSize = 20;
    private const UserRole AdminRole = UserRole.Admin;
    private const UserRole RootRole = UserRole.Root;

    private static readonly string[] ChannelFields = ["name", "type", "base_url", "models", "group", "priority", "weight", "tag", "key", "model_mapping"];

    private static void MapChannels(Routes pages)
    {
        pages.Get("/channels", r => RenderChannelsAsync(r, StatusCodes.Status200OK));
        pages.Get("/channels/edit", async r =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var id = LongOrNull(r.Context.Request.Query["id"]);
            JsonElement channel = default;
            if (id is not null)
            {
                var found = await r.Api.GetAsync("/api/channel/" + id).ConfigureAwait(false);
                if (!found.Success)
                {
                    return r.Redirect("/channels");
                }

                channel = found.Data;
            }

            return await RenderChannelEditAsync(r, channel, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/channels/save", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var id = LongOrNull(form["id"]) ?? 0;
            var (mapping, mappingError) = ParseMapping(form["model_mapping"].ToString());
            var fields = new Dictionary<string, object?>
            {
                ["name"] = form["name"].ToString(),
                ["type"] = form["type"].ToString(),
                ["base_url"] = form["base_url"].ToString().Trim(),
                ["models"] = form["models"].ToString(),
                ["group"] = form["group"].ToString(),
                ["priority"] = NumberOrText(form, "priority"),
                ["weight"] = NumberOrText(form, "weight"),
                ["tag"] = form["tag"].ToString(),
                ["model_mapping"] = mapping,
            };
            var key = form["key"].ToString().Replace("\r", "", StringComparison.Ordinal).Trim();
            if (key.Length > 0 || id == 0)
            {
                fields["key"] = key;
            }

            ApiResponse result;
            if (mappingError is not null)
            {
                result = new ApiResponse(StatusCodes.Status400BadRequest, false, mappingError, default);
            }
            else if (id == 0)
            {
                var keys = key.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                result = await r.Api.PostAsync("/api/channel/", new Dictionary<string, object?> { ["mode"] = keys.Length > 1 ? "multi_to_single" : "single", ["channel"] = fields }).ConfigureAwait(false);
            }
            else
            {
                fields["id"] = id;
                result = await r.Api.PutAsync("/api/channel/", fields).ConfigureAwait(false);
            }

            if (!result.Success)
            {
                r.State.Fail("channel", result, ChannelFields);
                JsonElement channel = default;
                if (id != 0)
                {
                    channel = (await r.Api.GetAsync("/api/channel/" + id).ConfigureAwait(false)).Data;
                }

                return await RenderChannelEditAsync(r, channel, result.Status).ConfigureAwait(false);
            }

            return r.Redirect("/channels", "saved");
        });
        pages.Post("/channels/test", async (r, form) =>
        {
            var result = await r.Api.GetAsync("/api/channel/test/" + LongOrNull(form["id"])).ConfigureAwait(false);
            if (result.Success)
            {
                var time = result.Data.ValueKind == JsonValueKind.Object ? J.Long(result.Data, "time_ms") + J.Long(result.Data, "response_time") : 0;
                return r.Redirect("/channels", "test_ok", time);
            }

            r.State.Fail("channel", result);
            return await RenderChannelsAsync(r, result.Status).ConfigureAwait(false);
        });
        pages.Post("/channels/status", async (r, form) =>
        {
            var result = await r.Api.PutAsync("/api/channel/", new { id = NumberOrText(form, "id"), status = NumberOrText(form, "status") }).ConfigureAwait(false);
            if (result.Success)
            {
                return r.Redirect("/channels", "saved");
            }

            r.State.Fail("channel", result);
            return await RenderChannelsAsync(r, result.Status).ConfigureAwait(false);
        });
    }

    /// <summary>Reads "requested=upstream" lines (or a JSON object) into a map.</summary>
    private static (Dictionary<string, string> Map, string? Error) ParseMapping(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        text = text.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                return (JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? map, null);
            }
            catch (JsonException)
            {
                return (map, "Field 'model_mapping' must be a JSON object of strings or requested=upstream lines.");
            }
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == line.Length - 1)
            {
                return (map, $"Field 'model_mapping': line '{line}' is not requested=upstream.");
            }

            map[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return (map, null);
    }

    private static async Task<IResult> RenderChannelsAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "channels";
        var page = PageOf(r.Context);
        var channels = await r.Api.GetAsync($"/api/channel/?p={page}&page_size={ChannelPageSize}").ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<ChannelsPage>(r.Context, r.Parameters(
            ("Channels", channels.Items), ("Page", page), ("PageSize", ChannelPageSize), ("Total", channels.Total)), status).ConfigureAwait(false);
    }

    private static Task<IResult> RenderChannelEditAsync(DashboardRequest r, JsonElement channel, int status)
    {
        r.State.Active = "channels";
        return DashboardRenderer.RenderAsync<ChannelEditPage>(r.Context, r.Parameters(("Channel", channel)), status);
    }
}
