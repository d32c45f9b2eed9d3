namespace Moat.Engine.Images;

/// <summary>A container that uses an image.</summary>
public readonly record struct ImageUser(string ContainerId, bool Running);

/// <summary>
/// Which containers use an image: `docker rmi` refuses (409, dockerd's texts) and prune skips images in use.
/// The containers area implements it; until then <see cref="NoImageUsage"/> says "none".
/// </summary>
public interface IImageUsage
{
    IReadOnlyList<ImageUser> UsersOf(string imageId);

    bool IsInUse(string imageId) => UsersOf(imageId).Count > 0;
}

public sealed class NoImageUsage : IImageUsage
{
    public IReadOnlyList<ImageUser> UsersOf(string imageId) => [];
}
