using System.Text.RegularExpressions;

namespace Moat.Engine.Images;

/// <summary>
/// A docker/distribution reference, normalized as dockerd normalizes it ("busybox" is
/// docker.io/library/busybox): <see cref="Domain"/>/<see cref="Path"/>[:<see cref="Tag"/>][@<see cref="Digest"/>].
/// <see cref="FamiliarString"/> gives the short form dockerd shows to users.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    public const string DefaultDomain = "docker.io";
    private const string LegacyDomain = "index.docker.io";
    private const string OfficialPrefix = "library/";
    private const int NameMaxLength = 255;

    /// <summary>docker.io/library/busybox</summary>
    public string Name => Domain + "/" + Path;

    /// <summary>busybox, alice/app, localhost:5000/app</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain) return Name;
            return Path.StartsWith(OfficialPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialPrefix.Length) < 0
                ? Path[OfficialPrefix.Length..]
                : Path;
        }
    }

    /// <summary>busybox:latest, busybox@sha256:…</summary>
    public string FamiliarString => FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>docker.io/library/busybox:latest</summary>
    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public bool IsNameOnly => Tag is null && Digest is null;

    /// <summary>The reference with ":latest" added when it has neither tag nor digest (reference.TagNameOnly).</summary>
    public ImageReference WithDefaultTag() => IsNameOnly ? this with { Tag = "latest" } : this;

    /// <summary>reference.ParseNormalizedNamed: errors carry dockerd's texts and are 400s.</summary>
    public static ImageReference ParseNormalized(string s)
    {
        if (AnchoredIdentifier().IsMatch(s))
            throw new InvalidReferenceException($"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings");

        // splitDockerDomain
        string domain, remainder;
        int slash = s.IndexOf('/');
        if (slash < 0 || (s.AsSpan(0, slash).IndexOfAny(".:") < 0 && s[..slash] != "localhost" && s[..slash].ToLowerInvariant() == s[..slash]))
        {
            domain = DefaultDomain;
            remainder = s;
        }
        else
        {
            domain = s[..slash];
            remainder = s[(slash + 1)..];
        }
        if (domain == LegacyDomain) domain = DefaultDomain;
        if (domain == DefaultDomain && remainder.IndexOf('/') < 0) remainder = OfficialPrefix + remainder;

        // The name part (before ':' tag or '@' digest) must be lowercase.
        string namePart = remainder;
        int at = namePart.IndexOf('@');
        if (at >= 0) namePart = namePart[..at];
        int colon = namePart.LastIndexOf(':');
        if (colon >= 0) namePart = namePart[..colon];
        if (namePart.ToLowerInvariant() != namePart)
            throw new InvalidReferenceException($"invalid reference format: repository name ({namePart}) must be lowercase");

        return Parse(domain + "/" + remainder);
    }

    /// <summary>reference.ParseAnyReference: a 64-hex ID or "sha256:…" is a digest reference (Path empty), else a named one.</summary>
    public static ImageReference ParseAny(string s)
    {
        if (AnchoredIdentifier().IsMatch(s)) return new ImageReference("", "", null, "sha256:" + s);
        // "sha256:<64 hex>" is a digest; a shorter "sha256:<hex>" parses as name "sha256" tag "<hex>" (and then matches an ID prefix), as in dockerd.
        if (s.StartsWith("sha256:", StringComparison.Ordinal) && AnchoredIdentifier().IsMatch(s["sha256:".Length..]))
            return new ImageReference("", "", null, s);
        return ParseNormalized(s);
    }

    /// <summary>True for digest-only references made by <see cref="ParseAny"/>.</summary>
    public bool IsDigestOnly => Path.Length == 0;

    /// <summary>reference.Parse on an already-qualified string.</summary>
    private static ImageReference Parse(string s)
    {
        var m = ReferenceRegex().Match(s);
        if (!m.Success)
        {
            if (s.Length == 0) throw new InvalidReferenceException("repository name must have at least one component");
            if (s.ToLowerInvariant() != s && ReferenceRegex().IsMatch(s.ToLowerInvariant()))
                throw new InvalidReferenceException("repository name must be lowercase");
            throw new InvalidReferenceException("invalid reference format");
        }
        string name = m.Groups["name"].Value;
        if (name.Length > NameMaxLength)
            throw new InvalidReferenceException($"repository name must not be more than {NameMaxLength} characters");
        string? tag = m.Groups["tag"].Success ? m.Groups["tag"].Value : null;
        string? digest = m.Groups["digest"].Success ? m.Groups["digest"].Value : null;
        if (digest is not null && !IsValidDigest(digest)) throw new InvalidReferenceException("invalid reference format");
        int slash = name.IndexOf('/');
        return new ImageReference(name[..slash], name[(slash + 1)..], tag, digest);
    }

    /// <summary>A tag as the tag endpoint receives it (?tag=).</summary>
    public static bool IsValidTag(string tag) => TagRegex().IsMatch(tag);

    private static bool IsValidDigest(string digest)
    {
        int colon = digest.IndexOf(':');
        if (colon <= 0) return false;
        string alg = digest[..colon], hex = digest[(colon + 1)..];
        return alg switch
        {
            "sha256" => hex.Length == 64 && IsLowerHex(hex),
            "sha384" => hex.Length == 96 && IsLowerHex(hex),
            "sha512" => hex.Length == 128 && IsLowerHex(hex),
            _ => false,
        };
    }

    internal static bool IsLowerHex(string s)
    {
        foreach (char c in s) if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }

    // The grammar of github.com/distribution/reference (regexp.go), anchored.
    private const string AlphaNumeric = "[a-z0-9]+";
    private const string Separator = "(?:[._]|__|[-]+)";
    private const string PathComponent = AlphaNumeric + "(?:" + Separator + AlphaNumeric + ")*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string DomainName = DomainComponent + "(?:\\." + DomainComponent + ")*";
    private const string Ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    private const string Host = "(?:" + DomainName + "|" + Ipv6 + ")";
    private const string DomainAndPort = Host + "(?::[0-9]+)?";
    private const string NamePattern = "(?:" + DomainAndPort + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";
    private const string TagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";

    [GeneratedRegex("^(?<name>" + NamePattern + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex("^" + TagPattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnchoredIdentifier();
}
