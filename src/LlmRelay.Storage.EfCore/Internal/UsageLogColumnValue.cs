using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Builds the expression that reads one usage-log column's value as the database stores it, typed and without boxing.</summary>
/// <remarks>Shared by the row writers that compile per-column code (<see cref="SqliteUsageLogRows"/> and the PostgreSQL <c>COPY</c> in <see cref="UsageLogInserter"/>).</remarks>
internal static class UsageLogColumnValue
{
    /// <summary>Returns <c>convert(row.Property)</c>: the property, passed through the model's value converter when there is one.</summary>
    /// <param name="row">The row (a parameter of the compiled lambda).</param>
    /// <param name="property">The mapped property.</param>
    /// <param name="converter">The model's converter for the column, if any; a nullable property keeps <see langword="null"/> as <see langword="null"/>.</param>
    /// <returns>An expression of the provider type (nullable when the property is).</returns>
    public static Expression Read(Expression row, PropertyInfo property, ValueConverter? converter)
    {
        Expression value = Expression.Property(row, property);
        if (converter is null)
        {
            return value;
        }

        var model = Nullable.GetUnderlyingType(value.Type) is { } underlying && underlying == converter.ModelClrType ? Expression.Property(value, "Value") : value;
        var converted = Expression.Invoke(converter.ConvertToProviderExpression, Expression.Convert(model, converter.ModelClrType));
        if (model == value)
        {
            return converted;
        }

        var nullable = typeof(Nullable<>).MakeGenericType(converter.ProviderClrType);
        return Expression.Condition(Expression.Property(value, "HasValue"), Expression.Convert(converted, nullable), Expression.Constant(null, nullable));
    }
}
