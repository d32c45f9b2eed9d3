namespace Moat.Security.Policy;

/// <summary>The four roles every policy has (docs/authorization.md lists their actions).</summary>
public static class BuiltInRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Developer = "developer";
    public const string Viewer = "viewer";

    private static readonly string[] ReadActions =
    [
        "system.info", "system.events", "system.df",
        "*.list", "*.inspect",
        "container.logs", "container.top", "container.stats", "container.changes", "container.wait",
        "image.history", "image.search", "image.distribution",
    ];

    public static IReadOnlyDictionary<string, Role> All { get; } = new Dictionary<string, Role>(StringComparer.Ordinal)
    {
        [Admin] = new Role(Admin, ["*"], AccessScope.All, constraints: null, "everything, without constraints"),
        [Operator] = new Role(Operator,
            ["system.*", "container.*", "exec.*", "image.*", "volume.*", "network.*"],
            AccessScope.All, Constraints.Default, "runs the daemon's workloads: every object, no privileged or host-reaching creates"),
        [Developer] = new Role(Developer,
            [
                "system.info", "system.events", "system.df", "system.auth",
                "container.*", "exec.*",
                "image.list", "image.inspect", "image.history", "image.pull", "image.build", "image.tag",
                "image.search", "image.distribution", "image.save", "image.load",
                "volume.list", "volume.inspect", "volume.create", "volume.delete",
                "network.list", "network.inspect",
            ],
            AccessScope.Own, Constraints.Default, "works with their own containers, exec instances and volumes"),
        [Viewer] = new Role(Viewer, ReadActions, AccessScope.All, Constraints.Default, "read-only"),
    };
}
