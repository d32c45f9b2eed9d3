using Moat.Security.Identity;

namespace Moat.Security.Tests.Identity;

public sealed class UnixAccountsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-accounts-").FullName;
    private string Passwd => Path.Combine(_dir, "passwd");
    private string Group => Path.Combine(_dir, "group");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Lookup_KnownUser_PrimaryAndSupplementaryGroups()
    {
        File.WriteAllText(Passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1500:1500::/home/alice:/bin/sh\n");
        File.WriteAllText(Group, "root:x:0:\nalice:x:1500:\ndocker:x:999:bob,alice\ndev:x:2000:alice\nother:x:3000:bob\n");

        var account = new UnixAccounts(Passwd, Group).Lookup(1500, 1500);

        Assert.Equal("alice", account.Name);
        Assert.Equal(["alice", "docker", "dev"], account.Groups);
    }

    [Fact]
    public void Lookup_UnknownUid_NamedByNumber()
    {
        File.WriteAllText(Passwd, "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(Group, "root:x:0:\nstaff:x:50:\n");

        var account = new UnixAccounts(Passwd, Group).Lookup(4242, 50);

        Assert.Equal("uid:4242", account.Name);
        Assert.Equal(["staff"], account.Groups);
    }

    [Fact]
    public void Lookup_FileChanged_ReReads()
    {
        File.WriteAllText(Passwd, "alice:x:1500:1500::/home/alice:/bin/sh\n");
        File.WriteAllText(Group, "alice:x:1500:\n");
        var accounts = new UnixAccounts(Passwd, Group);
        Assert.Equal("alice", accounts.Lookup(1500, 1500).Name);

        File.WriteAllText(Passwd, "alicia:x:1500:1500::/home/alice:/bin/sh\n");
        File.SetLastWriteTimeUtc(Passwd, DateTime.UtcNow.AddSeconds(5));

        Assert.Equal("alicia", accounts.Lookup(1500, 1500).Name);
    }

    [Fact]
    public void Lookup_SystemDatabase_ResolvesRoot()
    {
        var account = UnixAccounts.System.Lookup(0, 0);

        Assert.Equal("root", account.Name);
        Assert.Contains("root", account.Groups);
    }
}
