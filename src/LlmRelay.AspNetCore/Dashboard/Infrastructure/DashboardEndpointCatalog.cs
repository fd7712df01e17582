using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Finds the management API endpoint (and its route values) for a method and an <c>/api/...</c> path, among the endpoints <c>MapLlmRelay()</c> mapped.</summary>
internal sealed class DashboardEndpointCatalog
{
    private readonly Lazy<RouteEndpoint[]> _endpoints;

    public DashboardEndpointCatalog(IEndpointRouteBuilder group)
    {
        _endpoints = new Lazy<RouteEndpoint[]>(() => [.. group.DataSources
            .SelectMany(static source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(static e => e.RequestDelegate is not null)
            .OrderByDescending(static e => e.RoutePattern.PathSegments.Count(static s => s.IsSimple && s.Parts[0].IsLiteral))]);
    }

    public bool TryMatch(string method, string path, out RouteEndpoint endpoint, out Dictionary<string, object?> values)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var candidate in _endpoints.Value)
        {
            var methods = candidate.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is null || !methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (Match(candidate.RoutePattern, segments, out values))
            {
                endpoint = candidate;
                return true;
            }
        }

        endpoint = null!;
        values = [];
        return false;
    }

    private static bool Match(RoutePattern pattern, string[] segments, out Dictionary<string, object?> values)
    {
        values = [];
        var patternSegments = pattern.PathSegments;
        var offset = patternSegments.Count - segments.Length;
        if (offset < 0 || segments.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < segments.Length; i++)
        {
            var segment = patternSegments[offset + i];
            if (!segment.IsSimple)
            {
                return false;
            }

            switch (segment.Parts[0])
            {
                case RoutePatternLiteralPart literal when string.Equals(literal.Content, segments[i], StringComparison.OrdinalIgnoreCase):
                    break;
                case RoutePatternParameterPart parameter when Accepts(parameter, segments[i]):
                    values[parameter.Name] = Uri.UnescapeDataString(segments[i]);
                    break;
                default:
                    return false;
            }
        }

        // The first matched segment must be the API's own "api" literal, so a route under another prefix never matches.
        return patternSegments[offset].Parts[0] is RoutePatternLiteralPart { Content: "api" };
    }

    private static bool Accepts(RoutePatternParameterPart parameter, string value) =>
        parameter.ParameterPolicies.All(policy => policy.Content switch
        {
            "long" => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "int" => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            _ => true,
        });
}
