using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class UsageHourlyRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "usage_hours",
                columns: table => new
                {
                    hour = table.Column<long>(type: "INTEGER", nullable: false),
                    type = table.Column<int>(type: "INTEGER", nullable: false),
                    model_name = table.Column<string>(type: "TEXT", nullable: false),
                    channel_id = table.Column<long>(type: "INTEGER", nullable: false),
                    group = table.Column<string>(type: "TEXT", nullable: false),
                    log_count = table.Column<long>(type: "INTEGER", nullable: false),
                    quota = table.Column<long>(type: "INTEGER", nullable: false),
                    prompt_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    completion_tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_hours", x => new { x.hour, x.type, x.model_name, x.channel_id, x.group });
                });

            migrationBuilder.CreateTable(
                name: "usage_user_hours",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    hour = table.Column<long>(type: "INTEGER", nullable: false),
                    type = table.Column<int>(type: "INTEGER", nullable: false),
                    model_name = table.Column<string>(type: "TEXT", nullable: false),
                    log_count = table.Column<long>(type: "INTEGER", nullable: false),
                    quota = table.Column<long>(type: "INTEGER", nullable: false),
                    prompt_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    completion_tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_user_hours", x => new { x.user_id, x.hour, x.type, x.model_name });
                });

            // Existing rows: the rollups start equal to usage_logs (hour = floor of created_at to the hour, as UsageRollup.HourOf).
            migrationBuilder.Sql(
                """
                INSERT INTO "usage_hours" ("hour", "type", "model_name", "channel_id", "group", "log_count", "quota", "prompt_tokens", "completion_tokens")
                SELECT "created_at" - (("created_at" % 3600000) + 3600000) % 3600000, "type", "model_name", "channel_id", "group", COUNT(*), SUM("quota"), SUM("prompt_tokens"), SUM("completion_tokens")
                FROM "usage_logs"
                GROUP BY 1, 2, 3, 4, 5;
                """);
            migrationBuilder.Sql(
                """
                INSERT INTO "usage_user_hours" ("user_id", "hour", "type", "model_name", "log_count", "quota", "prompt_tokens", "completion_tokens")
                SELECT "user_id", "created_at" - (("created_at" % 3600000) + 3600000) % 3600000, "type", "model_name", COUNT(*), SUM("quota"), SUM("prompt_tokens"), SUM("completion_tokens")
                FROM "usage_logs"
                GROUP BY 1, 2, 3, 4;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "usage_hours");

            migrationBuilder.DropTable(
                name: "usage_user_hours");
        }
    }
}
