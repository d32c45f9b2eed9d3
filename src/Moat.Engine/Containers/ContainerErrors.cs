using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

public sealed class ContainerNotFoundException(string idOrName)
    : NotFoundException($"No such container: {idOrName}");

/// <summary>dockerd's name conflict; <see cref="Redacted"/> is the same text without the holder's ID.</summary>
public sealed class ContainerNameConflictException(string name, string id)
    : ConflictException($"Conflict. The container name \"{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.")
{
    public string Name { get; } = name;

    /// <summary>The container that holds the name.</summary>
    public string HolderId { get; } = id;

    /// <summary>For a caller who may not see the holder: that the name is taken, not by what.</summary>
    public ConflictException Redacted() =>
        new($"Conflict. The container name \"{Name}\" is already in use. You have to use another name.");
}

public sealed class ContainerNotRunningException(string message) : ConflictException(message);
