using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// What the scripted upstream answers a coding agent, decided from the request the upstream received (in whatever
/// family the gateway converted it to), never from the test's expectations:
/// <list type="bullet">
/// <item>the request carries a tool's output holding a marker (<see cref="MarkerPattern"/>): a text quoting it;</item>
/// <item>the prompt names a notes file (<see cref="NotesFile"/>): a call to the agent's own file-read or shell tool,
///       chosen among the tools the request offers, its arguments built from that tool's schema;</item>
/// <item>otherwise: <see cref="PlainAnswer"/>.</item>
/// </list>
/// </summary>
internal static partial class AgentScript
{
    /// <summary>The file the tool round trip reads; its content is a fresh marker the upstream can only learn through the tool.</summary>
    public const string NotesFile = "agent-notes.txt";

    /// <summary>The answer to a prompt that asks for no tool.</summary>
    public const string PlainAnswer = "Plain answer relayed by LlmRelay.";

    /// <summary>Tools an agent offers for reading a file, in order of preference: Claude Code's Read, Gemini CLI's read_file, Codex's exec_command.</summary>
    private static readonly string[] ReadingTools = ["Read", "read_file", "exec_command", "shell", "Bash", "run_shell_command"];

    [GeneratedRegex("LLMRELAY-MARKER-[0-9a-f]{32}")]
    public static partial Regex MarkerPattern();

    [GeneratedRegex("""(/[^\s"'\\`]*/agent-notes\.txt)""")]
    private static partial Regex NotesPath();

    /// <summary>The answer when the request carries <paramref name="marker"/>.</summary>
    public static string Quote(string marker) => $"The notes file says {marker}.";

    /// <summary>Decides the next turn from the request's text (the raw body, or the chat client's messages) and the tools it offers.</summary>
    public static AgentTurn Decide(string requestText, IReadOnlyList<(string Name, JsonNode? Schema)> tools)
    {
        var marker = MarkerPattern().Match(requestText);
        if (marker.Success)
        {
            return AgentTurn.Answer(Quote(marker.Value));
        }

        var path = NotesPath().Match(requestText);
        if (!path.Success)
        {
            return AgentTurn.Answer(PlainAnswer);
        }

        foreach (var name in ReadingTools)
        {
            foreach (var (toolName, schema) in tools)
            {
                if (toolName == name)
                {
                    return AgentTurn.Call(toolName, Arguments(schema, path.Groups[1].Value));
                }
            }
        }

        return AgentTurn.Answer($"No file-reading tool among: {string.Join(", ", tools.Select(static t => t.Name))}");
    }

    /// <summary>The tools a request offers, in any of the four wire families.</summary>
    public static IReadOnlyList<(string Name, JsonNode? Schema)> Tools(JsonNode? body)
    {
        var tools = new List<(string, JsonNode?)>();
        foreach (var tool in body?["tools"]?.AsArray() ?? [])
        {
            if (tool?["functionDeclarations"] is JsonArray declarations)
            {
                // Gemini: tools[].functionDeclarations[] with parameters or parametersJsonSchema.
                foreach (var declaration in declarations)
                {
                    tools.Add((declaration!["name"]!.GetValue<string>(), declaration["parametersJsonSchema"] ?? declaration["parameters"]));
                }
            }
            else if (tool?["function"] is JsonObject function)
            {
                tools.Add((function["name"]!.GetValue<string>(), function["parameters"])); // OpenAI Chat Completions
            }
            else if (tool?["name"] is JsonValue name)
            {
                tools.Add((name.GetValue<string>(), tool["input_schema"] ?? tool["parameters"])); // Anthropic; OpenAI Responses
            }
        }

        return tools;
    }

    /// <summary>The arguments that read <paramref name="path"/> with a tool of <paramref name="schema"/>: a path property, else a shell command.</summary>
    private static string Arguments(JsonNode? schema, string path)
    {
        var properties = schema?["properties"] as JsonObject;
        foreach (var name in (string[])["file_path", "absolute_path", "path"])
        {
            if (properties?.ContainsKey(name) == true)
            {
                return new JsonObject { [name] = path }.ToJsonString();
            }
        }

        var command = properties?.ContainsKey("cmd") == true ? "cmd" : "command";
        JsonNode value = properties?[command]?["type"]?.GetValue<string>() == "array"
            ? new JsonArray("cat", path)
            : JsonValue.Create("cat " + path);
        return new JsonObject { [command] = value }.ToJsonString();
    }
}
