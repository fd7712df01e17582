using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.ToolCalls;

/// <summary>
/// Recognises tool calls that a model without native tool calling writes as text
/// (<c>{"tool_calls":[{"name":"...","arguments":{...}}]}</c>, see seed-ds2api.md), while streaming.
/// </summary>
/// <remarks>
/// <code>
/// text ──► [Text] ──'{'──► [Candidate: held back while it still matches {"tool_calls":[ ]
///            ▲                 │ mismatch: flush as text          │ match
///            └─────────────────┘                                  ▼
///                          [Calls: name known ⇒ ToolCallStart; "arguments" value streamed as fragments]
/// </code>
/// Calls are emitted as soon as the name is read (early emit); the raw markup never reaches content.
/// Text inside Markdown fenced code blocks is passed through untouched (examples are not executed).
/// Names not declared in the request's tools are rejected (swallowed, reported in <see cref="RejectedNames"/>).
/// Not thread-safe.
/// </remarks>
internal sealed class StreamingToolCallExtractor
{
    private const string Marker = "{\"tool_calls\":[";
    private readonly HashSet<string> _declared;
    private readonly string _idPrefix;
    private readonly StringBuilder _held = new();
    private readonly StringBuilder _object = new();
    private readonly StringBuilder _text = new();
    private readonly List<string> _rejected = [];
    private State _state;
    private bool _lineStart = true;
    private int _backticks;
    private bool _inFence;

    // Call-object scanning.
    private int _depth;
    private bool _inString;
    private bool _escape;
    private int _callIndex = -1;
    private string? _name;
    private bool _accepted;
    private int _argsStart = -1;
    private int _argsEmitted;
    private bool _argsDone;

    public StreamingToolCallExtractor(IEnumerable<string> declaredTools, string idPrefix = "call_")
    {
        _declared = new HashSet<string>(declaredTools, StringComparer.Ordinal);
        _idPrefix = idPrefix;
    }

    private enum State
    {
        Text,
        Candidate,
        BetweenCalls,
        InCall,
        AfterCalls,
    }

    /// <summary>Gets the number of accepted tool calls.</summary>
    public int CallCount { get; private set; }

    /// <summary>Gets tool names the model used that were not declared.</summary>
    public IReadOnlyList<string> RejectedNames => _rejected;

    /// <summary>Consumes a text delta, appending events to <paramref name="output"/>.</summary>
    public void Feed(string delta, List<ToolTextEvent> output)
    {
        foreach (char c in delta)
        {
            Step(c, output);
        }

        FlushText(output);
        EmitPendingArguments(output);
    }

    /// <summary>
    /// Takes a text delta that can neither start a call nor open or close a fence, without decoding it: the caller
    /// forwards the token as it is. This is the sieve's common case, and it allocates nothing.
    /// </summary>
    /// <param name="token">A JSON string token, quotes included, as the upstream escaped it.</param>
    /// <returns><see langword="true"/> when the token was taken as plain text; <see langword="false"/> when it must go through <see cref="Feed"/>.</returns>
    public bool TryTakePlainText(ReadOnlySpan<byte> token)
    {
        if (_state != State.Text || _text.Length > 0 || token.Length < 2)
        {
            return false;
        }

        ReadOnlySpan<byte> s = token[1..^1];
        if (s.IndexOfAny((byte)'{', (byte)'`') >= 0)
        {
            return false;
        }

        // The fence tracker only needs to know whether the text ends at the start of a line (TrackFence).
        bool lineStart = _lineStart;
        for (int i = 0; i < s.Length; i++)
        {
            int c = s[i];
            if (c == '\\')
            {
                if (++i >= s.Length)
                {
                    return false;
                }

                c = s[i];
                if (c == 'n')
                {
                    c = '\n';
                }
                else if (c == 't')
                {
                    c = '\t';
                }
                else if (c == 'u')
                {
                    if (i + 4 >= s.Length || !System.Buffers.Text.Utf8Parser.TryParse(s.Slice(i + 1, 4), out ushort code, out int used, 'x') || used != 4)
                    {
                        return false;
                    }

                    if (code is '{' or '`')
                    {
                        return false;
                    }

                    c = code;
                    i += 4;
                }
                else
                {
                    c = 'x'; // \" \\ \/ \b \f \r: none is a space, a tab or a newline.
                }
            }

            lineStart = c == '\n' || (lineStart && (c == ' ' || c == '\t'));
        }

        _lineStart = lineStart;
        _backticks = 0;
        return true;
    }

