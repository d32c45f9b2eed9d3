using System.Text;
using Moat.Security.Identity;
using Moat.Security.Policy;

namespace Moat.Security.Tests.Policy;

public sealed class AuthorizationPolicyTests
{
    internal static AuthorizationPolicy Parse(string json) => AuthorizationPolicy.Parse(Encoding.UTF8.GetBytes(json), "test.json");

    internal static Caller Unix(string user, int uid = 1000, params string[] groups) =>
        new() { User = user, Groups = groups, Method = AuthMethod.PeerCredentials, Uid = uid, Gid = uid, Transport = "unix" };

    internal static Caller Tls(string user, params string[] groups) =>
        new() { User = user, Groups = groups, Method = AuthMethod.Tls, Transport = "tls" };

    private const string Sample = """
        {
          "roles": {
            "ci": { "actions": ["container.*", "image.pull"], "scope": "own",
                    "constraints": { "capabilities": ["NET_ADMIN"] } }
          },
          "bindings": [
            { "role": "viewer", "users": ["vera"] },
            { "role": "developer", "groups": ["dev"] },
            { "role": "ci", "users": ["jenkins"] },
            { "role": "operator", "users": ["olga"] },
            { "role": "admin", "groups": ["ops"] },
            { "role": "viewer", "anonymous": true }
          ]
        }
        """;

