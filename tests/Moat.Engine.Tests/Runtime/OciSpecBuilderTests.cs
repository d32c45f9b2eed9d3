using System.Text.Json;
using Moat.Engine.Errors;
using Moat.Engine.Runtime;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Tests.Runtime;

public sealed class OciSpecBuilderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "moat-spec-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _rootfs;
    private readonly RuntimeOptions _options = new() { ExecRoot = "/run/moat-test" };

    public OciSpecBuilderTests()
    {
        _rootfs = Path.Combine(_dir, "rootfs");
        Directory.CreateDirectory(Path.Combine(_rootfs, "etc"));
        File.WriteAllText(Path.Combine(_rootfs, "etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n");
        File.WriteAllText(Path.Combine(_rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nwheel:x:10:app,root\ndocker:x:999:app\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ContainerRuntimeConfig Config(Func<ContainerRuntimeConfig, ContainerRuntimeConfig>? f = null)
    {
        var c = new ContainerRuntimeConfig { Id = "0123456789abcdef0123", Args = ["/bin/sh"] };
        return f is null ? c : f(c);
    }

    private SpecBuildResult Build(Func<ContainerRuntimeConfig, ContainerRuntimeConfig>? f = null, RuntimeOptions? options = null) =>
        OciSpecBuilder.Build(Config(f), Path.Combine(_dir, "c"), _rootfs, options ?? _options);

    [Fact]
    public void Build_Defaults_HaveDockerCapabilitiesWithoutInheritable()
    {
        var caps = Build().Spec.Process.Capabilities!;
        Assert.Equal(Capabilities.Default, caps.Bounding);
        Assert.Equal(Capabilities.Default, caps.Effective);
        Assert.Equal(Capabilities.Default, caps.Permitted);
        Assert.Null(caps.Inheritable);
        Assert.Null(caps.Ambient);
        Assert.Equal(0xa80425fbUL, Capabilities.ToMask(caps.Effective!));
    }

    [Fact]
    public void Build_Defaults_MountsMasksAndNamespacesAsDocker()
    {
        var spec = Build().Spec;
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"],
            spec.Mounts.Select(m => m.Destination));
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/sys").Options!);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/sys/fs/cgroup").Options!);
        Assert.Contains("size=67108864", spec.Mounts.Single(m => m.Destination == "/dev/shm").Options!);
        Assert.Contains("/proc/keys", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/timer_list", spec.Linux.MaskedPaths!);
        Assert.Contains("/sys/firmware", spec.Linux.MaskedPaths!);
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], spec.Linux.ReadonlyPaths!);
        Assert.Equal(["mount", "network", "uts", "pid", "ipc"], spec.Linux.Namespaces.Select(n => n.Type));
        Assert.Equal("/moat/0123456789abcdef0123", spec.Linux.CgroupsPath);
        Assert.Equal("0123456789ab", spec.Hostname);
        Assert.NotNull(spec.Linux.Seccomp);
        Assert.Null(spec.Process.NoNewPrivileges);
        Assert.Null(spec.Process.Rlimits);
        var devices = spec.Linux.Resources!.Devices!;
        Assert.False(devices[0].Allow);
        Assert.Equal("rwm", devices[0].Access);
        Assert.Contains(devices, d => d.Allow && d.Major == 1 && d.Minor == 3);
        Assert.Contains(devices, d => !d.Allow && d.Major == 10 && d.Minor == 229);
    }

    [Fact]
    public void Build_Env_GetsPathHostnameHomeAndTerm()
    {
        var env = Build(c => c with { Env = ["A=1"], Terminal = true, Hostname = "web" }).Spec.Process.Env!;
        Assert.Equal(["PATH=" + OciSpecBuilder.DefaultPath, "A=1", "HOSTNAME=web", "TERM=xterm", "HOME=/root"], env);
        var own = Build(c => c with { Env = ["PATH=/x", "HOME=/h"] }).Spec.Process.Env!;
        Assert.Contains("PATH=/x", own);
        Assert.Contains("HOME=/h", own);
        Assert.DoesNotContain(own, e => e.StartsWith("PATH=/usr", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Privileged_LiftsEverything()
    {
        var spec = Build(c => c with { Privileged = true }).Spec;
        Assert.Equal(Capabilities.HeldByDaemon, spec.Process.Capabilities!.Effective);
        Assert.Null(spec.Linux.MaskedPaths);
        Assert.Null(spec.Linux.ReadonlyPaths);
        Assert.Null(spec.Linux.Seccomp);
        Assert.DoesNotContain("ro", spec.Mounts.Single(m => m.Destination == "/sys").Options!);
        Assert.DoesNotContain("ro", spec.Mounts.Single(m => m.Destination == "/sys/fs/cgroup").Options!);
        var rule = Assert.Single(spec.Linux.Resources!.Devices!);
        Assert.True(rule.Allow);
        Assert.Contains(spec.Linux.Devices!, d => d.Path == "/dev/null");
    }

    [Fact]
    public void Build_CapAddDrop_FollowDockerRules()
    {
        var caps = Build(c => c with { CapAdd = ["sys_admin", "CAP_NET_ADMIN"], CapDrop = ["chown", "Net_Raw"] }).Spec.Process.Capabilities!.Bounding!;
        Assert.Contains("CAP_SYS_ADMIN", caps);
        Assert.Contains("CAP_NET_ADMIN", caps);
        Assert.DoesNotContain("CAP_CHOWN", caps);
        Assert.DoesNotContain("CAP_NET_RAW", caps);

        var onlyKill = Build(c => c with { CapDrop = ["ALL"], CapAdd = ["KILL"] }).Spec.Process.Capabilities!.Bounding!;
        Assert.Equal(["CAP_KILL"], onlyKill);

        var allButOne = Build(c => c with { CapAdd = ["all"], CapDrop = ["SYS_ADMIN"] }).Spec.Process.Capabilities!.Bounding!;
        Assert.Equal(Capabilities.HeldByDaemon.Count - 1, allButOne.Count);
        Assert.DoesNotContain("CAP_SYS_ADMIN", allButOne);
    }

    [Fact]
    public void Build_UnknownCapability_ThrowsInvalidArgument()
    {
        var e = Assert.Throws<InvalidArgumentException>(() => Build(c => c with { CapAdd = ["FLY"] }));
        Assert.Equal("unknown capability: \"CAP_FLY\"", e.Message);
    }

    [Fact]
    public void Build_CapNotHeldByDaemon_IsLeftOutWithWarning()
    {
        var missing = Capabilities.All.Except(Capabilities.HeldByDaemon).FirstOrDefault();
        if (missing is null) return; // the daemon holds every capability: nothing can be missing on this host
        var result = Build(c => c with { CapAdd = [missing] });
        Assert.DoesNotContain(missing, result.Spec.Process.Capabilities!.Bounding!);
        Assert.Contains(result.Warnings, w => w.Contains(missing, StringComparison.Ordinal));
    }

    [Fact]
    public void Build_ReadonlyRootfs_MarksRootAndEtcMounts()
    {
        var spec = Build(c => c with { ReadonlyRootfs = true }).Spec;
        Assert.True(spec.Root.Readonly);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/etc/hosts").Options!);
        Assert.Null(Build().Spec.Root.Readonly);
    }

    [Fact]
    public void Build_Limits_MapToCgroupResources()
    {
        var r = Build(c => c with { Memory = 128L << 20, NanoCpus = 1_500_000_000, CpuShares = 512, CpusetCpus = "0", PidsLimit = 100, MemoryReservation = 64L << 20 }).Spec.Linux.Resources!;
        Assert.Equal(128L << 20, r.Memory!.Limit);
        Assert.Equal(256L << 20, r.Memory.Swap);
        Assert.Equal(64L << 20, r.Memory.Reservation);
        Assert.Equal(150_000, r.Cpu!.Quota);
        Assert.Equal(100_000UL, r.Cpu.Period);
        Assert.Equal(512UL, r.Cpu.Shares);
        Assert.Equal("0", r.Cpu.Cpus);
        Assert.Equal(100, r.Pids!.Limit);
        Assert.Equal(-1, Build(c => c with { Memory = 64L << 20, MemorySwap = -1 }).Spec.Linux.Resources!.Memory!.Swap);
        Assert.Null(Build().Spec.Linux.Resources!.Memory);
    }

    [Theory]
    [InlineData(1024L, 0L, "Minimum memory limit allowed is 6MB")]
    [InlineData(64L << 20, 32L << 20, "Minimum memoryswap limit should be larger than memory limit, see usage")]
    [InlineData(0L, 64L << 20, "You should always set the Memory limit when using Memoryswap limit, see usage")]
    public void Build_BadMemory_ThrowsDockersMessage(long memory, long swap, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Memory = memory, MemorySwap = swap }));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void BuildRlimits_AboveDaemonHardLimit_IsCappedWithWarning()
    {
        var warnings = new List<string>();
        var hard = new Dictionary<string, ulong> { ["nofile"] = 20000, ["nproc"] = ulong.MaxValue };
        var limits = OciSpecBuilder.BuildRlimits(Config(c => c with { Ulimits = [new Ulimit("nofile", 1048576, 1048576), new Ulimit("nproc", 100, 200)] }),
            new RuntimeOptions { DefaultUlimits = [new Ulimit("core", 0, 0)] }, warnings, hard)!;
        var nofile = limits.Single(l => l.Type == "RLIMIT_NOFILE");
        Assert.Equal(20000UL, nofile.Hard);
        Assert.Equal(20000UL, nofile.Soft);
        Assert.Equal(200UL, limits.Single(l => l.Type == "RLIMIT_NPROC").Hard);
        Assert.Contains(limits, l => l.Type == "RLIMIT_CORE");
        Assert.Single(warnings);
    }

    [Fact]
    public void BuildRlimits_RealDaemonLimits_NeverExceeded()
    {
        var spec = Build(c => c with { Ulimits = [new Ulimit("nofile", 1 << 30, 1 << 30)] }).Spec;
        Assert.True(spec.Process.Rlimits!.Single().Hard <= HostLimits.HardLimits["nofile"]);
    }

    [Fact]
    public void Build_BadUlimit_Throws()
    {
        Assert.Equal("invalid ulimit type: bogus", Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Ulimits = [new Ulimit("bogus", 1, 1)] })).Message);
        Assert.StartsWith("ulimit soft limit must be less than or equal to hard limit", Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Ulimits = [new Ulimit("nofile", 10, 5)] })).Message);
    }

    [Fact]
    public void Build_TmpfsAndBinds_AreAddedParentsFirst()
    {
        string src = Path.Combine(_dir, "src");
        Directory.CreateDirectory(src);
        var spec = Build(c => c with
        {
            Tmpfs = new Dictionary<string, string> { ["/run"] = "size=1m,exec" },
            Mounts = [new BindMount(src, "/data/sub", ReadOnly: true, Propagation: "rslave"), new BindMount(src, "/data")],
        }).Spec;
        var run = spec.Mounts.Single(m => m.Destination == "/run");
        Assert.Equal("tmpfs", run.Type);
        Assert.Equal(["nosuid", "nodev", "size=1m", "exec"], run.Options);
        var destinations = spec.Mounts.Select(m => m.Destination).ToList();
        Assert.True(destinations.IndexOf("/data") < destinations.IndexOf("/data/sub"));
        Assert.Equal(["rbind", "ro", "rslave"], spec.Mounts.Single(m => m.Destination == "/data/sub").Options);
        Assert.Equal(["rbind", "rw", "rprivate"], spec.Mounts.Single(m => m.Destination == "/data").Options);
    }

    [Fact]
    public void Build_UserMountOverridesDefault()
    {
        var spec = Build(c => c with { Tmpfs = new Dictionary<string, string> { ["/dev/shm"] = "size=1g" } }).Spec;
        var shm = Assert.Single(spec.Mounts, m => m.Destination == "/dev/shm");
        Assert.Contains("size=1g", shm.Options!);
    }

    [Fact]
    public void Build_BadMounts_Throw()
    {
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Mounts = [new BindMount("/no/such/dir", "/x")] }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Mounts = [new BindMount(_dir, "relative")] }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Mounts = [new BindMount(_dir, "/")] }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Mounts = [new BindMount(_dir, "/x"), new BindMount(_dir, "/x/")] }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Mounts = [new BindMount(_dir, "/x", Propagation: "weird")] }));
    }

    [Theory]
    [InlineData(null, 0u, 0u, "/root")]
    [InlineData("app", 1000u, 1000u, "/home/app")]
    [InlineData("1000", 1000u, 1000u, "/home/app")]
    [InlineData("4242", 4242u, 0u, "/")]
    [InlineData("app:nogroup", 1000u, 65534u, "/home/app")]
    [InlineData("nobody:7", 65534u, 7u, "/nonexistent")]
    public void Build_User_IsResolvedFromTheRootfs(string? user, uint uid, uint gid, string home)
    {
        var spec = Build(c => c with { User = user }).Spec;
        Assert.Equal(uid, spec.Process.User.Uid);
        Assert.Equal(gid, spec.Process.User.Gid);
        Assert.Contains("HOME=" + home, spec.Process.Env!);
    }

    [Fact]
    public void Build_User_GetsSupplementaryGroupsAndGroupAdd()
    {
        var user = Build(c => c with { User = "app", GroupAdd = ["docker", "4000"] }).Spec.Process.User;
        Assert.Equal([10u, 999u, 4000u], user.AdditionalGids);
    }

    [Fact]
    public void Build_UnknownUserOrGroup_Throws()
    {
        Assert.Equal("unable to find user ghost: no matching entries in passwd file", Assert.Throws<InvalidArgumentException>(() => Build(c => c with { User = "ghost" })).Message);
        Assert.Equal("unable to find group ghosts: no matching entries in group file", Assert.Throws<InvalidArgumentException>(() => Build(c => c with { User = "app:ghosts" })).Message);
    }

    [Fact]
    public void Build_PasswdSymlinkOutOfRootfs_StaysInside()
    {
        File.Delete(Path.Combine(_rootfs, "etc/passwd"));
        Directory.CreateDirectory(Path.Combine(_rootfs, "real"));
        File.WriteAllText(Path.Combine(_rootfs, "real/passwd"), "svc:x:321:321::/srv:/bin/sh\n");
        // An absolute link means "/" of the container, never the host's /.
        File.CreateSymbolicLink(Path.Combine(_rootfs, "etc/passwd"), "/../../../../real/passwd");
        Assert.Equal(321u, Build(c => c with { User = "svc" }).Spec.Process.User.Uid);
    }

    [Fact]
    public void Build_EtcFiles_AreWrittenAndMounted()
    {
        var spec = Build(c => c with { Hostname = "web", Domainname = "example.org", ExtraHosts = ["db:10.0.0.5"], Dns = ["10.0.0.53"], DnsSearch = ["example.org"] }).Spec;
        string dir = Path.Combine(_dir, "c");
        string hosts = File.ReadAllText(Path.Combine(dir, "hosts"));
        Assert.StartsWith("127.0.0.1\tlocalhost\n", hosts);
        Assert.Contains("10.0.0.5\tdb\n", hosts);
        Assert.Contains("\tweb\n", hosts);
        Assert.Equal("web\n", File.ReadAllText(Path.Combine(dir, "hostname")));
        Assert.Equal("nameserver 10.0.0.53\nsearch example.org\n", File.ReadAllText(Path.Combine(dir, "resolv.conf")));
        Assert.Equal(Path.Combine(dir, "hosts"), spec.Mounts.Single(m => m.Destination == "/etc/hosts").Source);
        Assert.Equal("example.org", spec.Domainname);
    }

    [Fact]
    public void Build_NoNewPrivileges_DaemonDefaultAndOverride()
    {
        Assert.True(Build(options: _options with { NoNewPrivileges = true }).Spec.Process.NoNewPrivileges);
        Assert.Null(Build(c => c with { NoNewPrivileges = false }, _options with { NoNewPrivileges = true }).Spec.Process.NoNewPrivileges);
        Assert.True(Build(c => c with { NoNewPrivileges = true }).Spec.Process.NoNewPrivileges);
    }

    [Fact]
    public void Build_Seccomp_UnconfinedAndCustom()
    {
        Assert.Null(Build(c => c with { Seccomp = SeccompMode.Unconfined }).Spec.Linux.Seccomp);
        Assert.Null(Build(options: _options with { SeccompProfile = "unconfined" }).Spec.Linux.Seccomp);
        var custom = Build(c => c with { Seccomp = SeccompMode.Custom, SeccompProfileJson = """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod"],"action":"SCMP_ACT_ERRNO"}]}""" }).Spec.Linux.Seccomp!;
        Assert.Equal("SCMP_ACT_ALLOW", custom.DefaultAction);
        Assert.Equal(["chmod"], Assert.Single(custom.Syscalls!).Names);
    }

    [Fact]
    public void Build_Sysctls_AreValidatedAsDocker()
    {
        Assert.Equal("1", Build(c => c with { Sysctls = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" } }).Spec.Linux.Sysctl!["net.ipv4.ip_forward"]);
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Sysctls = new Dictionary<string, string> { ["kernel.panic"] = "1" } }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { NetworkMode = NamespaceMode.Host, Sysctls = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" } }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { IpcMode = NamespaceMode.Host, Sysctls = new Dictionary<string, string> { ["kernel.shmmax"] = "1" } }));
    }

    [Fact]
    public void Build_HostNamespaces_AreLeftOut()
    {
        var spec = Build(c => c with { NetworkMode = NamespaceMode.Host, PidMode = NamespaceMode.Host, IpcMode = NamespaceMode.Host }).Spec;
        Assert.Equal(["mount", "uts"], spec.Linux.Namespaces.Select(n => n.Type));
        Assert.Equal(Environment.MachineName, spec.Hostname);
        var hostUts = Build(c => c with { UtsMode = NamespaceMode.Host }).Spec;
        Assert.DoesNotContain(hostUts.Linux.Namespaces, n => n.Type == "uts");
        Assert.Null(hostUts.Hostname);
        Assert.Equal("bind", spec.Mounts.Single(m => m.Destination == "/dev/shm").Type);
        var joined = Build(c => c with { NetworkNamespacePath = "/run/netns/x" }).Spec;
        Assert.Equal("/run/netns/x", joined.Linux.Namespaces.Single(n => n.Type == "network").Path);
    }

    [Fact]
    public void Build_DevicesAndRules()
    {
        var spec = Build(c => c with { Devices = [new DeviceMapping("/dev/null", "/dev/mynull", "rw")], DeviceCgroupRules = ["c 42:* rmw"] }).Spec;
        var dev = Assert.Single(spec.Linux.Devices!);
        Assert.Equal(("/dev/mynull", "c", 1L, 3L), (dev.Path, dev.Type, dev.Major, dev.Minor));
        Assert.Contains(spec.Linux.Resources!.Devices!, r => r.Allow && r.Major == 1 && r.Minor == 3 && r.Access == "rw");
        Assert.Contains(spec.Linux.Resources!.Devices!, r => r.Allow && r.Major == 42 && r.Minor == null && r.Access == "rmw");
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { Devices = [new DeviceMapping("/etc/hostname", "/x")] }));
        Assert.Throws<InvalidArgumentException>(() => Build(c => c with { DeviceCgroupRules = ["x 1:2 r"] }));
    }

    [Fact]
    public void Build_LabelsAndCgroupsPath()
    {
        var spec = Build(c => c with { Labels = new Dictionary<string, string> { ["com.example"] = "v" }, CgroupsPath = "/custom/x" }).Spec;
        Assert.Equal("v", spec.Annotations!["com.example"]);
        Assert.Equal("/custom/x", spec.Linux.CgroupsPath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../evil")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public void Build_BadId_Throws(string id) =>
        Assert.Throws<InvalidArgumentException>(() => OciSpecBuilder.Build(new ContainerRuntimeConfig { Id = id, Args = ["sh"] }, _dir, _rootfs, _options));

    [Fact]
    public void Build_Json_IsCamelCaseWithoutNulls()
    {
        string json = JsonSerializer.Serialize(Build().Spec, OciJsonContext.Default.OciSpec);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("1.0.2", doc.RootElement.GetProperty("ociVersion").GetString());
        Assert.True(doc.RootElement.GetProperty("linux").TryGetProperty("maskedPaths", out _));
        Assert.DoesNotContain("null", json);
    }
}
