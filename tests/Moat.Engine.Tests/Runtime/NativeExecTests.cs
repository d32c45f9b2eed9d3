using System.Text;
using Moat.Engine.Errors;
using Moat.Engine.Runtime;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Tests.Runtime;

public sealed class NativeExecTests
{
    private static List<(string Key, string Value)> Records(byte[] config) =>
        Encoding.UTF8.GetString(config).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(r => (r[..r.IndexOf(' ')], r[(r.IndexOf(' ') + 1)..])).ToList();

    private static OciSpec Spec(OciSeccomp? seccomp = null) => new()
    {
        Process = new OciProcess(),
        Linux = new OciLinux
        {
            Namespaces = [new() { Type = "pid" }, new() { Type = "network" }, new() { Type = "mount" }],
            Seccomp = seccomp,
        },
    };

    private static OciProcess Process() => new()
    {
        Args = ["sh", "-c", "echo a\nb"],
        Env = ["PATH=/bin", "MULTI=line1\nline2"],
        Cwd = "/tmp",
        User = new OciUser { Uid = 65534, Gid = 65534, AdditionalGids = [10, 20] },
        Capabilities = new OciCapabilities
        {
            Bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            Effective = ["CAP_KILL"],
            Permitted = ["CAP_KILL"],
        },
        Rlimits = [new() { Type = "RLIMIT_NOFILE", Soft = 1024, Hard = 4096 }],
        NoNewPrivileges = true,
        OomScoreAdj = 100,
    };

