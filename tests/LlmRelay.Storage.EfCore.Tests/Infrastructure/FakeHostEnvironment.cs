using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace LlmRelay.Storage.EfCore.Tests.Infrastructure;

internal sealed class FakeHostEnvironment(string contentRootPath) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = "Testing";

    public string ApplicationName { get; set; } = "LlmRelay.Tests";

    public string ContentRootPath { get; set; } = contentRootPath;

    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
