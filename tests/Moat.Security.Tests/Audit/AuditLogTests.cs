using System.Text;
using Moat.Security.Audit;

namespace Moat.Security.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-audit-").FullName;
    private string LogPath => Path.Combine(_dir, "log", "audit.log");

    public void Dispose() => Directory.Delete(_dir, true);

    private async Task WriteAsync(int count, long maxBytes = 100 * 1024 * 1024, int start = 0)
    {
        await using var log = AuditLog.Open(LogPath, maxBytes);
        await Task.WhenAll(Enumerable.Range(start, count).Select(i => log.AppendAsync(Entry(i))));
    }

    private static AuditEntry Entry(int i) => new()
    {
        User = $"user{i}", Auth = "peercred", Uid = 1000 + i, Action = "container.create", Decision = "allow", Rule = "role developer allows container.create", Status = 201, DurationMs = 1.5,
    };

    private List<byte[]> Lines()
    {
        var text = File.ReadAllBytes(LogPath);
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == (byte)'\n') { lines.Add(text[start..i]); start = i + 1; }
        lines.Add(text[start..]);
        return lines;
    }

    private void WriteLines(List<byte[]> lines) => File.WriteAllBytes(LogPath, [.. lines.SelectMany((l, i) => i < lines.Count - 1 ? [.. l, (byte)'\n'] : l)]);

    [Fact]
    public async Task Record_MoreThanTheQueueHolds_WaitsAndLosesNothing()
    {
        const int count = 40_000; // over the 16k entries the writer may lag behind
        await using (var log = AuditLog.Open(LogPath))
        {
            var pending = new List<Task>();
            for (int i = 0; i < count; i++)
            {
                var t = log.Record(new AuditEntry { User = $"u{i}", Action = "container.list", Decision = "allow", Status = 200 });
                if (!t.IsCompleted) pending.Add(t);
            }
            await Task.WhenAll(pending);
        }

        Assert.Equal(count, Lines().Count(l => l.Length > 0));
        var result = AuditVerifier.Verify([LogPath]);
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(count, result.Entries);
    }

    [Fact]
    public async Task Append_EveryField_DocumentedNamesOrderAndEscaping()
    {
        await using (var log = AuditLog.Open(LogPath, time: new FixedTime()))
        {
            await log.AppendAsync(new AuditEntry
            {
                RequestId = "0HN:1", User = "alice", Groups = ["dev", "ops"], Auth = "tls", Uid = 1000, Gid = 1001, Pid = 42,
                CertSerial = "0A", CertFingerprint = "ff00", Transport = "tcp", Remote = "127.0.0.1:5000", Method = "POST",
                Action = "container.create", ObjectId = "abc", ObjectName = "we\"ird<name>", Decision = "deny", Rule = "role viewer",
                Status = 403, DurationMs = 0.125, Message = "é",
            });
            await log.AppendAsync(new AuditEntry { Kind = "daemon" });
        }
        var lines = Lines();
        Assert.True(AuditChain.TrySplit(lines[0], out var body, out _));
        Assert.Equal(
            "{\"seq\":1,\"time\":\"2026-11-29T10:00:00.0000000Z\",\"kind\":\"request\",\"request_id\":\"0HN:1\",\"user\":\"alice\"," +
            "\"groups\":[\"dev\",\"ops\"],\"auth\":\"tls\",\"uid\":1000,\"gid\":1001,\"pid\":42,\"cert_serial\":\"0A\",\"cert_sha256\":\"ff00\"," +
            "\"transport\":\"tcp\",\"remote\":\"127.0.0.1:5000\",\"method\":\"POST\",\"action\":\"container.create\",\"object_id\":\"abc\"," +
            "\"object_name\":\"we\\u0022ird\\u003Cname\\u003E\",\"decision\":\"deny\",\"rule\":\"role viewer\",\"status\":403,\"duration_ms\":0.125," +
            "\"message\":\"\\u00E9\",\"prev\":\"" + AuditChain.Genesis + "\"",
            Encoding.UTF8.GetString(body));
        Assert.True(AuditChain.TrySplit(lines[1], out var minimal, out _));
        Assert.StartsWith("{\"seq\":2,\"time\":\"2026-11-29T10:00:00.0000000Z\",\"kind\":\"daemon\",\"prev\":\"", Encoding.UTF8.GetString(minimal));
        Assert.True(AuditVerifier.Verify([LogPath]).Intact);
    }

    [Fact]
    public void Value_EveryCharacterBelow256_EscapedAsSystemTextJsonDoes()
    {
        for (int c = 0; c < 256; c++)
        {
            string value = "a" + (char)c + "z";
            var output = new System.Buffers.ArrayBufferWriter<byte>();
            new AuditLineWriter(output).Value(value);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(value), Encoding.UTF8.GetString(output.WrittenSpan));
        }
    }

    [Fact]
    public void LowerHex_SameAsConvert()
    {
        var bytes = new byte[256];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)i;
        var hex = new byte[512];
        AuditChain.LowerHex(bytes, hex);
        Assert.Equal(Convert.ToHexStringLower(bytes), Encoding.ASCII.GetString(hex));
    }

    [Fact]
    public async Task Append_WithEncodedIdentity_SameLineAsSeparateFields()
    {
        await using (var log = AuditLog.Open(LogPath, time: new FixedTime()))
        {
            await log.AppendAsync(new AuditEntry
            {
                User = "bob+1", Groups = ["ops"], Auth = "peercred", Uid = 1001, Gid = 1001, Pid = 7, Transport = "unix",
                Method = "GET", Action = "container.list", Decision = "allow", Status = 200,
            });
            await log.AppendAsync(new AuditEntry
            {
                Identity = new AuditIdentity("bob+1", ["ops"], "peercred", 1001, 1001, 7, null, null, "unix", null),
                Method = "GET", Action = "container.list", Decision = "allow", Status = 200,
            });
        }
        var lines = Lines();
        Assert.True(AuditChain.TrySplit(lines[0], out var separate, out _));
        Assert.True(AuditChain.TrySplit(lines[1], out var encoded, out _));
        string Strip(ReadOnlySpan<byte> body) => System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(body), "\"(seq|prev)\":(\"[0-9a-f]*\"|[0-9]+)", "");
        Assert.Contains("\"user\":\"bob\\u002B1\",\"groups\":[\"ops\"],\"auth\":\"peercred\",\"uid\":1001", Encoding.UTF8.GetString(encoded));
        Assert.Equal(Strip(separate), Strip(encoded));
    }

    [Fact]
    public async Task RecordRequest_SameLineAsTheEquivalentEntry()
    {
        var identity = new AuditIdentity("alice", ["dev"], "tls", null, null, null, "0a", "ff00", "tcp", "127.0.0.1:5000");
        await using (var log = AuditLog.Open(LogPath, time: new FixedTime()))
        {
            await log.AppendAsync(new AuditEntry
            {
                RequestId = "0HN:00000001", Identity = identity, Method = "POST", Action = "container.create", ObjectName = "web<1>",
                Decision = "deny", Rule = "privileged containers are not allowed", Status = 403, DurationMs = 0.125,
            });
            await log.RecordRequest(new AuditRequest("0HN:00000001", identity, "POST", "container.create", null, "web<1>",
                "deny", "privileged containers are not allowed", 403, 125), durable: true);
            await log.RecordRequest(new AuditRequest("0HN:00000002", identity, "GET", "container.inspect", "abc", null,
                null, null, 200, 3000), durable: false);
        }
        var lines = Lines();
        Assert.True(AuditChain.TrySplit(lines[0], out var entry, out _));
        Assert.True(AuditChain.TrySplit(lines[1], out var request, out _));
        Assert.True(AuditChain.TrySplit(lines[2], out var read, out _));
        string Strip(ReadOnlySpan<byte> body) => System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(body), "\"(seq|prev)\":(\"[0-9a-f]*\"|[0-9]+)", "");
        Assert.Equal(Strip(entry), Strip(request));
        Assert.Equal(
            "{,\"time\":\"2026-11-29T10:00:00.0000000Z\",\"kind\":\"request\",\"request_id\":\"0HN:00000002\",\"user\":\"alice\",\"groups\":[\"dev\"]," +
            "\"auth\":\"tls\",\"cert_serial\":\"0a\",\"cert_sha256\":\"ff00\",\"transport\":\"tcp\",\"remote\":\"127.0.0.1:5000\",\"method\":\"GET\"," +
            "\"action\":\"container.inspect\",\"object_id\":\"abc\",\"status\":200,\"duration_ms\":3,",
            Strip(read));
        var result = AuditVerifier.Verify([LogPath]);
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(3, result.Entries);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(120)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1500)]
    [InlineData(86_400_000_123)]
    public void WriteRequestBody_Duration_SameDigitsAsTheEntrysDouble(long microseconds)
    {
        var identity = new AuditIdentity("u", null, "none", null, null, null, null, null, "tcp", null);
        var fromEntry = new System.Buffers.ArrayBufferWriter<byte>();
        AuditLineWriter.WriteBody(fromEntry, new AuditEntry
        {
            Seq = 9, Time = "2026-11-29T10:00:00.0000000Z", RequestId = "r", Identity = identity, Method = "GET", Action = "system.info",
            Decision = "allow", Rule = "role viewer allows system.info", Status = 200, DurationMs = Math.Round(microseconds / 1000.0, 3),
        }, "ab"u8);
        var fromRequest = new System.Buffers.ArrayBufferWriter<byte>();
        AuditLineWriter.WriteRequestBody(fromRequest, 9, new DateTime(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc).Ticks,
            new AuditRequest("r", identity, "GET", "system.info", null, null, "allow", "role viewer allows system.info", 200, microseconds), "ab"u8, new AuditFragments());
        Assert.Equal(Encoding.UTF8.GetString(fromEntry.WrittenSpan), Encoding.UTF8.GetString(fromRequest.WrittenSpan));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0HNQEJ35EJ8VT:00000001")]
    [InlineData("0123456789abcdef0123456789abcdef")] // 32: the most held in the struct
    [InlineData("0123456789abcdef0123456789abcdef0")] // 33: held as its string
    [InlineData("x\"<y>+\\")]
    [InlineData("caf\u00e9")]
    public void WriteRequestBody_RequestId_SameAsTheEntrysString(string? id)
    {
        var identity = new AuditIdentity("u", null, "none", null, null, null, null, null, "tcp", null);
        var fromEntry = new System.Buffers.ArrayBufferWriter<byte>();
        AuditLineWriter.WriteBody(fromEntry, new AuditEntry
        {
            Seq = 9, Time = "2026-11-29T10:00:00.0000000Z", RequestId = id, Identity = identity, Method = "GET", Action = "system.info",
            Decision = "allow", Rule = "role viewer allows system.info", Status = 200, DurationMs = 1,
        }, "ab"u8);
        var captured = new AuditRequestId(id);
        var fromRequest = new System.Buffers.ArrayBufferWriter<byte>();
        AuditLineWriter.WriteRequestBody(fromRequest, 9, new DateTime(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc).Ticks,
            new AuditRequest(captured, identity, "GET", "system.info", null, null, "allow", "role viewer allows system.info", 200, 1000), "ab"u8, new AuditFragments());

        Assert.Equal(id, captured.ToString());
        Assert.Equal(Encoding.UTF8.GetString(fromEntry.WrittenSpan), Encoding.UTF8.GetString(fromRequest.WrittenSpan));
    }

    [Fact]
    public async Task Record_NotWaitedFor_ReachesTheFileWithoutAStateChange()
    {
        await using var log = AuditLog.Open(LogPath);
        await log.Record(new AuditEntry { User = "reader", Action = "container.list", Decision = "allow", Status = 200 });
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!File.ReadAllText(LogPath).Contains("\"user\":\"reader\"", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the read's entry never reached the file");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
    }

    [Fact]
    public async Task Append_ManyConcurrent_ChainVerifies()
    {
        await WriteAsync(200);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.True(result.Intact, result.ToString());
        Assert.Equal(200, result.Entries);
        Assert.Equal(1, result.FirstSeq);
        Assert.Equal(200, result.LastSeq);
    }

    [Fact]
    public async Task Open_CreatesFileOwnerOnly()
    {
        await WriteAsync(1);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LogPath));
    }

    [Fact]
    public async Task Reopen_ContinuesChain()
    {
        await WriteAsync(5);
        await WriteAsync(5, start: 5);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.True(result.Intact, result.ToString());
        Assert.Equal(10, result.LastSeq);
    }

    [Fact]
    public async Task Verify_ByteEdited_ReportsAlteredLine()
    {
        await WriteAsync(10);
        var lines = Lines();
        int at = Encoding.ASCII.GetString(lines[4]).IndexOf("user4", StringComparison.Ordinal);
        lines[4][at + 4] = (byte)'X';
        WriteLines(lines);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.False(result.Intact);
        Assert.Equal(5, result.Line);
        Assert.Contains("altered", result.Problem);
    }

    [Fact]
    public async Task Verify_LineDeleted_ReportsMissingEntry()
    {
        await WriteAsync(10);
        var lines = Lines();
        lines.RemoveAt(3);
        WriteLines(lines);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.False(result.Intact);
        Assert.Equal(4, result.Line);
        Assert.Contains("1 entry missing before this one", result.Problem);
    }

    [Fact]
    public async Task Verify_LinesSwapped_ReportsFirstSwapped()
    {
        await WriteAsync(10);
        var lines = Lines();
        (lines[6], lines[7]) = (lines[7], lines[6]);
        WriteLines(lines);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.False(result.Intact);
        Assert.Equal(7, result.Line);
    }

    [Fact]
    public async Task Verify_RecomputedHashButStaleLink_ReportsReorder()
    {
        await WriteAsync(4);
        var lines = Lines();
        // Remove an entry and renumber the next one, re-sealing it: the prev link still exposes the gap.
        string third = Encoding.UTF8.GetString(lines[3]).Replace("\"seq\":4", "\"seq\":3");
        var body = Encoding.UTF8.GetBytes(third[..third.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal)] + "}");
        var resealed = new MemoryStream();
        AuditChain.Seal(body, resealed);
        lines[3] = resealed.ToArray()[..^1];
        lines.RemoveAt(2);
        WriteLines(lines);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.False(result.Intact);
        Assert.Equal(3, result.Line);
        Assert.Contains("prev hash does not match", result.Problem);
    }

    [Fact]
    public async Task Rotation_KeepsChainAcrossFiles_InAnyOrder()
    {
        await WriteAsync(60, maxBytes: 4096);
        var files = Directory.GetFiles(Path.GetDirectoryName(LogPath)!).OrderBy(f => f).ToList();
        Assert.True(files.Count > 2, $"expected rotation, got {files.Count} files");

        var result = AuditVerifier.Verify(files);

        Assert.True(result.Intact, result.ToString());
        Assert.Equal(60, result.Entries);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 4096 + 1024));
    }

    [Fact]
    public async Task Rotation_MissingMiddleFile_Detected()
    {
        await WriteAsync(60, maxBytes: 4096);
        var files = Directory.GetFiles(Path.GetDirectoryName(LogPath)!).Where(f => !f.EndsWith(".2", StringComparison.Ordinal)).ToList();

        var result = AuditVerifier.Verify(files);

        Assert.False(result.Intact);
        Assert.Contains("missing before this one", result.Problem);
    }

    [Fact]
    public async Task Open_TornLastLine_CutAndRecorded()
    {
        await WriteAsync(3);
        const string torn = "{\"seq\":4,\"time\":\"2026-";
        File.AppendAllText(LogPath, torn);

        await WriteAsync(1, start: 3);

        var result = AuditVerifier.Verify([LogPath]);
        Assert.True(result.Intact, result.ToString());
        string text = File.ReadAllText(LogPath);
        Assert.Contains($"recovered: cut {torn.Length} bytes of an unfinished entry", text);
        Assert.Equal(5, result.LastSeq);
    }

    [Fact]
    public async Task Verify_TruncatedMidLine_Reported()
    {
        await WriteAsync(3);
        var bytes = File.ReadAllBytes(LogPath);
        File.WriteAllBytes(LogPath, bytes[..^10]);

        var result = AuditVerifier.Verify([LogPath]);

        Assert.False(result.Intact);
        Assert.Equal(3, result.Line);
    }

    [Fact]
    public async Task Rotation_Failing_KeepsWritingToTheFileAndRotatesOnceItCan()
    {
        Directory.CreateDirectory(LogPath + ".1"); // not a file: the log cannot be moved there
        var errors = new List<Exception>();
        await using (var log = AuditLog.Open(LogPath, maxFileBytes: 4096, onError: e => { lock (errors) errors.Add(e); }))
        {
            await Task.WhenAll(Enumerable.Range(0, 60).Select(i => log.AppendAsync(Entry(i))));
            Assert.True(new FileInfo(LogPath).Length > 3 * 4096, "the entries went on into the current file");
            lock (errors) Assert.Contains(errors, e => e.Message.Contains("audit log rotation failed", StringComparison.Ordinal));

            Directory.Delete(LogPath + ".1");
            await Task.WhenAll(Enumerable.Range(60, 20).Select(i => log.AppendAsync(Entry(i))));
        }

        Assert.True(File.Exists(LogPath + ".1"), "rotated once it could");
        var result = AuditVerifier.Verify(Directory.GetFiles(Path.GetDirectoryName(LogPath)!));
        Assert.True(result.Intact, result.ToString());
        Assert.Equal(80, result.Entries);
    }

    [Fact]
    public async Task DiskFull_MidWrite_TheTornBytesAreCutAndTheChainGoesOn()
    {
        string small = Path.Combine(_dir, "small");
        Directory.CreateDirectory(small);
        Moat.Linux.Mounts.mount("tmpfs", small, "tmpfs", 0, "size=64k,mode=0700");
        try
        {
            string path = Path.Combine(small, "audit.log"), filler = Path.Combine(small, "filler");
            File.WriteAllBytes(filler, new byte[44 * 1024]);
            Task[] appends;
            await using (var log = AuditLog.Open(path, onError: _ => { }))
            {
                // ~75 KiB of lines, in batches of many, into the 20 KiB left: a batch is written in part, then the
                // disk is full. Each entry either is on record or its caller got the error.
                for (int i = 0; i < 10; i++) await log.AppendAsync(Entry(i));
                appends = [.. Enumerable.Range(10, 190).Select(i => log.AppendAsync(Entry(i)))];
                await Assert.ThrowsAnyAsync<IOException>(() => Task.WhenAll(appends));

                File.Delete(filler);
                await log.AppendAsync(Entry(1000));
            }

            var result = AuditVerifier.Verify([path]);
            Assert.True(result.Intact, result.ToString());
            Assert.Equal(10 + appends.Count(t => t.IsCompletedSuccessfully) + 1, result.Entries);
            Assert.Contains("\"user\":\"user1000\"", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            Moat.Linux.Mounts.umount2(small, 2); // MNT_DETACH
        }
    }
}
