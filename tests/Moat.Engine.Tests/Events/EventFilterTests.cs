using Moat.Engine.Events;

namespace Moat.Engine.Tests.Events;

public sealed class EventFilterTests
{
    private static DockerEvent Event(string type, string action, string id, params (string, string)[] attributes) =>
        new(type, action, id, attributes.ToDictionary(a => a.Item1, a => a.Item2), DateTimeOffset.UnixEpoch);

    private static bool Includes(string filters, DockerEvent e) => new EventFilter(FilterArgs.FromJson(filters)).Include(e);

    private static readonly DockerEvent ContainerStart = Event("container", "start", "3f2a9c", ("name", "web"), ("image", "busybox:latest"), ("com.example.tier", "front"));
    private static readonly DockerEvent ImagePull = Event("image", "pull", "sha256:aaaa", ("name", "docker.io/library/alpine:3.20"));
    private static readonly DockerEvent VolumeCreate = Event("volume", "create", "data", ("driver", "local"));

    [Fact]
    public void Include_NoFilters_EverythingPasses()
    {
        Assert.True(Includes("", ContainerStart));
        Assert.True(Includes("{}", VolumeCreate));
    }

    [Theory]
    [InlineData("""{"type":["container"]}""", true)]
    [InlineData("""{"type":["image","container"]}""", true)]
    [InlineData("""{"type":["image"]}""", false)]
    [InlineData("""{"event":["start"]}""", true)]
    [InlineData("""{"event":["stop"]}""", false)]
    [InlineData("""{"container":["web"]}""", true)]
    [InlineData("""{"container":["we"]}""", true)]
    [InlineData("""{"container":["3f2a"]}""", true)]
    [InlineData("""{"container":["db"]}""", false)]
    [InlineData("""{"image":["busybox:latest"]}""", true)]
    [InlineData("""{"image":["busybox"]}""", true)]
    [InlineData("""{"image":["alpine"]}""", false)]
    [InlineData("""{"label":["com.example.tier"]}""", true)]
    [InlineData("""{"label":["com.example.tier=front"]}""", true)]
    [InlineData("""{"label":["com.example.tier=back"]}""", false)]
    [InlineData("""{"scope":["local"]}""", true)]
    [InlineData("""{"scope":["swarm"]}""", false)]
    [InlineData("""{"type":["container"],"event":["start"],"container":["web"]}""", true)]
    [InlineData("""{"type":["container"],"event":["die"],"container":["web"]}""", false)]
    [InlineData("""{"volume":["data"]}""", false)]
    [InlineData("""{"unknown-key":["x"]}""", true)]
    public void Include_ContainerEvent(string filters, bool expected)
    {
        Assert.Equal(expected, Includes(filters, ContainerStart));
    }

    [Theory]
    [InlineData("""{"image":["alpine"]}""", true)]
    [InlineData("""{"image":["docker.io/library/alpine:3.20"]}""", true)]
    [InlineData("""{"image":["sha256:aaaa"]}""", true)]
    [InlineData("""{"image":["alpine:3.19"]}""", false)]
    [InlineData("""{"type":["image"],"event":["pull"]}""", true)]
    public void Include_ImageEvent(string filters, bool expected)
    {
        Assert.Equal(expected, Includes(filters, ImagePull));
    }

    [Fact]
    public void Include_ExecStartFilter_MatchesActionWithCommand()
    {
        var exec = Event("container", "exec_start: sh -c true", "abc");

        Assert.True(Includes("""{"event":["exec_start"]}""", exec));
        Assert.False(Includes("""{"event":["start"]}""", exec));
    }

    [Fact]
    public void Include_VolumeByName_MatchesActorId()
    {
        Assert.True(Includes("""{"volume":["data"]}""", VolumeCreate));
        Assert.False(Includes("""{"volume":["other"]}""", VolumeCreate));
    }

    [Theory]
    [InlineData("busybox:latest", "busybox")]
    [InlineData("docker.io/library/busybox:1.36", "busybox")]
    [InlineData("docker.io/library/busybox@sha256:abcd", "busybox")]
    [InlineData("docker.io/me/app:1", "me/app")]
    [InlineData("localhost:5000/a/b:1", "localhost:5000/a/b")]
    [InlineData("localhost:5000/a", "localhost:5000/a")]
    [InlineData("Busybox:latest", "Busybox:latest")]
    [InlineData("", "")]
    public void FamiliarName_StripsTagDigestAndDefaultRegistry(string reference, string expected)
    {
        Assert.Equal(expected, EventFilter.FamiliarName(reference));
    }
}
