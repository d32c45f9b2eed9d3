using Moat.Api.Contracts.Images;
using Moat.Engine.Errors;
using Moat.Engine.Images;

namespace Moat.Engine.Tests.Images;

public sealed class ImageChangesTests
{
    [Fact]
    public void Apply_EveryAllowedInstruction_SetsTheConfig()
    {
        var c = ImageChanges.Apply(new ImageConfig(),
        [
            "CMD [\"sh\", \"-c\", \"echo hi\"]",
            "ENTRYPOINT /bin/init",
            "ENV A=1 B=\"two words\"",
            "ENV C three words",
            "ENV A=3",
            "EXPOSE 80 53/udp 8000-8001",
            "LABEL org.x=\"y z\" k=v",
            "USER 1000:1000",
            "WORKDIR /srv",
            "WORKDIR app",
            "VOLUME [\"/data\", \"/logs\"]",
            "VOLUME /cache",
            "STOPSIGNAL SIGINT",
            "HEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost",
            "ONBUILD RUN make",
        ]);

        Assert.Equal(["sh", "-c", "echo hi"], c.Cmd!);
        Assert.Equal(["/bin/sh", "-c", "/bin/init"], c.Entrypoint!);
        Assert.Equal(["A=3", "B=two words", "C=three words"], c.Env!);
        Assert.Equal(["80/tcp", "53/udp", "8000/tcp", "8001/tcp"], c.ExposedPorts!.Keys);
        Assert.Equal("y z", c.Labels!["org.x"]);
        Assert.Equal("1000:1000", c.User);
        Assert.Equal("/srv/app", c.WorkingDir);
        Assert.Equal(["/data", "/logs", "/cache"], c.Volumes!.Keys);
        Assert.Equal("SIGINT", c.StopSignal);
        Assert.Equal(["CMD-SHELL", "wget -q localhost"], c.Healthcheck!.Test!);
        Assert.Equal(30_000_000_000L, c.Healthcheck.Interval);
        Assert.Equal(3, c.Healthcheck.Retries);
        Assert.Equal(["RUN make"], c.OnBuild!);
    }

    [Fact]
    public void Apply_EntrypointAfterNoCmd_ClearsCmd()
    {
        var c = ImageChanges.Apply(new ImageConfig { Cmd = ["old"] }, ["ENTRYPOINT [\"x\"]"]);

        Assert.Null(c.Cmd);
    }

    [Theory]
    [InlineData("RUN echo", "run is not a valid change command")]
    [InlineData("FROM scratch", "from is not a valid change command")]
    [InlineData("CMD", "CMD requires at least one argument")]
    [InlineData("EXPOSE 99999", "invalid containerPort: 99999")]
    public void Apply_Invalid_Refused(string change, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ImageChanges.Apply(new ImageConfig(), [change]));

        Assert.Equal(message, e.Message);
    }
}
