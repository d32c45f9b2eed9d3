using System.Text.Json.Serialization;

namespace Moat.Security.Policy;

/// <summary>Strict: unknown keys and duplicate keys are errors, so a typo never silently widens or narrows a policy.</summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true)]
[JsonSerializable(typeof(PolicyDocument))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;

/// <summary>Docker's create body as `moat policy check --request` reads it: Go's rules (keys match case-insensitively).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(ContainerCreateBody))]
internal sealed partial class CreateBodyJsonContext : JsonSerializerContext;
