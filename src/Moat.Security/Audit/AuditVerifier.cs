using System.Text;
using System.Text.Json;

namespace Moat.Security.Audit;

/// <summary>The outcome of verifying one or more audit files: either intact, or the first entry that is not.</summary>
public sealed record AuditVerification(bool Intact, long Entries, long FirstSeq, long LastSeq, int Files, string? File = null, long Line = 0, string? Problem = null)
{
    public override string ToString() => Intact
        ? Entries == 0
            ? $"ok: no entries in {Files} file(s)"
            : $"ok: {Entries} entries (seq {FirstSeq}–{LastSeq}) in {Files} file(s), chain intact"
        : $"{File}:{Line}: {Problem}";
}

/// <summary>
/// Walks the hash chain of audit files (rotated files may be given in any order: they are put in sequence
/// by their first entry) and reports the first altered, removed or reordered entry.
/// </summary>
public static class AuditVerifier
{
    private const int MaxLineBytes = 1024 * 1024;

    public static AuditVerification Verify(IReadOnlyList<string> files)
    {
        var ordered = files.Select((f, i) => (File: f, Index: i, First: FirstSeq(f))).OrderBy(x => x.First ?? long.MaxValue).ThenBy(x => x.Index).ToList();
        long expected = 0, entries = 0, firstSeq = 0, lastSeq = 0;
        string? prevHash = null;
        foreach (var (file, _, _) in ordered)
        {
            long lineNumber = 0;
            foreach (var (line, terminated) in ReadLines(file))
            {
                lineNumber++;
                AuditVerification Fail(string problem) => new(false, entries, firstSeq, lastSeq, ordered.Count, file, lineNumber, problem);
                if (line.Length == 0) return Fail("empty line (an entry was removed or the file was edited)");
                if (!terminated) return Fail("unfinished last entry (no newline)");
                if (line.Length > MaxLineBytes) return Fail("entry too long");
                if (!AuditChain.TrySplit(line, out var body, out string claimed)) return Fail("entry altered: no hash at its end");
                string actual = AuditChain.Hash(body);
                if (actual != claimed) return Fail("entry altered: its content does not match its hash");
                if (!TryReadSeqAndPrev(body, out long seq, out string prev)) return Fail("entry altered: seq or prev missing");
                if (prevHash is null)
                {
                    if (seq == 1 && prev != AuditChain.Genesis) return Fail("entry altered: the first entry does not start the chain");
                    firstSeq = seq;
                }
                else
                {
                    if (seq > expected) return Fail($"{seq - expected} entr{(seq - expected == 1 ? "y" : "ies")} missing before this one: removed or reordered (expected seq {expected}, found {seq})");
                    if (seq < expected) return Fail($"entry out of order or duplicated (expected seq {expected}, found {seq})");
                    if (prev != prevHash) return Fail("entry removed or reordered before this one: its prev hash does not match the previous entry");
                }
                prevHash = claimed;
                expected = seq + 1;
                lastSeq = seq;
                entries++;
            }
        }
        return new AuditVerification(true, entries, firstSeq, lastSeq, ordered.Count);
    }

    private static long? FirstSeq(string file)
    {
        foreach (var (line, _) in ReadLines(file))
        {
            if (AuditChain.TrySplit(line, out var body, out _) && TryReadSeqAndPrev(body, out long seq, out _)) return seq;
            return null;
        }
        return null;
    }

    private static bool TryReadSeqAndPrev(ReadOnlySpan<byte> body, out long seq, out string prev)
    {
        seq = 0;
        prev = "";
        bool haveSeq = false, havePrev = false;
        // The body is the entry without its closing brace; complete it to parse it strictly.
        byte[] json = new byte[body.Length + 1];
        body.CopyTo(json);
        json[^1] = (byte)'}';
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq")) { reader.Read(); seq = reader.GetInt64(); haveSeq = true; }
                else if (reader.ValueTextEquals("prev")) { reader.Read(); prev = reader.GetString() ?? ""; havePrev = true; }
                else { reader.Read(); reader.Skip(); }
            }
            return haveSeq && havePrev && reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Lines as bytes (without '\n'), and whether each ended with a newline.</summary>
    private static IEnumerable<(byte[] Line, bool Terminated)> ReadLines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        var current = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                current.Write(buffer, start, i - start);
                yield return (current.ToArray(), true);
                current.SetLength(0);
                start = i + 1;
            }
            if (current.Length + (n - start) > MaxLineBytes + 1)
            {
                current.SetLength(0);
                yield return (new byte[MaxLineBytes + 1], true);
                yield break;
            }
            current.Write(buffer, start, n - start);
        }
        if (current.Length > 0) yield return (current.ToArray(), false);
    }

    internal static string Describe(byte[] line) => Encoding.UTF8.GetString(line);
}