    [Theory]
    [InlineData("system.info", true)]
    [InlineData("container.list", true)]
    [InlineData("image.list", true)]
    [InlineData("container.inspect", true)]
    [InlineData("container.create", false)]
    [InlineData("image.delete", false)]
    [InlineData("volume.create", false)]
    [InlineData("container.exec", false)]
    [InlineData("container.archive", false)]
    [InlineData("container.extract", false)]
    public void Authorize_Viewer_IsReadOnly(string action, bool allowed)
    {
        var decision = Parse(Sample).Authorize(Unix("vera"), action);

        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Authorize_GroupBinding_GrantsRoleWithOwnScope()
    {
        var decision = Parse(Sample).Authorize(Unix("dan", 1001, "dev"), "container.create");

        Assert.True(decision.Allowed);
        Assert.Equal(AccessScope.Own, decision.Scope);
        Assert.Equal("role developer allows container.create", decision.Rule);
    }

    [Fact]
    public void Authorize_DeveloperDeletingImage_DeniedWithRule()
    {
        var decision = Parse(Sample).Authorize(Unix("dan", 1001, "dev"), "image.delete");

        Assert.False(decision.Allowed);
        Assert.Equal("no role of user dan allows image.delete", decision.Rule);
    }

    [Fact]
    public void Authorize_UserWithoutBinding_Denied()
    {
        var decision = Parse(Sample).Authorize(Unix("mallory"), "system.info");

        Assert.False(decision.Allowed);
        Assert.Equal("user mallory has no role", decision.Rule);
    }

    [Theory]
    [InlineData("system.ping")]
    [InlineData("system.version")]
    public void Authorize_PingAndVersion_AlwaysAllowed(string action)
    {
        Assert.True(Parse("{}").Authorize(Unix("mallory"), action).Allowed);
        Assert.True(Parse("{}").Authorize(Caller.Anonymous, action).Allowed);
    }

    [Fact]
    public void Authorize_RootOnUnixSocket_IsAdminWithoutBinding()
    {
        var decision = Parse("{}").Authorize(Unix("root", 0), "container.create");

        Assert.True(decision.Allowed);
        Assert.True(decision.IsAdmin);
    }

    [Fact]
    public void Authorize_CertificateNamedRoot_IsNotAdmin()
    {
        var decision = Parse("{}").Authorize(Tls("root"), "container.create");

        Assert.False(decision.Allowed);
    }

    [Fact]
    public void Authorize_AdminGroupFromCertificateOU_GetsEverything()
    {
        var decision = Parse(Sample).Authorize(Tls("carol", "Example Corp", "ops"), "image.delete");

        Assert.True(decision.Allowed);
        Assert.True(decision.IsAdmin);
    }

    [Fact]
    public void Authorize_AnonymousBinding_AppliesOnlyToAnonymous()
    {
        var policy = Parse(Sample);

        Assert.True(policy.Authorize(Caller.Anonymous, "container.list").Allowed);
        Assert.False(policy.Authorize(Caller.Anonymous, "container.create").Allowed);
        Assert.Equal("anonymous caller has no role", Parse("""{"bindings":[{"role":"viewer","users":["anonymous"]}]}""").Authorize(Caller.Anonymous, "container.list").Rule);
    }

    [Fact]
    public void Authorize_UnknownAction_DeniedToNonAdmins()
    {
        var policy = Parse(Sample);

        Assert.False(policy.Authorize(Unix("olga"), "plugin.disable").Allowed);
        Assert.False(policy.Authorize(Unix("olga"), "grpc.session").Allowed);
        Assert.True(policy.Authorize(Unix("root", 0), "plugin.disable").Allowed);
    }

    [Fact]
    public void Authorize_TwoRoles_WidestScopeWins()
    {
        var policy = Parse("""{"bindings":[{"role":"developer","users":["x"]},{"role":"operator","groups":["g"]}]}""");

        var decision = policy.Authorize(Unix("x", 1000, "g"), "container.list");

        Assert.Equal(AccessScope.All, decision.Scope);
        Assert.Equal("role operator allows container.list", decision.Rule);
    }

    [Theory]
    [InlineData("""{"roles":{"x":{"actions":["contianer.create"]}}}""", "action \"contianer.create\" matches no known action")]
    [InlineData("""{"roles":{"admin":{"actions":["*"]}}}""", "role admin is built in")]
    [InlineData("""{"roles":{"x":{"actions":["container.list"],"scope":"mine"}}}""", "scope must be \"all\" or \"own\"")]
    [InlineData("""{"roles":{"x":{"actions":[]}}}""", "must list at least one action")]
    [InlineData("""{"bindings":[{"role":"superuser","users":["a"]}]}""", "unknown role \"superuser\"")]
    [InlineData("""{"bindings":[{"role":"viewer"}]}""", "names no users, groups or anonymous")]
    [InlineData("""{"bindngs":[]}""", "invalid JSON")]
    [InlineData("""{"bindings":[],"bindings":[]}""", "invalid JSON")]
    [InlineData("""{"roles":{"x":{"actions":["container.create"],"constraints":{"host-namespaces":["mount"]}}}}""", "unknown host namespace \"mount\"")]
    [InlineData("""{"roles":{"x":{"actions":["container.create"],"constraints":{"bind-mounts":["srv"]}}}}""", "must be an absolute path")]
    [InlineData("""{"roles":{"x":{"actions":["container.create"],"constraints":{"privileged":"yes"}}}}""", "invalid JSON")]
    [InlineData("[", "invalid JSON")]
    public void Parse_InvalidPolicy_ThrowsWithReason(string json, string expected)
    {
        var e = Assert.Throws<PolicyException>(() => Parse(json));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("authorization policy test.json:", e.Message);
    }

    [Fact]
    public void Load_MissingFile_Throws()
    {
        var e = Assert.Throws<PolicyException>(() => AuthorizationPolicy.Load("/nonexistent/policy.json"));

        Assert.Contains("file not found", e.Message);
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_Accepted()
    {
        var policy = Parse("""
            {
              // who may look
              "bindings": [ { "role": "viewer", "users": ["vera"], }, ],
            }
            """);

        Assert.True(policy.Authorize(Unix("vera"), "system.info").Allowed);
    }

    [Theory]
    [InlineData("container.*", "container.create", true)]
    [InlineData("container.*", "image.list", false)]
    [InlineData("*.list", "volume.list", true)]
    [InlineData("*", "anything", true)]
    [InlineData("image.pull", "image.pull", true)]
    [InlineData("image.p*", "image.prune", true)]
    [InlineData("image.pull", "image.pulls", false)]
    public void Matches_Wildcards(string pattern, string action, bool expected)
    {
        Assert.Equal(expected, Actions.Matches(pattern, action));
    }
}