    [Fact]
    public void Build_ProcessAndContainer_AllRecordsInOrder()
    {
        var records = Records(NativeExec.Build(Process(), Spec(), 4242, [new(false, "/sys/fs/cgroup/pids/moat/x"), new(true, "/sys/fs/cgroup/unified/moat/x")]));

        Assert.Contains(("pid", "4242"), records);
        Assert.Equal(["pid", "network", "mount"], records.Where(r => r.Key == "ns").Select(r => r.Value));
        Assert.Contains(("cgroup-v1", "/sys/fs/cgroup/pids/moat/x"), records);
        Assert.Contains(("cgroup-v2", "/sys/fs/cgroup/unified/moat/x"), records);
        Assert.Equal(["sh", "-c", "echo a\nb"], records.Where(r => r.Key == "arg").Select(r => r.Value));
        Assert.Contains(("env", "MULTI=line1\nline2"), records);
        Assert.Contains(("cwd", "/tmp"), records);
        Assert.Contains(("uid", "65534"), records);
        Assert.Equal(["10", "20"], records.Where(r => r.Key == "group").Select(r => r.Value));
        // CAP_CHOWN = 0, CAP_KILL = 5, CAP_NET_BIND_SERVICE = 10.
        Assert.Contains(("cap-bounding", "421"), records);
        Assert.Contains(("cap-effective", "20"), records);
        Assert.Contains(("cap-inheritable", "0"), records);
        Assert.Contains(("no-new-privs", "1"), records);
        Assert.Contains(("rlimit", "7 1024 4096"), records);
        Assert.Contains(("oom-score-adj", "100"), records);
        Assert.DoesNotContain(records, r => r.Key.StartsWith("seccomp", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_NulInArgument_Refused()
    {
        var p = Process();
        p.Args = ["echo", "a\0b"];
        Assert.Throws<InvalidArgumentException>(() => NativeExec.Build(p, Spec(), 1, []));
    }

    [Fact]
    public void Build_UnknownCapability_Refused()
    {
        var p = Process();
        p.Capabilities!.Effective = ["CAP_MAKE_COFFEE"];
        Assert.Throws<InvalidOperationException>(() => NativeExec.Build(p, Spec(), 1, []));
    }

    [Fact]
    public void Build_Seccomp_ActionsArchesAndRunc_AndOrSemantics()
    {
        var seccomp = new OciSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = 1,
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
            Syscalls =
            [
                new() { Names = ["read", "write"], Action = "SCMP_ACT_ALLOW" },
                // Same argument twice: any of the values (one rule each).
                new()
                {
                    Names = ["personality"], Action = "SCMP_ACT_ALLOW",
                    Args = [new() { Index = 0, Value = 0, Op = "SCMP_CMP_EQ" }, new() { Index = 0, Value = 8, Op = "SCMP_CMP_EQ" }],
                },
                // Distinct arguments: all of them (one rule).
                new()
                {
                    Names = ["clone"], Action = "SCMP_ACT_ALLOW",
                    Args = [new() { Index = 0, Value = 2114060288, Op = "SCMP_CMP_MASKED_EQ" }, new() { Index = 1, Value = 5, ValueTwo = 6, Op = "SCMP_CMP_GT" }],
                },
                new() { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38 },
                // The default action again: nothing to add.
                new() { Names = ["reboot"], Action = "SCMP_ACT_ERRNO" },
            ],
        };
        var records = Records(NativeExec.Build(Process(), Spec(seccomp), 1, [], "/run/moat/moat-seccomp"));

        Assert.Contains(("seccomp-default", (0x00050000u | 1).ToString()), records);
        Assert.Equal(["x86_64", "x86"], records.Where(r => r.Key == "seccomp-arch").Select(r => r.Value));
        var rules = records.Where(r => r.Key == "seccomp-rule").Select(r => r.Value).ToList();
        Assert.Equal(
        [
            "2147418112 read",
            "2147418112 write",
            "2147418112 personality 0 4 0 0",
            "2147418112 personality 0 4 8 0",
            "2147418112 clone 0 7 2114060288 0 1 6 5 6",
            $"{0x00050000u | 38} clone3",
        ], rules);
        string cache = Assert.Single(records, r => r.Key == "seccomp-cache").Value;
        Assert.Matches("^/run/moat/moat-seccomp/[0-9a-f]{64}\\.bpf$", cache);
    }

    [Fact]
    public void Build_SameProfile_SameCacheFile_OtherProfile_Other()
    {
        OciSeccomp Profile(string action) => new()
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Syscalls = [new() { Names = ["read"], Action = action }],
        };
        string Cache(OciSeccomp s, OciProcess p) =>
            Records(NativeExec.Build(p, Spec(s), 1, [], "/c")).Single(r => r.Key == "seccomp-cache").Value;
        var other = Process();
        other.Args = ["true"];
        Assert.Equal(Cache(Profile("SCMP_ACT_ALLOW"), Process()), Cache(Profile("SCMP_ACT_ALLOW"), other));
        Assert.NotEqual(Cache(Profile("SCMP_ACT_ALLOW"), Process()), Cache(Profile("SCMP_ACT_LOG"), Process()));
    }

    [Theory]
    [InlineData("SCMP_ACT_ALLOW", null, 0x7fff0000u)]
    [InlineData("SCMP_ACT_ERRNO", null, 0x00050001u)]
    [InlineData("SCMP_ACT_ERRNO", 13u, 0x0005000du)]
    [InlineData("SCMP_ACT_KILL", null, 0u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", null, 0x80000000u)]
    [InlineData("SCMP_ACT_TRAP", null, 0x00030000u)]
    [InlineData("SCMP_ACT_LOG", null, 0x7ffc0000u)]
    public void Action_LibseccompValues(string action, uint? errno, uint expected) =>
        Assert.Equal(expected, NativeExec.Action(action, errno));

    [Fact]
    public void Action_Notify_Refused() =>
        Assert.Throws<InvalidOperationException>(() => NativeExec.Action("SCMP_ACT_NOTIFY", null));

    [Fact]
    public void CgroupDirs_Hybrid_EveryHierarchyOfInit()
    {
        const string mountinfo = """
            30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
            31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
            32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
            33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
            34 30 0:30 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
            35 30 0:31 /nested /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
            """;
        const string procCgroup = """
            9:name=systemd:/moat/abc
            4:cpu,cpuacct:/moat/abc
            3:pids:/moat/abc
            2:memory:/nested/moat/abc
            1:rdma:/
            0::/moat/abc
            """;
        Assert.Equal(
        [
            new(false, "/sys/fs/cgroup/systemd/moat/abc"),
            new(false, "/sys/fs/cgroup/cpu,cpuacct/moat/abc"),
            new(false, "/sys/fs/cgroup/pids/moat/abc"),
            new(false, "/sys/fs/cgroup/memory/moat/abc"),
            new NativeExec.CgroupDir(true, "/sys/fs/cgroup/unified/moat/abc"),
        ], NativeExec.CgroupDirs(procCgroup, mountinfo));
    }

    [Fact]
    public void CheckOwnCgroup_OtherProcessesCgroup_NotRunning()
    {
        NativeExec.CheckOwnCgroup([new(false, "/sys/fs/cgroup/pids/moat/abc"), new(true, "/sys/fs/cgroup/unified/moat/abc")], "/moat/abc", "abc");
        NativeExec.CheckOwnCgroup([new(false, "/sys/fs/cgroup/rdma"), new(true, "/sys/fs/cgroup/unified/moat/abc")], "/moat/abc", "abc");
        Assert.Throws<RuntimeStateException>(() =>
            NativeExec.CheckOwnCgroup([new(false, "/sys/fs/cgroup/pids/user.slice"), new(true, "/sys/fs/cgroup/unified/user.slice")], "/moat/abc", "abc"));
        Assert.Throws<RuntimeStateException>(() => NativeExec.CheckOwnCgroup([], "/moat/abc", "abc"));
    }

    [Fact]
    public void Covers_AppArmorProfile_LeftToTheRuntime()
    {
        Assert.True(NativeExec.Covers(Process()));
        var p = Process();
        p.ApparmorProfile = "docker-default";
        Assert.False(NativeExec.Covers(p));
    }

    [Fact]
    public void Supports_NamespaceRuntimesOnly()
    {
        Assert.True(NativeExec.Supports(new RuncRuntime("/tmp/x")));
        Assert.True(NativeExec.Supports(new CrunRuntime("/tmp/x")));
        Assert.False(NativeExec.Supports(new CustomCliRuntime("runsc", "/tmp/x", "/usr/bin/runsc")));
    }
}
