using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class UsageLogQueryIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_usage_logs_token_name_created_at",
                table: "usage_logs",
                columns: new[] { "token_name", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_logs_type_created_at_quota_prompt_tokens_completion_t~",
                table: "usage_logs",
                columns: new[] { "type", "created_at", "quota", "prompt_tokens", "completion_tokens" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_logs_token_name_created_at",
                table: "usage_logs");

            migrationBuilder.DropIndex(
                name: "ix_usage_logs_type_created_at_quota_prompt_tokens_completion_t~",
                table: "usage_logs");
        }
    }
}
