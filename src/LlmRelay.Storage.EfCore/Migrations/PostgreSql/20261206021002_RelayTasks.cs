using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class RelayTasks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "tasks",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    task_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    platform = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    action = table.Column<string>(type: "text", nullable: false),
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    token_id = table.Column<long>(type: "bigint", nullable: false),
                    token_name = table.Column<string>(type: "text", nullable: false),
                    group = table.Column<string>(type: "text", nullable: false),
                    channel_id = table.Column<long>(type: "bigint", nullable: false),
                    key_index = table.Column<int>(type: "integer", nullable: false),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    upstream_model = table.Column<string>(type: "text", nullable: false),
                    upstream_task_id = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<int>(type: "integer", nullable: false),
                    progress = table.Column<int>(type: "integer", nullable: false),
                    fail_reason = table.Column<string>(type: "text", nullable: false),
                    quota = table.Column<long>(type: "bigint", nullable: false),
                    seconds = table.Column<string>(type: "text", nullable: false),
                    size = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<long>(type: "bigint", nullable: false),
                    finished_at = table.Column<long>(type: "bigint", nullable: true),
                    next_poll_at = table.Column<long>(type: "bigint", nullable: false),
                    poll_count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tasks", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_tasks_created_at_id",
                table: "tasks",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_tasks_status_next_poll_at",
                table: "tasks",
                columns: new[] { "status", "next_poll_at" });

            migrationBuilder.CreateIndex(
                name: "ix_tasks_task_id",
                table: "tasks",
                column: "task_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tasks_user_id_created_at",
                table: "tasks",
                columns: new[] { "user_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "tasks");
        }
    }
}
