using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class ChannelAutoDisabledKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "auto_disabled_keys",
                table: "channel_states",
                type: "text",
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "auto_disabled_keys",
                table: "channel_states");
        }
    }
}
