using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Moat.Daemon.Configuration;

/// <summary>
/// Reads daemon.json as dockerd does (UTF-8, or a UTF-8/UTF-16 BOM; whitespace-only = empty) but stricter:
/// duplicate keys, also ones differing only in case, are refused at every level, and the file size is bounded.
/// </summary>
internal static class ConfigFileReader
{
    public const int MaxFileSize = 1024 * 1024;

    /// <summary>
    /// The top-level members, in file order; empty for an empty file. Null when the file does not exist.
    /// Errors are the bare reason (the caller wraps them with the file name).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, JsonElement>>? Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (Directory.Exists(path)) throw new ConfigurationException($"read {path}: is a directory");
            if (!info.Exists) return null;
            if (info.Length > MaxFileSize) throw new ConfigurationException($"configuration file is too large ({info.Length} bytes, at most {MaxFileSize} are read)");
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException($"open {path}: permission denied");
        }
        catch (IOException e)
        {
            throw new ConfigurationException($"read {path}: {e.Message}");
        }
        if (bytes.Length > MaxFileSize) throw new ConfigurationException($"configuration file is too large (at most {MaxFileSize} bytes are read)");
        return Parse(bytes);
    }

    /// <summary>Decodes and parses the file contents.</summary>
    public static IReadOnlyList<KeyValuePair<string, JsonElement>> Parse(byte[] bytes)
    {
        string text = Decode(bytes);
        string trimmed = text.TrimStart();
        int leading = Encoding.UTF8.GetByteCount(text.AsSpan(0, text.Length - trimmed.Length));
        trimmed = trimmed.TrimEnd();
        if (trimmed.Length == 0) return [];

        byte[] utf8 = Encoding.UTF8.GetBytes(trimmed);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            if (GoJsonSyntax.FindError(utf8) is var (goOffset, goMessage))
                throw new ConfigurationException($"failed to decode configuration JSON at offset {leading + goOffset}: {goMessage}");
            long offset = leading + Offset(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            string reason = e.Message;
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut].TrimEnd('.', ' ');
            throw new ConfigurationException($"failed to decode configuration JSON at offset {offset}: {reason}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ConfigurationException($"json: cannot unmarshal {KindName(root.ValueKind)} into Go value of type map[string]interface {{}}");
            CheckDuplicates(root, "");
            return root.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value.Clone())).ToList();
        }
    }

    /// <summary>The JSON kind as Go's encoding/json names it in type errors.</summary>
    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string Decode(byte[] bytes)
    {
        if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) return Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
        if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) return Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        var span = bytes.AsSpan(start);
        char[] chars = new char[span.Length];
        var status = Utf8.ToUtf16(span, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
            throw new ConfigurationException($"failed to decode configuration JSON at offset {start + read}: encoding: invalid UTF-8");
        return new string(chars, 0, written);
    }

    private static long Offset(byte[] utf8, long line, long bytePositionInLine)
    {
        long offset = 0;
        for (long l = 0; l < line && offset < utf8.Length; offset++)
        {
            if (utf8[offset] == (byte)'\n') l++;
        }
        return Math.Min(offset + bytePositionInLine, utf8.Length);
    }

    private static void CheckDuplicates(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in element.EnumerateObject())
            {
                string full = path.Length == 0 ? p.Name : path + "." + p.Name;
                if (seen.TryGetValue(p.Name, out var first))
                {
                    if (first == p.Name) throw new ConfigurationException($"duplicate key {GoFormat.Quote(full)} in configuration JSON");
                    throw new ConfigurationException($"duplicate key {GoFormat.Quote(full)} in configuration JSON: keys that differ only in case (first given as {GoFormat.Quote(first)}) are refused");
                }
                seen[p.Name] = p.Name;
                CheckDuplicates(p.Value, full);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in element.EnumerateArray()) CheckDuplicates(item, $"{path}[{i++}]");
        }
    }
}
