using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// The requests each CLI sent to a provider-playing mock, kept in the repository under Agents/Recordings/{cli}-{version}/
/// (our own recordings): <c>NN.request.json</c> holds the body byte for byte, <c>NN.headers.json</c> the method, path and
/// headers, credentials redacted. <see cref="AgentRecordingTests"/> makes them; <see cref="RecordedAgentRequestTests"/> replays them.
/// </summary>
internal static class AgentRecordings
{
    public const string Redacted = "<redacted>";

    /// <summary>Headers holding a credential: kept by name, their value redacted.</summary>
    private static readonly HashSet<string> Secrets = new(["authorization", "x-api-key", "x-goog-api-key", "api-key"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers that belong to one connection, not to the request: not recorded.</summary>
    private static readonly HashSet<string> Transport = new(["host", "content-length", "connection", "accept-encoding"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The folder of <paramref name="cli"/>'s recordings in the source tree.</summary>
    public static string Folder(AgentCli cli)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmRelay.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "LlmRelay.FunctionalTests", "Agents", "Recordings", $"{cli.Name}-{cli.Version}");
            }
        }

        Assert.Skip("The source tree (LlmRelay.sln) is not above the test binaries.");
        return "";
    }

    public static void Save(AgentCli cli, IReadOnlyList<RecordedRequest> requests)
    {
        var folder = Folder(cli);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var headers = new JsonObject();
            foreach (var (name, value) in request.Headers.OrderBy(static h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                if (!Transport.Contains(name))
                {
                    headers[name.ToLowerInvariant()] = Secrets.Contains(name) ? Redacted : value;
                }
            }

            var head = new JsonObject { ["cli"] = $"{cli.Name} {cli.Version}", ["method"] = request.Method, ["path"] = request.PathAndQuery, ["headers"] = headers };
            File.WriteAllText(Path.Combine(folder, $"{i:D2}.headers.json"), head.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            File.WriteAllBytes(Path.Combine(folder, $"{i:D2}.request.json"), request.Body);
        }
    }

    /// <summary>The recorded requests of <paramref name="cli"/>, in order.</summary>
    public static IReadOnlyList<RecordedRequest> Load(AgentCli cli)
    {
        var folder = Folder(cli);
        var requests = new List<RecordedRequest>();
        foreach (var file in Directory.GetFiles(folder, "*.headers.json").Order(StringComparer.Ordinal))
        {
            var head = JsonNode.Parse(File.ReadAllText(file))!;
            var headers = head["headers"]!.AsObject().ToDictionary(static h => h.Key, static h => h.Value!.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
            var body = File.ReadAllBytes(file.Replace(".headers.json", ".request.json", StringComparison.Ordinal));
            requests.Add(new RecordedRequest(head["method"]!.GetValue<string>(), head["path"]!.GetValue<string>(), headers, body));
        }

        Assert.True(requests.Count > 0, $"No recorded requests in {folder}; record them with LLMRELAY_AGENT_RECORD=1 (see AgentRecordingTests).");
        return requests;
    }
}
