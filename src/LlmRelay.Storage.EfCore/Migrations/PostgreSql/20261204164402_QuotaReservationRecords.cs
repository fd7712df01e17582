using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class QuotaReservationRecords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "quota_reservations",
                columns: table => new
                {
                    instance_id = table.Column<long>(type: "bigint", nullable: false),
                    token_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quota_reservations", x => new { x.instance_id, x.token_id });
                });

            migrationBuilder.CreateTable(
                name: "relay_instances",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false),
                    heartbeat_at = table.Column<long>(type: "bigint", nullable: false),
                    released = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_relay_instances", x => x.id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quota_reservations");

            migrationBuilder.DropTable(
                name: "relay_instances");
        }
    }
}