    /// <summary>Ends the text: held-back text that never became a call is released as text.</summary>
    public void Complete(List<ToolTextEvent> output)
    {
        if (_state == State.Candidate)
        {
            _text.Append(_held);
            _held.Clear();
            _state = State.Text;
        }

        EmitPendingArguments(output);
        FlushText(output);
    }

    private void Step(char c, List<ToolTextEvent> output)
    {
        switch (_state)
        {
            case State.Text:
                TrackFence(c);
                if (c == '{' && !_inFence)
                {
                    _held.Append(c);
                    _state = State.Candidate;
                }
                else
                {
                    _text.Append(c);
                }

                break;
            case State.Candidate:
                _held.Append(c);
                if (char.IsWhiteSpace(c))
                {
                    break;
                }

                string compact = Compact(_held);
                if (compact.Length >= Marker.Length && compact.StartsWith(Marker, StringComparison.Ordinal))
                {
                    FlushText(output);
                    _held.Clear();
                    _state = State.BetweenCalls;
                }
                else if (!Marker.StartsWith(compact, StringComparison.Ordinal))
                {
                    // Not a tool call: release the first char and rescan the rest (it may hold another '{').
                    string held = _held.ToString();
                    _held.Clear();
                    _state = State.Text;
                    _text.Append(held[0]);
                    TrackFence(held[0]);
                    foreach (char r in held.AsSpan(1))
                    {
                        Step(r, output);
                    }
                }

                break;
            case State.BetweenCalls:
                if (c == '{')
                {
                    StartCall();
                    _object.Append(c);
                    _depth = 1;
                }
                else if (c == ']')
                {
                    _state = State.AfterCalls;
                }

                break;
            case State.InCall:
                _object.Append(c);
                ScanCallChar(c, output);
                break;
            case State.AfterCalls:
                if (c == '}')
                {
                    _state = State.Text;
                    _lineStart = false;
                }
                else if (!char.IsWhiteSpace(c))
                {
                    _state = State.Text;
                    Step(c, output);
                }

                break;
        }
    }

    private void StartCall()
    {
        _state = State.InCall;
        _object.Clear();
        _inString = false;
        _escape = false;
        _name = null;
        _accepted = false;
        _argsStart = -1;
        _argsEmitted = 0;
        _argsDone = false;
    }

    private void ScanCallChar(char c, List<ToolTextEvent> output)
    {
        if (_inString)
        {
            if (_escape)
            {
                _escape = false;
            }
            else if (c == '\\')
            {
                _escape = true;
            }
            else if (c == '"')
            {
                _inString = false;
                TryReadName(output);
            }

            return;
        }

        switch (c)
        {
            case '"':
                _inString = true;
                break;
            case '{' or '[':
                _depth++;
                break;
            case '}' or ']':
                _depth--;
                if (_argsStart >= 0 && !_argsDone && _depth == 1)
                {
                    _argsDone = true;
                    EmitPendingArguments(output);
                }

                if (_depth == 0)
                {
                    EndCall(output);
                }

                break;
            case ':' when _depth == 1 && _argsStart < 0 && EndsWithKey(_object, "arguments", "input", "parameters"):
                _argsStart = _object.Length;
                break;
        }
    }

    private void TryReadName(List<ToolTextEvent> output)
    {
        if (_name is not null || _depth != 1)
        {
            return;
        }

        string s = _object.ToString();
        int key = s.IndexOf("\"name\"", StringComparison.Ordinal);
        if (key < 0)
        {
            return;
        }

        int colon = s.IndexOf(':', key + 6);
        int open = colon < 0 ? -1 : s.IndexOf('"', colon + 1);
        if (open < 0 || s.Length - 1 <= open || s[^1] != '"')
        {
            return;
        }

        try
        {
            _name = JsonSerializer.Deserialize(s[open..], WireJson.Context.String) ?? string.Empty;
        }
        catch (JsonException)
        {
            return;
        }

        _accepted = _declared.Contains(_name);
        if (_accepted)
        {
            _callIndex++;
            CallCount++;
            output.Add(new ToolTextEvent(ToolTextEventKind.ToolCallStart, _callIndex, _idPrefix + _callIndex.ToString(CultureInfo.InvariantCulture), _name, string.Empty));
            EmitPendingArguments(output);
        }
        else
        {
            _rejected.Add(_name);
        }
    }

