namespace Moat.Api.Contracts.Images;

/// <summary>One entry of GET /images/json (dockerd's image.Summary).</summary>
public sealed class ImageSummary
{
    public int Containers { get; set; } = -1;
    public long Created { get; set; }
    public string Id { get; set; } = "";
    public Dictionary<string, string>? Labels { get; set; }
    public string ParentId { get; set; } = "";
    public List<string> RepoDigests { get; set; } = [];
    public List<string> RepoTags { get; set; } = [];
    public long SharedSize { get; set; } = -1;
    public long Size { get; set; }
}
