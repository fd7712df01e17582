using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ChannelTimeouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "connect_timeout_ms",
                table: "channels",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "first_byte_timeout_ms",
                table: "channels",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "idle_timeout_ms",
                table: "channels",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "connect_timeout_ms",
                table: "channels");

            migrationBuilder.DropColumn(
                name: "first_byte_timeout_ms",
                table: "channels");

            migrationBuilder.DropColumn(
                name: "idle_timeout_ms",
                table: "channels");
        }
    }
}
