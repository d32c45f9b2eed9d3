namespace Moat.Cli.Tests.Commands;

/// <summary>A temp directory for one test, removed afterwards.</summary>
public sealed class CliTestDirectory : IDisposable
{
    public CliTestDirectory() => Path = Directory.CreateTempSubdirectory("moat-cli-test-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
