using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Moat.Api.Routing;
using Moat.Engine.Containers;

namespace Moat.Api.Containers;

public static partial class ContainerRoutes
{
    /// <summary>GET /stats: one object (stream=0 / one-shot) or one per second, in the shape the CLI computes percentages from.</summary>
    private static async Task Stats(ApiRequest request)
    {
        var service = Service(request);
        var record = Visible(request);
        bool stream = request.Query("stream") is null || QueryValues.Bool(request, "stream");
        bool oneShot = QueryValues.Bool(request, "one-shot");
        var response = request.Http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.StartAsync(request.Aborted);
        RuntimeStats? previous = null;
        DateTimeOffset previousRead = default;
        if (!stream && !oneShot && record.State.Status == ContainerStatus.Running)
        {
            previous = await service.StatsAsync(record, request.Aborted);
            previousRead = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(1), request.Aborted);
        }
        while (true)
        {
            var current = await service.StatsAsync(record, request.Aborted);
            var now = DateTimeOffset.UtcNow;
            byte[] json = StatsJson(record, current, previous, now, previousRead);
            await response.Body.WriteAsync(json, request.Aborted);
            await response.Body.FlushAsync(request.Aborted);
            if (!stream || oneShot) return;
            if (record.State.Status is not (ContainerStatus.Running or ContainerStatus.Paused)) return;
            previous = current;
            previousRead = now;
            await Task.Delay(TimeSpan.FromSeconds(1), request.Aborted);
        }
    }

    private static byte[] StatsJson(ContainerRecord record, RuntimeStats? s, RuntimeStats? pre, DateTimeOffset read, DateTimeOffset preread)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", record.Name);
            w.WriteString("id", record.Id);
            w.WriteString("read", s is null ? "0001-01-01T00:00:00Z" : QueryValues.Rfc3339Nano(read));
            w.WriteString("preread", pre is null ? "0001-01-01T00:00:00Z" : QueryValues.Rfc3339Nano(preread));
            w.WriteStartObject("pids_stats");
            if (s is not null) { w.WriteNumber("current", s.PidsCurrent); if (s.PidsLimit > 0) w.WriteNumber("limit", s.PidsLimit); }
            w.WriteEndObject();
            w.WriteStartObject("blkio_stats");
            WriteBlkio(w, "io_service_bytes_recursive", s?.IoServiceBytes);
            WriteBlkio(w, "io_serviced_recursive", s?.IoServiced);
            foreach (var name in (string[])["io_queue_recursive", "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"])
                w.WriteNull(name);
            w.WriteEndObject();
            w.WriteNumber("num_procs", 0);
            w.WriteStartObject("storage_stats");
            w.WriteEndObject();
            WriteCpu(w, "cpu_stats", s);
            WriteCpu(w, "precpu_stats", pre);
            w.WriteStartObject("memory_stats");
            if (s is not null)
            {
                w.WriteNumber("usage", s.MemoryUsage);
                if (s.MemoryMaxUsage > 0) w.WriteNumber("max_usage", s.MemoryMaxUsage);
                w.WriteStartObject("stats");
                foreach (var (k, v) in s.MemoryStat) w.WriteNumber(k, v);
                w.WriteEndObject();
                if (s.MemoryFailcnt > 0) w.WriteNumber("failcnt", s.MemoryFailcnt);
                w.WriteNumber("limit", s.MemoryLimit);
            }
            w.WriteEndObject();
            if (s is { Networks.Count: > 0 })
            {
                w.WriteStartObject("networks");
                foreach (var n in s.Networks)
                {
                    w.WriteStartObject(n.Interface);
                    w.WriteNumber("rx_bytes", n.RxBytes);
                    w.WriteNumber("rx_packets", n.RxPackets);
                    w.WriteNumber("rx_errors", n.RxErrors);
                    w.WriteNumber("rx_dropped", n.RxDropped);
                    w.WriteNumber("tx_bytes", n.TxBytes);
                    w.WriteNumber("tx_packets", n.TxPackets);
                    w.WriteNumber("tx_errors", n.TxErrors);
                    w.WriteNumber("tx_dropped", n.TxDropped);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteBlkio(Utf8JsonWriter w, string name, IReadOnlyList<RuntimeBlkio>? entries)
    {
        if (entries is null || entries.Count == 0) { w.WriteNull(name); return; }
        w.WriteStartArray(name);
        foreach (var e in entries)
        {
            w.WriteStartObject();
            w.WriteNumber("major", e.Major);
            w.WriteNumber("minor", e.Minor);
            w.WriteString("op", e.Op);
            w.WriteNumber("value", e.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteCpu(Utf8JsonWriter w, string name, RuntimeStats? s)
    {
        w.WriteStartObject(name);
        w.WriteStartObject("cpu_usage");
        w.WriteNumber("total_usage", s?.CpuUsageNanos ?? 0);
        if (s is { PerCpuNanos.Count: > 0 })
        {
            w.WriteStartArray("percpu_usage");
            foreach (var v in s.PerCpuNanos) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        w.WriteNumber("usage_in_kernelmode", s?.CpuKernelNanos ?? 0);
        w.WriteNumber("usage_in_usermode", s?.CpuUserNanos ?? 0);
        w.WriteEndObject();
        if (s is not null)
        {
            w.WriteNumber("system_cpu_usage", s.SystemCpuNanos);
            w.WriteNumber("online_cpus", s.OnlineCpus);
        }
        w.WriteStartObject("throttling_data");
        w.WriteNumber("periods", s?.ThrottlingPeriods ?? 0);
        w.WriteNumber("throttled_periods", s?.ThrottledPeriods ?? 0);
        w.WriteNumber("throttled_time", s?.ThrottledTimeNanos ?? 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
