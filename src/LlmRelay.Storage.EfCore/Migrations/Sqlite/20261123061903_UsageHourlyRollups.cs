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
            // WITHOUT ROWID (hand-written; EF has no option for it): the rows are stored in primary-key order, so a range of
            // hours (usage_hours) or one user's hours (usage_user_hours) is one sequential read, not a lookup per row.
            migrationBuilder.Sql(
                """
                CREATE TABLE "usage_hours" (
                    "hour" INTEGER NOT NULL,
                    "type" INTEGER NOT NULL,
                    "model_name" TEXT NOT NULL,
                    "channel_id" INTEGER NOT NULL,
                    "group" TEXT NOT NULL,
                    "log_count" INTEGER NOT NULL,
                    "quota" INTEGER NOT NULL,
                    "prompt_tokens" INTEGER NOT NULL,
                    "completion_tokens" INTEGER NOT NULL,
                    CONSTRAINT "pk_usage_hours" PRIMARY KEY ("hour", "type", "model_name", "channel_id", "group")
                ) WITHOUT ROWID;
                """);
            migrationBuilder.Sql(
                """
                CREATE TABLE "usage_user_hours" (
                    "user_id" INTEGER NOT NULL,
                    "hour" INTEGER NOT NULL,
                    "type" INTEGER NOT NULL,
                    "model_name" TEXT NOT NULL,
                    "log_count" INTEGER NOT NULL,
                    "quota" INTEGER NOT NULL,
                    "prompt_tokens" INTEGER NOT NULL,
                    "completion_tokens" INTEGER NOT NULL,
                    CONSTRAINT "pk_usage_user_hours" PRIMARY KEY ("user_id", "hour", "type", "model_name")
                ) WITHOUT ROWID;
                """);

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
