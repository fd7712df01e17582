using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LlmRelay.Storage.EfCore.Migrations.Sqlite
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
                type: "TEXT",
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
