using Moat.Security.Identity;
using Moat.Security.Policy;

namespace Moat.Security.Tests.Policy;

public sealed class ConstraintsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moat-constraints-").FullName;
    private readonly Caller _dan = AuthorizationPolicyTests.Unix("dan", 1001, "dev");

    public void Dispose() => Directory.Delete(_root, true);

    private AuthorizationPolicy Policy(string constraints) => AuthorizationPolicyTests.Parse($$"""
        {
          "roles": { "builder": { "actions": ["container.*", "volume.*"], "scope": "own", "constraints": {{constraints}} } },
          "bindings": [ { "role": "builder", "groups": ["dev"] }, { "role": "developer", "users": ["devin"] } ]
        }
        """);

    private PolicyHostFacts Daemon => new([Path.Combine(_root, "data"), Path.Combine(_root, "run/docker.sock")]);

    private Decision Create(string constraints, ContainerCreateFacts facts) =>
        Policy(constraints).AuthorizeContainerCreate(_dan, facts with { Image = facts.Image.Length == 0 ? "busybox" : facts.Image }, Daemon);

    [Fact]
    public void Create_PlainContainer_AllowedWithOwnScope()
    {
        var d = Create("{}", new ContainerCreateFacts());

        Assert.True(d.Allowed, d.Rule);
        Assert.Equal(AccessScope.Own, d.Scope);
    }

    [Fact]
    public void Create_Privileged_DeniedByDefault_AllowedWhenGranted()
    {
        var facts = new ContainerCreateFacts { Privileged = true };

        Assert.Equal("role builder: privileged containers are not allowed", Create("{}", facts).Rule);
        Assert.True(Create("""{"privileged":true}""", facts).Allowed);
    }

    [Fact]
    public void Create_BuiltInDeveloper_DeniedPrivileged()
    {
        var devin = AuthorizationPolicyTests.Unix("devin", 1002);

        var d = Policy("{}").AuthorizeContainerCreate(devin, new ContainerCreateFacts { Image = "busybox", Privileged = true }, Daemon);

        Assert.Equal("role developer: privileged containers are not allowed", d.Rule);
    }

    [Theory]
    [InlineData("NET_ADMIN", true)]
    [InlineData("cap_net_admin", true)]
    [InlineData("SYS_ADMIN", false)]
    [InlineData("ALL", false)]
    public void Create_CapAdd_CheckedAgainstAllowList(string cap, bool allowed)
    {
        var d = Create("""{"capabilities":["CAP_NET_ADMIN"]}""", new ContainerCreateFacts { CapAdd = [cap] });

        Assert.Equal(allowed, d.Allowed);
    }

    [Fact]
    public void Create_Devices_OnlyListed()
    {
        Assert.False(Create("{}", new ContainerCreateFacts { Devices = ["/dev/fuse"] }).Allowed);
        Assert.True(Create("""{"devices":["/dev/fuse"]}""", new ContainerCreateFacts { Devices = ["/dev/fuse"] }).Allowed);
        Assert.False(Create("""{"devices":["/dev/fuse"]}""", new ContainerCreateFacts { Devices = ["/dev/sda"] }).Allowed);
        Assert.False(Create("""{"devices":["/dev/fuse"]}""", new ContainerCreateFacts { Devices = ["request:nvidia"] }).Allowed);
    }

    public static TheoryData<string, ContainerCreateFacts> HostNamespaces => new()
    {
        { "pid", new ContainerCreateFacts { PidMode = "host" } },
        { "ipc", new ContainerCreateFacts { IpcMode = "host" } },
        { "uts", new ContainerCreateFacts { UtsMode = "host" } },
        { "network", new ContainerCreateFacts { NetworkMode = "HOST" } },
        { "userns", new ContainerCreateFacts { UsernsMode = "host" } },
        { "cgroupns", new ContainerCreateFacts { CgroupnsMode = "host" } },
    };

    [Theory]
    [MemberData(nameof(HostNamespaces))]
    public void Create_HostNamespace_DeniedUnlessListed(string name, ContainerCreateFacts facts)
    {
        Assert.Equal($"role builder: host {name} namespace is not allowed", Create("{}", facts).Rule);
        Assert.True(Create($$"""{"host-namespaces":["{{name}}"]}""", facts).Allowed);
    }

    [Fact]
    public void Create_BindUnderAllowedPrefix_Allowed_OutsideDenied()
    {
        Directory.CreateDirectory(Path.Combine(_root, "srv/dan"));
        string constraints = $$"""{"bind-mounts":["{{_root}}/srv/{user}"]}""";

        Assert.True(Create(constraints, new ContainerCreateFacts { BindSources = [Path.Combine(_root, "srv/dan/work")] }).Allowed);
        Assert.False(Create(constraints, new ContainerCreateFacts { BindSources = [Path.Combine(_root, "srv/other")] }).Allowed);
        Assert.False(Create(constraints, new ContainerCreateFacts { BindSources = ["/etc"] }).Allowed);
        Assert.False(Create(constraints, new ContainerCreateFacts { BindSources = [Path.Combine(_root, "srv/dan/../../etc")] }).Allowed);
    }

    [Fact]
    public void Create_BindThroughSymlinkOutOfPrefix_Denied()
    {
        Directory.CreateDirectory(Path.Combine(_root, "srv/dan"));
        File.CreateSymbolicLink(Path.Combine(_root, "srv/dan/root"), "/");
        string constraints = $$"""{"bind-mounts":["{{_root}}/srv/dan"]}""";

        var d = Create(constraints, new ContainerCreateFacts { BindSources = [Path.Combine(_root, "srv/dan/root/etc")] });

        Assert.False(d.Allowed);
        Assert.Contains("is not allowed", d.Rule);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("data/volumes/x")]
    [InlineData("run")]
    [InlineData("")]
    public void Create_BindExposingDaemonPaths_DeniedEvenUnderAllowedPrefix(string relative)
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        string constraints = $$"""{"bind-mounts":["{{_root}}"]}""";

        var d = Create(constraints, new ContainerCreateFacts { BindSources = [Path.Combine(_root, relative)] });

        Assert.False(d.Allowed);
        Assert.Contains("exposes the daemon's", d.Rule);
    }

    [Theory]
    [InlineData("seccomp=unconfined", false)]
    [InlineData("seccomp:unconfined", false)]
    [InlineData("apparmor=unconfined", false)]
    [InlineData("no-new-privileges=false", false)]
    [InlineData("no-new-privileges:false", false)]
    [InlineData("label=disable", false)]
    [InlineData("systempaths=unconfined", false)]
    [InlineData("no-new-privileges", true)]
    [InlineData("no-new-privileges=true", true)]
    [InlineData("apparmor=my-profile", true)]
    [InlineData("something=else", false)]
    public void Create_SecurityOptions_WeakeningDenied(string option, bool allowed)
    {
        Assert.Equal(allowed, Create("{}", new ContainerCreateFacts { SecurityOpt = [option] }).Allowed);
        Assert.True(Create("""{"allow-unconfined":true}""", new ContainerCreateFacts { SecurityOpt = [option] }).Allowed);
    }

    [Fact]
    public void Create_Runtime_DefaultAllowed_OthersListed()
    {
        Assert.True(Create("{}", new ContainerCreateFacts { Runtime = "runc" }).Allowed);
        Assert.False(Create("{}", new ContainerCreateFacts { Runtime = "crun" }).Allowed);
        Assert.True(Create("""{"runtimes":["crun"]}""", new ContainerCreateFacts { Runtime = "crun" }).Allowed);
    }

    [Fact]
    public void Create_Sysctls_OnlyMatchingPatterns()
    {
        Assert.False(Create("{}", new ContainerCreateFacts { Sysctls = ["net.ipv4.ip_forward"] }).Allowed);
        Assert.True(Create("""{"sysctls":["net.ipv4.*"]}""", new ContainerCreateFacts { Sysctls = ["net.ipv4.ip_forward"] }).Allowed);
        Assert.False(Create("""{"sysctls":["net.ipv4.*"]}""", new ContainerCreateFacts { Sysctls = ["kernel.shm_rmid_forced"] }).Allowed);
    }

    [Theory]
    [InlineData("busybox", true)]
    [InlineData("library/busybox:1.36", true)]
    [InlineData("docker.io/library/alpine", true)]
    [InlineData("registry.example.com/team/app:1", true)]
    [InlineData("registry.example.com/other/app:1", false)]
    [InlineData("evil.example.com/library/busybox", false)]
    public void Create_Images_MatchNormalizedPatterns(string image, bool allowed)
    {
        var d = Create("""{"images":["docker.io/library/*","registry.example.com/team/*"]}""", new ContainerCreateFacts { Image = image });

        Assert.Equal(allowed, d.Allowed);
    }

    [Fact]
    public void Create_OwnerLabel_ReservedForNonAdmins()
    {
        var facts = new ContainerCreateFacts { Image = "busybox", Labels = new Dictionary<string, string> { [Ownership.Label] = "someone-else" } };

        Assert.Equal($"role builder: label {Ownership.Label} is reserved", Create("{}", facts).Rule);
        Assert.True(Policy("{}").AuthorizeContainerCreate(AuthorizationPolicyTests.Unix("root", 0), facts, Daemon).Allowed);
    }

    [Fact]
    public void Create_ActionNotGranted_DeniedBeforeConstraints()
    {
        var vera = AuthorizationPolicyTests.Parse("""{"bindings":[{"role":"viewer","users":["vera"]}]}""");

        var d = vera.AuthorizeContainerCreate(AuthorizationPolicyTests.Unix("vera"), new ContainerCreateFacts { Image = "busybox" }, Daemon);

        Assert.Equal("no role of user vera allows container.create", d.Rule);
    }

    [Fact]
    public void ExecCreate_Privileged_Denied()
    {
        var policy = Policy("{}");

        Assert.False(policy.AuthorizeExecCreate(_dan, new ExecCreateFacts { Privileged = true }).Allowed);
        Assert.True(policy.AuthorizeExecCreate(_dan, new ExecCreateFacts { User = "root" }).Allowed);
    }

    [Fact]
    public void VolumeCreate_LocalBindDevice_CheckedAsBindMount()
    {
        var facts = new VolumeCreateFacts { Driver = "local", DriverOpts = new Dictionary<string, string> { ["type"] = "none", ["o"] = "bind", ["device"] = "/etc" } };

        var d = Policy("{}").AuthorizeVolumeCreate(_dan, facts, Daemon);

        Assert.Equal("role builder: bind mount of /etc is not allowed", d.Rule);
        Assert.True(Policy("{}").AuthorizeVolumeCreate(_dan, new VolumeCreateFacts { Name = "v" }, Daemon).Allowed);
    }

    [Fact]
    public void CreateBody_ToFacts_MapsBindsMountsAndDevices()
    {
        var body = new ContainerCreateBody
        {
            Image = "busybox",
            HostConfig = new CreateHostConfig
            {
                Binds = ["/srv/a:/a:ro", "named:/b"],
                Mounts = [new CreateMount { Type = "bind", Source = "/srv/c" }, new CreateMount { Type = "volume", VolumeOptions = new CreateVolumeOptions { DriverConfig = new CreateDriverConfig { Options = new() { ["o"] = "bind", ["device"] = "/srv/d" } } } }],
                Devices = [new CreateDevice { PathOnHost = "/dev/kvm" }],
                Sysctls = new() { ["net.core.somaxconn"] = "1024" },
            },
        };

        var facts = body.ToFacts();

        Assert.Equal(["/srv/a", "/srv/c", "/srv/d"], facts.BindSources);
        Assert.Equal(["/dev/kvm"], facts.Devices);
        Assert.Equal(["net.core.somaxconn"], facts.Sysctls);
    }
}
