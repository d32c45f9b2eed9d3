using Moat.Engine.Errors;

namespace Moat.Engine.Exec;

public sealed class ExecNotFoundException(string id) : NotFoundException($"No such exec instance: {id}");
