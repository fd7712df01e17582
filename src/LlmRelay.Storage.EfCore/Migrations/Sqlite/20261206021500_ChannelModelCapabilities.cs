using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ChannelModelCapabilities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "model_capabilities",
                table: "channels",
                type: "TEXT",
                nullable: false,
                defaultValue: "{}");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "model_capabilities",
                table: "channels");
        }
    }
}
