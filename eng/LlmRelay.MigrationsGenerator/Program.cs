using LlmRelay.MigrationsGenerator;

return MigrationGenerator.Run(args, Console.Out, Console.Error);
