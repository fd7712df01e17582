using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Channel groups (admin): a group exists while a channel or the GroupRatio option names it; renaming and deleting edit those channels through the channel API.</summary>
internal static partial class DashboardEndpoints
{
    private const string GroupRatioOption = "GroupRatio";

    private static void MapGroups(Routes pages)
    {
        pages.Get("/groups", r => RenderGroupsAsync(r, StatusCodes.Status200OK));
        pages.Post("/groups/add", async (r, form) =>
        {
            var name = form["name"].ToString().Trim();
            var result = await EditGroupRatioAsync(r, ratios =>
            {
                if (name.Length == 0 || name.Contains(',', StringComparison.Ordinal))
                {
                    return "Field 'name' must be a non-empty group name without commas.";
                }

                if (ratios.ContainsKey(name))
                {
                    return $"Field 'name': a group named '{name}' exists.";
                }

                ratios[name] = 1;
                return null;
            }).ConfigureAwait(false);
            return await GroupResultAsync(r, result).ConfigureAwait(false);
        });
        pages.Post("/groups/rename", async (r, form) =>
        {
            var from = form["name"].ToString();
            var to = form["new_name"].ToString().Trim();
            if (to.Length == 0 || to.Contains(',', StringComparison.Ordinal))
            {
                return await GroupResultAsync(r, new ApiResponse(StatusCodes.Status400BadRequest, false, "Field 'new_name' must be a non-empty group name without commas.", default)).ConfigureAwait(false);
            }

            var result = await ReplaceGroupInChannelsAsync(r, from, to).ConfigureAwait(false);
            if (result.Success)
            {
                result = await EditGroupRatioAsync(r, ratios =>
                {
                    if (ratios.Remove(from, out var ratio))
                    {
                        ratios[to] = ratio;
                    }

                    return null;
                }, optional: true).ConfigureAwait(false);
            }

            return await GroupResultAsync(r, result).ConfigureAwait(false);
        });
        pages.Post("/groups/delete", async (r, form) =>
        {
            var name = form["name"].ToString();
            var result = await ReplaceGroupInChannelsAsync(r, name, null).ConfigureAwait(false);
            if (result.Success)
            {
                result = await EditGroupRatioAsync(r, ratios =>
                {
                    ratios.Remove(name);
                    return null;
                }, optional: true).ConfigureAwait(false);
            }

            return await GroupResultAsync(r, result).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> GroupResultAsync(DashboardRequest r, ApiResponse result)
    {
        if (result.Success)
        {
            return r.Redirect("/groups", "saved");
        }

        r.State.Fail("group", result, "name");
        return await RenderGroupsAsync(r, result.Status).ConfigureAwait(false);
    }

    private static async Task<List<JsonElement>> AllChannelsAsync(DashboardRequest r)
    {
        var all = new List<JsonElement>();
        for (var page = 1; page <= 100; page++)
        {
            var result = await r.Api.GetAsync($"/api/channel/?p={page}&page_size=100").ConfigureAwait(false);
            all.AddRange(result.Items);
            if (!result.Success || result.Items.Count < 100)
            {
                break;
            }
        }

        return all;
    }

    private static string[] GroupsOf(JsonElement channel) => J.Str(channel, "group").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Renames (<paramref name="to"/> set) or removes a group from every channel through <c>PUT /api/channel/</c>; a channel left without a group goes to "default".</summary>
    private static async Task<ApiResponse> ReplaceGroupInChannelsAsync(DashboardRequest r, string from, string? to)
    {
        foreach (var channel in await AllChannelsAsync(r).ConfigureAwait(false))
        {
            var groups = GroupsOf(channel);
            if (!groups.Contains(from, StringComparer.Ordinal))
            {
                continue;
            }

            var next = groups.Select(g => g == from ? to : g).Where(static g => g is not null).Distinct(StringComparer.Ordinal).ToList();
            var result = await r.Api.PutAsync("/api/channel/", new { id = J.Long(channel, "id"), group = next.Count == 0 ? "default" : string.Join(',', next) }).ConfigureAwait(false);
            if (!result.Success)
            {
                return result;
            }
        }

        return new ApiResponse(StatusCodes.Status200OK, true, "", default);
    }

    /// <summary>Changes the GroupRatio option through <c>GET/PUT /api/option/</c> (root only; the API refuses others).</summary>
    private static async Task<ApiResponse> EditGroupRatioAsync(DashboardRequest r, Func<Dictionary<string, double>, string?> edit, bool optional = false)
    {
        var options = await r.Api.GetAsync("/api/option/").ConfigureAwait(false);
        if (!options.Success)
        {
            return optional ? new ApiResponse(StatusCodes.Status200OK, true, "", default) : options;
        }

        var raw = options.Items.FirstOrDefault(static o => J.Str(o, "key") == GroupRatioOption);
        var ratios = new Dictionary<string, double>(StringComparer.Ordinal);
        if (raw.ValueKind == JsonValueKind.Object && J.Str(raw, "value") is { Length: > 0 } text)
        {
            try
            {
                ratios = JsonSerializer.Deserialize<Dictionary<string, double>>(text) ?? ratios;
            }
            catch (JsonException)
            {
            }
        }

        var before = JsonSerializer.Serialize(ratios);
        if (edit(ratios) is { } error)
        {
            return new ApiResponse(StatusCodes.Status400BadRequest, false, error, default);
        }

        return before == JsonSerializer.Serialize(ratios)
            ? new ApiResponse(StatusCodes.Status200OK, true, "", default)
            : await r.Api.PutAsync("/api/option/", new { key = GroupRatioOption, value = JsonSerializer.Serialize(ratios) }).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderGroupsAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "groups";
        var channels = await AllChannelsAsync(r).ConfigureAwait(false);
        var names = (await r.Api.GetAsync("/api/group/").ConfigureAwait(false)).Items
            .Select(static g => g.GetString() ?? "").Where(static g => g.Length > 0).ToList();
        var summaries = names.Select(name =>
        {
            var members = channels.Where(c => GroupsOf(c).Contains(name, StringComparer.Ordinal)).ToList();
            return new GroupSummary(name, members.Count, members.Count(static c => J.Long(c, "status") == 1));
        }).ToList();
        var selected = r.Context.Request.Query["name"].ToString();
        var inGroup = selected.Length > 0 ? channels.Where(c => GroupsOf(c).Contains(selected, StringComparer.Ordinal)).ToList() : [];
        return await DashboardRenderer.RenderAsync<GroupsPage>(r.Context, r.Parameters(
            ("Groups", summaries), ("Selected", selected.Length > 0 ? selected : null), ("Channels", inGroup)), status).ConfigureAwait(false);
    }
}
