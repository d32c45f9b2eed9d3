using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

public sealed class ContainerNotFoundException(string idOrName)
    : NotFoundException($"No such container: {idOrName}");

public sealed class ContainerNameConflictException(string name, string id)
    : ConflictException($"Conflict. The container name \"{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.");

public sealed class ContainerNotRunningException(string message) : ConflictException(message);
