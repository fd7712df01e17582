using System.Linq.Expressions;
using System.Reflection;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Compiles, per usage-log column, the call that writes its value into a PostgreSQL binary <c>COPY</c>.</summary>
/// <remarks>
/// Each writer reads the property, applies the model's value converter and calls
/// <see cref="NpgsqlBinaryImporter.WriteAsync{T}(T, string, CancellationToken)"/> with the provider type itself: no
/// reflection and no boxing per value (a <c>PropertyInfo.GetValue</c> and an <c>object</c> per column and row before).
/// </remarks>
internal static class PostgreSqlUsageLogCopy
{
    private static readonly MethodInfo WriteGeneric = typeof(NpgsqlBinaryImporter).GetMethods()
        .Single(static m => m.Name == nameof(NpgsqlBinaryImporter.WriteAsync) && m.IsGenericMethodDefinition &&
                            m.GetParameters() is [_, { ParameterType: var name }, { ParameterType: var token }] && name == typeof(string) && token == typeof(CancellationToken));

    private static readonly MethodInfo WriteNull = typeof(NpgsqlBinaryImporter).GetMethod(nameof(NpgsqlBinaryImporter.WriteNullAsync), [typeof(CancellationToken)])!;

    /// <summary>Returns <c>(importer, log, token) => importer.WriteAsync(convert(log.Property), storeType, token)</c>, or <c>WriteNullAsync</c> for <see langword="null"/>.</summary>
    /// <param name="property">The mapped property.</param>
    /// <param name="converter">The model's converter for the column, if any.</param>
    /// <param name="storeType">The column's store type, such as <c>bigint</c>.</param>
    /// <returns>The compiled writer.</returns>
    public static Func<NpgsqlBinaryImporter, UsageLog, CancellationToken, Task> Compile(PropertyInfo property, ValueConverter? converter, string storeType)
    {
        var importer = Expression.Parameter(typeof(NpgsqlBinaryImporter), "importer");
        var log = Expression.Parameter(typeof(UsageLog), "log");
        var token = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        var value = UsageLogColumnValue.Read(log, property, converter);
        var type = Expression.Constant(storeType);

        Expression Write(Expression v)
        {
            if (v.Type == typeof(string))
            {
                return Expression.Call(typeof(PostgreSqlUsageLogCopy).GetMethod(nameof(WriteTextAsync), BindingFlags.NonPublic | BindingFlags.Static)!, importer, v, type, token);
            }

            if (v.Type.IsEnum)
            {
                v = Expression.Convert(v, Enum.GetUnderlyingType(v.Type));
            }

            return Expression.Call(importer, WriteGeneric.MakeGenericMethod(v.Type), v, type, token);
        }

        Expression body;
        if (Nullable.GetUnderlyingType(value.Type) is not null)
        {
            var local = Expression.Variable(value.Type, "value");
            body = Expression.Block(
                [local],
                Expression.Assign(local, value),
                Expression.Condition(Expression.Property(local, "HasValue"), Write(Expression.Property(local, "Value")), Expression.Call(importer, WriteNull, token)));
        }
        else
        {
            body = Write(value);
        }

        return Expression.Lambda<Func<NpgsqlBinaryImporter, UsageLog, CancellationToken, Task>>(body, importer, log, token).Compile();
    }

    // PostgreSQL text cannot hold U+0000 (an upstream's error body may): one such row would fail its whole batch.
    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? text, string storeType, CancellationToken cancellationToken) =>
        text is null ? importer.WriteNullAsync(cancellationToken)
        : importer.WriteAsync(StoredText.For(text, dropNul: true)!, storeType, cancellationToken);
}
