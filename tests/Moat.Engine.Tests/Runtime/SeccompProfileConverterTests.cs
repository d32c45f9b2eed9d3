using Moat.Engine.Errors;
using Moat.Engine.Runtime;
using Moat.Engine.Runtime.Oci;
using Moat.Engine.Runtime.Seccomp;

namespace Moat.Engine.Tests.Runtime;

public sealed class SeccompProfileConverterTests
{
    private static readonly Version Kernel = new(6, 1);

    private static OciSeccomp Convert(IEnumerable<string> caps, string arch = "amd64", Version? kernel = null) =>
        SeccompProfileConverter.Convert(SeccompProfileConverter.DefaultProfile, caps.ToList(), arch, kernel ?? Kernel);

    private static bool Allows(OciSeccomp s, string syscall) =>
        s.Syscalls!.Any(r => r.Action == "SCMP_ACT_ALLOW" && r.Names.Contains(syscall) && r.Args is null);

    private static bool Mentions(OciSeccomp s, string syscall) => s.Syscalls!.Any(r => r.Names.Contains(syscall));

    [Fact]
    public void Default_DeniesByErrnoWithNativeArches()
    {
        var s = Convert(Capabilities.Default);
        Assert.Equal("SCMP_ACT_ERRNO", s.DefaultAction);
        Assert.Equal(1u, s.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], s.Architectures);
        Assert.True(Allows(s, "read"));
        Assert.True(Allows(s, "clone3") || Mentions(s, "clone3"));
    }

    [Theory]
    [InlineData("keyctl")]
    [InlineData("add_key")]
    [InlineData("mount")]
    [InlineData("umount2")]
    [InlineData("unshare")]
    [InlineData("setns")]
    [InlineData("bpf")]
    [InlineData("kcmp")]
    [InlineData("kexec_load")]
    [InlineData("reboot")]
    [InlineData("init_module")]
    public void Default_BlocksDangerousSyscalls(string syscall) =>
        Assert.False(Allows(Convert(Capabilities.Default), syscall));

    [Fact]
    public void SysAdmin_AllowsMountUnshareAndSetns()
    {
        var s = Convert([.. Capabilities.Default, "CAP_SYS_ADMIN"]);
        Assert.True(Allows(s, "mount"));
        Assert.True(Allows(s, "umount2"));
        Assert.True(Allows(s, "unshare"));
        Assert.True(Allows(s, "setns"));
        Assert.False(Allows(s, "keyctl"));
    }

    [Fact]
    public void SysAdmin_DropsTheRestrictedCloneRule()
    {
        // Without CAP_SYS_ADMIN clone is allowed only without namespace flags (an args rule); with it, unrestricted.
        var plain = Convert(Capabilities.Default);
        Assert.Contains(plain.Syscalls!, r => r.Names.Contains("clone") && r.Args is { Count: > 0 });
        Assert.Contains(plain.Syscalls!, r => r.Names.Contains("clone3") && r.Action == "SCMP_ACT_ERRNO" && r.ErrnoRet == 38);
        var admin = Convert([.. Capabilities.Default, "CAP_SYS_ADMIN"]);
        Assert.DoesNotContain(admin.Syscalls!, r => r.Names.Contains("clone") && r.Args is { Count: > 0 });
        Assert.True(Allows(admin, "clone"));
    }

    [Fact]
    public void PtraceCap_AllowsKcmp() => Assert.True(Allows(Convert([.. Capabilities.Default, "CAP_SYS_PTRACE"]), "kcmp"));

    [Fact]
    public void Ptrace_AllowedFromKernel48Only()
    {
        Assert.True(Allows(Convert(Capabilities.Default), "ptrace"));
        Assert.False(Allows(Convert(Capabilities.Default, kernel: new Version(4, 4)), "ptrace"));
    }

    [Fact]
    public void OtherArch_GetsItsOwnArchesAndRules()
    {
        var s = Convert(Capabilities.Default, "arm64");
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], s.Architectures);
        Assert.False(Allows(s, "arch_prctl")); // amd64/x32 only
        Assert.True(Allows(Convert(Capabilities.Default), "arch_prctl"));
    }

    [Fact]
    public void MinKernel_IsHonoured()
    {
        var profile = SeccompProfileConverter.Parse("""
            {"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
              {"names":["new_call"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"5.10"}},
              {"names":["old_call"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"5.10"}}]}
            """);
        var old = SeccompProfileConverter.Convert(profile, [], "amd64", new Version(4, 19));
        Assert.Equal(["old_call"], Assert.Single(old.Syscalls!).Names);
        var recent = SeccompProfileConverter.Convert(profile, [], "amd64", new Version(6, 1));
        Assert.Equal(["new_call"], Assert.Single(recent.Syscalls!).Names);
    }

    [Fact]
    public void Custom_NameAndNames_IsRejected()
    {
        var profile = SeccompProfileConverter.Parse("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}""");
        var e = Assert.Throws<InvalidArgumentException>(() => SeccompProfileConverter.Convert(profile, [], "amd64", Kernel));
        Assert.Contains("use either 'name' or 'names'", e.Message);
    }

    [Fact]
    public void Custom_SingleName_AndArchitecturesList()
    {
        var profile = SeccompProfileConverter.Parse("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"name":"chmod","action":"SCMP_ACT_ERRNO","errnoRet":13}]}""");
        var s = SeccompProfileConverter.Convert(profile, [], "amd64", Kernel);
        Assert.Equal(["SCMP_ARCH_X86_64"], s.Architectures);
        var rule = Assert.Single(s.Syscalls!);
        Assert.Equal(["chmod"], rule.Names);
        Assert.Equal(13u, rule.ErrnoRet);
    }

    [Theory]
    [InlineData("{not json", "Decoding seccomp profile failed")]
    [InlineData("""{"syscalls":[]}""", "defaultAction is required")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}""", "use either 'architectures' or 'archMap'")]
    public void Custom_Invalid_ThrowsInvalidArgument(string json, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => SeccompProfileConverter.Convert(SeccompProfileConverter.Parse(json), [], "amd64", Kernel));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("6.18.44-fc-v669", 6, 18)]
    [InlineData("5.10.0-21-amd64", 5, 10)]
    [InlineData("4.8", 4, 8)]
    public void ParseKernel_ReadsMajorMinor(string text, int major, int minor) =>
        Assert.Equal(new Version(major, minor), SeccompProfileConverter.ParseKernel(text));
}