    private void EmitPendingArguments(List<ToolTextEvent> output)
    {
        if (_state != State.InCall && !_argsDone)
        {
            return;
        }

        if (!_accepted || _argsStart < 0)
        {
            return;
        }

        if (FirstArgumentChar() == '"')
        {
            // Arguments written as a JSON string holding JSON: emit its decoded text once complete.
            if (_argsDone && _argsEmitted == 0)
            {
                string raw = _object.ToString(_argsStart, ArgumentsEnd() - _argsStart).Trim();
                _argsEmitted = raw.Length;
                try
                {
                    string decoded = JsonSerializer.Deserialize(raw, WireJson.Context.String) ?? "{}";
                    output.Add(new ToolTextEvent(ToolTextEventKind.ToolCallArguments, _callIndex, null, null, decoded.Length == 0 ? "{}" : decoded));
                }
                catch (JsonException)
                {
                    output.Add(new ToolTextEvent(ToolTextEventKind.ToolCallArguments, _callIndex, null, null, "{}"));
                }
            }

            return;
        }

        int end = _object.Length;
        if (_argsDone)
        {
            // Trim to the end of the arguments value (drop trailing "}" of the call object etc.).
            end = ArgumentsEnd();
        }

        string pending = _object.ToString(_argsStart + _argsEmitted, Math.Max(0, end - _argsStart - _argsEmitted));
        string trimmed = _argsEmitted == 0 ? pending.TrimStart() : pending;
        _argsEmitted += pending.Length;
        if (trimmed.Length > 0)
        {
            output.Add(new ToolTextEvent(ToolTextEventKind.ToolCallArguments, _callIndex, null, null, trimmed));
        }
    }

    private char FirstArgumentChar()
    {
        for (int i = _argsStart; i < _object.Length; i++)
        {
            if (!char.IsWhiteSpace(_object[i]))
            {
                return _object[i];
            }
        }

        return '\0';
    }

    private int ArgumentsEnd()
    {
        // Walk from the start of the value to the end of that value.
        int depth = 0;
        bool inString = false, escape = false;
        for (int i = _argsStart; i < _object.Length; i++)
        {
            char c = _object[i];
            if (inString)
            {
                if (escape)
                {
                    escape = false;
                }
                else if (c == '\\')
                {
                    escape = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                if (depth == 0)
                {
                    int close = i + 1;
                    bool esc = false;
                    for (; close < _object.Length; close++)
                    {
                        if (esc)
                        {
                            esc = false;
                        }
                        else if (_object[close] == '\\')
                        {
                            esc = true;
                        }
                        else if (_object[close] == '"')
                        {
                            return close + 1;
                        }
                    }

                    return _object.Length;
                }
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']')
            {
                depth--;
                if (depth == 0)
                {
                    return i + 1;
                }
            }
        }

        return _object.Length;
    }

    private void EndCall(List<ToolTextEvent> output)
    {
        if (_accepted && _argsStart < 0)
        {
            output.Add(new ToolTextEvent(ToolTextEventKind.ToolCallArguments, _callIndex, null, null, "{}"));
        }

        _argsDone = true;
        EmitPendingArguments(output);
        _state = State.BetweenCalls;
        _accepted = false;
    }

    private void TrackFence(char c)
    {
        if (c == '`' && _lineStart)
        {
            _backticks++;
            if (_backticks == 3)
            {
                _inFence = !_inFence;
                _lineStart = false;
                _backticks = 0;
            }

            return;
        }

        _backticks = 0;
        _lineStart = c == '\n' || (_lineStart && (c == ' ' || c == '\t'));
    }

    private void FlushText(List<ToolTextEvent> output)
    {
        if (_text.Length > 0)
        {
            output.Add(new ToolTextEvent(ToolTextEventKind.Text, -1, null, null, _text.ToString()));
            _text.Clear();
        }
    }

    private static bool EndsWithKey(StringBuilder sb, params string[] keys)
    {
        string s = sb.ToString(0, sb.Length - 1).TrimEnd();
        foreach (string k in keys)
        {
            if (s.EndsWith("\"" + k + "\"", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Compact(StringBuilder sb)
    {
        var r = new StringBuilder(sb.Length);
        bool inString = false;
        for (int i = 0; i < sb.Length; i++)
        {
            char c = sb[i];
            if (c == '"')
            {
                inString = !inString;
            }

            if (inString || !char.IsWhiteSpace(c))
            {
                r.Append(c);
            }
        }

        return r.ToString();
    }
}
