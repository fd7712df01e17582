namespace LlmRelay.Tokenization;

/// <summary>Cuts text into segments that BPE can count in linear time: no segment holds a run of more than <see cref="MaxRunChars"/> characters without a whitespace change.</summary>
/// <remarks>
/// <para>
/// tiktoken-style encoders split text with a regex into pieces (words, numbers, punctuation runs, whitespace runs) and run
/// byte-pair merging on each piece; merging costs the square of the piece's length. Ordinary text has short pieces, but a
/// run with no split point (2 MB of one letter, of spaces, of CJK without punctuation, a base64 blob) is one piece, and
/// counting it takes minutes: a cheap denial of service through <c>count_tokens</c>.
/// </para>
/// <para>
/// A segment ends where a run of characters that are all whitespace, or all not whitespace, reaches <see cref="MaxRunChars"/>
/// (never inside a surrogate pair). Counting segments separately adds at most one token per cut, and only to such runs:
/// ordinary text (words shorter than 64 characters) is one segment and counts exactly as before. Long ordinary text is also
/// cut every <see cref="MaxSegmentChars"/> characters, before a space that follows a letter or digit (a boundary the encoders
/// keep), so the counter can check for cancellation between segments.
/// </para>
/// </remarks>
internal ref struct TextSegments
{
    /// <summary>The longest run without a whitespace change a segment may hold.</summary>
    public const int MaxRunChars = 64;

    /// <summary>The length after which ordinary text is cut at the next word boundary.</summary>
    public const int MaxSegmentChars = 16 * 1024;

    private readonly ReadOnlySpan<char> _text;
    private int _start;
    private int _end;

    public TextSegments(ReadOnlySpan<char> text)
    {
        _text = text;
    }

    public readonly Range Current => _start.._end;

    public readonly TextSegments GetEnumerator() => this;

    public bool MoveNext()
    {
        var text = _text;
        _start = _end;
        if (_start >= text.Length)
        {
            return false;
        }

        var runStart = _start;
        for (var i = _start + 1; i < text.Length; i++)
        {
            var space = char.IsWhiteSpace(text[i]);
            if (space != char.IsWhiteSpace(text[i - 1]))
            {
                runStart = i;
                if (space && text[i] == ' ' && i - _start >= MaxSegmentChars && char.IsLetterOrDigit(text[i - 1]))
                {
                    _end = i;
                    return true;
                }
            }
            else if (i - runStart >= MaxRunChars && !char.IsLowSurrogate(text[i]))
            {
                _end = i;
                return true;
            }
        }

        _end = text.Length;
        return true;
    }
}
