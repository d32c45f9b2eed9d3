using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

/// <summary>Container ids and names: 64 hex ids, Docker's name rule and adjective_surname generated names.</summary>
public static partial class ContainerNames
{
    private static readonly string[] Left = ["admiring", "bold", "brave", "busy", "clever", "eager", "elated", "focused", "gallant", "happy", "jolly", "keen", "loving", "modest", "nifty", "quirky", "serene", "sharp", "stoic", "vibrant", "wizardly", "zealous"];
    private static readonly string[] Right = ["archimedes", "babbage", "curie", "darwin", "euler", "fermat", "galileo", "hopper", "hypatia", "kepler", "lovelace", "newton", "noether", "pascal", "ritchie", "shannon", "tesla", "thompson", "torvalds", "turing", "wozniak"];

    [GeneratedRegex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Returns the stored form ("/name") or throws dockerd's message.</summary>
    public static string Validate(string name)
    {
        if (!ValidName().IsMatch(name))
            throw new InvalidArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        return name.StartsWith('/') ? name : "/" + name;
    }

    public static string Generate(Func<string, bool> inUse)
    {
        for (int attempt = 0; ; attempt++)
        {
            string name = $"/{Left[RandomNumberGenerator.GetInt32(Left.Length)]}_{Right[RandomNumberGenerator.GetInt32(Right.Length)]}";
            if (attempt > 5) name += RandomNumberGenerator.GetInt32(10, 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!inUse(name)) return name;
        }
    }
}
