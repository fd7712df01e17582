using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class UsageLogCreatedAtIdIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_logs_created_at",
                table: "usage_logs");

            migrationBuilder.CreateIndex(
                name: "ix_usage_logs_created_at_id",
                table: "usage_logs",
                columns: new[] { "created_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_logs_created_at_id",
                table: "usage_logs");

            migrationBuilder.CreateIndex(
                name: "ix_usage_logs_created_at",
                table: "usage_logs",
                column: "created_at");
        }
    }
}
