namespace Moat.Security.Tests.Pki;

/// <summary>A temp directory for one test, removed afterwards.</summary>
public sealed class PkiTestDirectory : IDisposable
{
    public PkiTestDirectory() => Path = Directory.CreateTempSubdirectory("moat-pki-test-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>A clock that says what the test wants.</summary>
public sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}
