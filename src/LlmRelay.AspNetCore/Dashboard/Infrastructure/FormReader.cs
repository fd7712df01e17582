using System.Globalization;
using LlmRelay.AspNetCore.Management.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Reads typed values from a posted dashboard form; the first problem is kept in <see cref="Error"/>, worded as the management API words it (<see cref="FieldRules"/>).</summary>
internal sealed class FormReader(IFormCollection form)
{
    /// <summary>Gets the first problem found, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Gets the raw text of a field ("" when absent).</summary>
    public string Text(string name) => form[name].ToString();

    /// <summary>Reads an integer field; an empty field is absent (an error when <paramref name="required"/>).</summary>
    public long? Long(string name, bool required = false, long min = long.MinValue, long max = long.MaxValue)
    {
        var text = form[name].ToString().Trim();
        if (text.Length == 0)
        {
            if (required)
            {
                Error ??= FieldRules.Required(name);
            }

            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error ??= FieldRules.NotInteger(name);
            return null;
        }

        if (FieldRules.Range(name, value, min, max) is { } outOfRange)
        {
            Error ??= outOfRange;
            return null;
        }

        return value;
    }

    /// <summary>Reads every value of a repeated integer field (checked boxes, say); absent gives an empty list.</summary>
    public List<long> LongList(string name)
    {
        var values = new List<long>();
        foreach (var text in form[name])
        {
            if (long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                values.Add(value);
            }
            else
            {
                Error ??= $"Field '{name}' must contain only integers.";
            }
        }

        return values;
    }
}
