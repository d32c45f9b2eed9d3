using Moat.Api.Contracts.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Volumes;

namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    public const string DefaultNetworkWarning =
        "moatd has no bridge networking yet: the container gets its own network namespace with loopback only";

    private static readonly HashSet<string> RestartPolicies = ["", "no", "always", "unless-stopped", "on-failure"];

    public sealed record CreateResult(string Id, List<string> Warnings);

    public async Task<CreateResult> CreateAsync(ContainerCreateRequest request, string? name, string? owner, CancellationToken cancellationToken)
    {
        var host = request.HostConfig ?? new HostConfig();
        var warnings = new List<string>();
        string storedName = string.IsNullOrEmpty(name) ? ContainerNames.Generate(_store.NameInUse) : ContainerNames.Validate(name);
        if (_store.TryGet(storedName) is { } clash && clash.Name == storedName)
            throw new ContainerNameConflictException(storedName, clash.Id);
        if (string.IsNullOrEmpty(request.Image))
            throw new InvalidArgumentException("config cannot be empty in order to create a container");

        ValidateHostConfig(host, warnings);
        var image = await _images.ResolveAsync(request.Image, cancellationToken);
        var config = MergeConfig(request, image.Config);
        if (config.Entrypoint is not { Count: > 0 } && config.Cmd is not { Count: > 0 })
            throw new InvalidArgumentException("no command specified");

        string id = ContainerNames.NewId();
        if (config.Hostname.Length == 0) config.Hostname = id[..12];
        var command = new List<string>();
        if (config.Entrypoint is { Count: > 0 }) command.AddRange(config.Entrypoint);
        if (config.Cmd is { Count: > 0 }) command.AddRange(config.Cmd);

        if (string.IsNullOrEmpty(host.NetworkMode)) host.NetworkMode = "default";
        if (host.NetworkMode is "default" or "bridge") warnings.Add(DefaultNetworkWarning);
        if (string.IsNullOrEmpty(host.RestartPolicy.Name)) host.RestartPolicy.Name = "no";
        if (string.IsNullOrEmpty(host.LogConfig.Type)) host.LogConfig.Type = _options.LogDriver;
        if (host.ShmSize == 0) host.ShmSize = 64 * 1024 * 1024;

        var record = new ContainerRecord
        {
            Id = id,
            Name = storedName,
            Created = _time.GetUtcNow(),
            ImageId = image.Id,
            Path = command[0],
            Args = command.Skip(1).ToList(),
            Config = config,
            HostConfig = host,
            LowerDirs = [.. image.LowerDirs],
            Owner = owner,
        };
        record.LogPath = System.IO.Path.Combine(_store.DirectoryOf(id), $"{id}-json.log");
        record.Mounts = await ResolveMountsAsync(record, image, owner, cancellationToken);

        Directory.CreateDirectory(_store.DirectoryOf(id));
        File.WriteAllBytes(record.LogPath, []);
        try
        {
            // Records the rw layer only: until it starts, a created container holds no mount, and removing it is
            // deleting directories.
            await _runtime.PrepareAsync(BuildSpec(record), cancellationToken);
            _store.Add(record);
        }
        catch
        {
            try { await _runtime.DeleteAsync(id, CancellationToken.None); } catch (Exception e) when (e is not OperationCanceledException) { }
            try { Directory.Delete(_store.DirectoryOf(id), true); } catch (IOException) { }
            throw;
        }
        Publish(record, "create");
        return new CreateResult(id, warnings);
    }

    private static void ValidateHostConfig(HostConfig host, List<string> warnings)
    {
        var policy = host.RestartPolicy;
        if (!RestartPolicies.Contains(policy.Name))
            throw new InvalidArgumentException($"invalid restart policy: unknown policy '{policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        if (policy.MaximumRetryCount < 0)
            throw new InvalidArgumentException("invalid restart policy: maximum retry count can't be negative");
        if (policy.MaximumRetryCount > 0 && policy.Name != "on-failure")
            throw new InvalidArgumentException($"invalid restart policy: maximum retry count can only be used with 'on-failure'");
        if (host.AutoRemove && policy.Name is not ("" or "no"))
            throw new InvalidArgumentException("can't create 'AutoRemove' container with restart policy");
        if (host.NetworkMode is not ("" or "default" or "bridge" or "none" or "host"))
            throw new NotFoundException($"network {host.NetworkMode} not found");
        if (host.Memory is > 0 and < 6 * 1024 * 1024)
            throw new InvalidArgumentException("Minimum memory limit allowed is 6MB");
        if (host.NanoCpus > 0 && (host.CpuPeriod > 0 || host.CpuQuota > 0))
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        int cpus = Environment.ProcessorCount;
        if (host.NanoCpus < 0 || host.NanoCpus > cpus * 1_000_000_000L)
            throw new InvalidArgumentException($"Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available");
        if (host.PidsLimit is < 0) host.PidsLimit = 0;
        if (host.ShmSize < 0) throw new InvalidArgumentException("SHM size can not be less than 0");
        foreach (var opt in host.SecurityOpt ?? [])
            ParseSecurityOpt(opt);
        foreach (var u in host.Ulimits ?? [])
            if (u.Soft > u.Hard) throw new InvalidArgumentException($"ulimit soft limit must be less than or equal to hard limit: {u.Soft} > {u.Hard}");
        if (host.LogConfig.Type is not ("" or "json-file" or "local" or "none"))
            throw new InvalidArgumentException($"failed to create logger: logger: no log driver named '{host.LogConfig.Type}' is registered");
    }

    /// <summary>no-new-privileges[:bool|=bool], seccomp=unconfined|&lt;json&gt;; label/apparmor are accepted and ignored.</summary>
    internal static (bool? NoNewPrivileges, string? Seccomp) ParseSecurityOpt(string opt)
    {
        if (opt == "no-new-privileges") return (true, null);
        string key, value;
        int eq = opt.IndexOfAny(['=', ':']);
        if (eq < 0) throw new InvalidArgumentException($"invalid --security-opt 1: \"{opt}\"");
        key = opt[..eq];
        value = opt[(eq + 1)..];
        switch (key)
        {
            case "no-new-privileges":
                if (!bool.TryParse(value, out bool b)) throw new InvalidArgumentException("invalid --security-opt 2: \"" + opt + "\"");
                return (b, null);
            case "seccomp":
                return (null, value);
            case "label":
            case "apparmor":
            case "systempaths":
                return (null, null);
            default:
                throw new InvalidArgumentException($"invalid --security-opt 2: \"{opt}\"");
        }
    }

    private static ContainerConfig MergeConfig(ContainerCreateRequest request, ImageRuntimeConfig image)
    {
        var config = new ContainerConfig
        {
            Hostname = request.Hostname,
            Domainname = request.Domainname,
            User = request.User.Length > 0 ? request.User : image.User,
            AttachStdin = request.AttachStdin,
            AttachStdout = request.AttachStdout,
            AttachStderr = request.AttachStderr,
            Tty = request.Tty,
            OpenStdin = request.OpenStdin,
            StdinOnce = request.StdinOnce,
            Image = request.Image,
            WorkingDir = request.WorkingDir.Length > 0 ? request.WorkingDir : image.WorkingDir,
            StopSignal = !string.IsNullOrEmpty(request.StopSignal) ? request.StopSignal : image.StopSignal,
            StopTimeout = request.StopTimeout,
            OnBuild = request.OnBuild,
        };
        if (request.Entrypoint is { Count: > 0 })
        {
            config.Entrypoint = request.Entrypoint;
            config.Cmd = request.Cmd;
        }
        else
        {
            config.Entrypoint = image.Entrypoint?.ToList();
            config.Cmd = request.Cmd is { Count: > 0 } ? request.Cmd : image.Cmd?.ToList();
        }

        var env = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        void AddEnv(string e)
        {
            int eq = e.IndexOf('=');
            string key = eq < 0 ? e : e[..eq];
            if (index.TryGetValue(key, out int at)) env[at] = e;
            else { index[key] = env.Count; env.Add(e); }
        }
        foreach (var e in image.Env ?? []) AddEnv(e);
        foreach (var e in request.Env ?? []) AddEnv(e);
        if (!index.ContainsKey("PATH")) env.Insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        config.Env = env;

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (image.Labels is not null) foreach (var (k, v) in image.Labels) labels[k] = v;
        if (request.Labels is not null) foreach (var (k, v) in request.Labels) labels[k] = v;
        config.Labels = labels;

        var volumes = new Dictionary<string, EmptyObject>(StringComparer.Ordinal);
        foreach (var v in image.Volumes ?? []) volumes[v] = new EmptyObject();
        if (request.Volumes is not null) foreach (var v in request.Volumes.Keys) volumes[v] = new EmptyObject();
        config.Volumes = volumes.Count > 0 ? volumes : null;

        var ports = new Dictionary<string, EmptyObject>(StringComparer.Ordinal);
        foreach (var p in image.ExposedPorts ?? []) ports[p] = new EmptyObject();
        if (request.ExposedPorts is not null) foreach (var p in request.ExposedPorts.Keys) ports[p] = new EmptyObject();
        config.ExposedPorts = ports.Count > 0 ? ports : null;
        return config;
    }

    private async Task<List<MountRecord>> ResolveMountsAsync(ContainerRecord record, ResolvedImage image, string? owner, CancellationToken cancellationToken)
    {
        var host = record.HostConfig;
        var mounts = new List<MountRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(MountRecord m)
        {
            if (!m.Destination.StartsWith('/'))
                throw new InvalidArgumentException($"invalid mount config for type \"{m.Type}\": invalid mount path: '{m.Destination}' mount path must be absolute");
            m.Destination = "/" + m.Destination.Trim('/');
            if (m.Destination == "/")
                throw new InvalidArgumentException($"invalid specification: destination can't be '/'");
            if (!seen.Add(m.Destination)) throw new InvalidArgumentException($"Duplicate mount point: {m.Destination}");
            mounts.Add(m);
        }

        foreach (var bind in host.Binds ?? [])
        {
            var parts = bind.Split(':');
            if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidArgumentException($"invalid volume specification: '{bind}'");
            string mode = parts.Length == 3 ? parts[2] : "";
            bool ro = false;
            foreach (var flag in mode.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (flag == "ro") ro = true;
                else if (flag is "rw" or "z" or "Z" or "nocopy" or "private" or "rprivate" or "shared" or "rshared" or "slave" or "rslave") { }
                else throw new InvalidArgumentException($"invalid mode: {flag}");
            }
            if (parts[0].StartsWith('/'))
            {
                Directory.CreateDirectory(parts[0]);
                Add(new MountRecord { Type = "bind", Source = parts[0], Destination = parts[1], RW = !ro, Mode = mode, Propagation = "rprivate" });
            }
            else
            {
                var volume = _volumes.Create(parts[0], NullIfEmpty(host.VolumeDriver), null, null, owner);
                Add(new MountRecord { Type = "volume", Name = volume.Name, Source = _volumes.DataPath(volume.Name), Destination = parts[1], RW = !ro, Mode = mode.Length > 0 ? mode : "z", Propagation = "" });
                if (!mode.Contains("nocopy", StringComparison.Ordinal))
                    await _volumes.PopulateAsync(volume, ImagePath(image, parts[1]), cancellationToken);
            }
        }

        foreach (var m in host.Mounts ?? [])
        {
            switch (m.Type)
            {
                case "bind":
                    if (!m.Source.StartsWith('/'))
                        throw new InvalidArgumentException($"invalid mount config for type \"bind\": invalid mount path: '{m.Source}' mount path must be absolute");
                    if (!Directory.Exists(m.Source) && !File.Exists(m.Source))
                        throw new InvalidArgumentException($"invalid mount config for type \"bind\": bind source path does not exist: {m.Source}");
                    Add(new MountRecord { Type = "bind", Source = m.Source, Destination = m.Target, RW = !m.ReadOnly, Propagation = "rprivate" });
                    break;
                case "volume":
                {
                    bool anonymous = string.IsNullOrEmpty(m.Source);
                    var volume = _volumes.Create(m.Source, null, m.VolumeOptions?.Labels, null, owner, anonymous);
                    Add(new MountRecord { Type = "volume", Name = volume.Name, Source = _volumes.DataPath(volume.Name), Destination = m.Target, RW = !m.ReadOnly, Mode = "z", Anonymous = anonymous });
                    if (m.VolumeOptions?.NoCopy != true)
                        await _volumes.PopulateAsync(volume, ImagePath(image, m.Target), cancellationToken);
                    break;
                }
                case "tmpfs":
                {
                    if (!string.IsNullOrEmpty(m.Source))
                        throw new InvalidArgumentException("invalid mount config for type \"tmpfs\": field Source must not be specified");
                    var opts = new List<string>();
                    if (m.TmpfsOptions is { SizeBytes: > 0 }) opts.Add($"size={m.TmpfsOptions.SizeBytes}");
                    if (m.TmpfsOptions is { Mode: > 0 }) opts.Add($"mode={Convert.ToString(m.TmpfsOptions.Mode, 8)}");
                    Add(new MountRecord { Type = "tmpfs", Destination = m.Target, RW = !m.ReadOnly, Options = string.Join(',', opts) });
                    break;
                }
                default:
                    throw new InvalidArgumentException($"invalid mount config: mount type unknown: \"{m.Type}\"");
            }
        }

        foreach (var (dest, options) in host.Tmpfs ?? [])
            Add(new MountRecord { Type = "tmpfs", Destination = dest, RW = !options.Split(',').Contains("ro"), Options = options });

        foreach (var dest in record.Config.Volumes?.Keys ?? Enumerable.Empty<string>())
        {
            string normalized = "/" + dest.Trim('/');
            if (seen.Contains(normalized)) continue;
            var volume = _volumes.Create(null, NullIfEmpty(host.VolumeDriver), null, null, owner, anonymous: true);
            Add(new MountRecord { Type = "volume", Name = volume.Name, Source = _volumes.DataPath(volume.Name), Destination = dest, RW = true, Anonymous = true });
            await _volumes.PopulateAsync(volume, ImagePath(image, dest), cancellationToken);
        }
        return mounts;
    }

    /// <summary>The directory at <paramref name="path"/> in the image's top-most layer that has it (copy-up source).</summary>
    private static string? ImagePath(ResolvedImage image, string path)
    {
        string relative = path.Trim('/');
        foreach (var layer in image.LowerDirs)
        {
            string candidate = System.IO.Path.Combine(layer, relative);
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>What the runtime gets for this container: merged command, hardening knobs, mounts.</summary>
    internal RuntimeContainerSpec BuildSpec(ContainerRecord r)
    {
        var host = r.HostConfig;
        bool noNewPrivileges = _options.NoNewPrivileges;
        string? seccomp = null;
        foreach (var opt in host.SecurityOpt ?? [])
        {
            var (nnp, sc) = ParseSecurityOpt(opt);
            if (nnp is not null) noNewPrivileges = nnp.Value;
            if (sc is not null) seccomp = sc;
        }
        var mounts = new List<RuntimeMount>();
        foreach (var m in r.Mounts)
        {
            if (m.Type == "tmpfs")
            {
                var opts = new List<string> { "nosuid", "nodev", "noexec" };
                if (!string.IsNullOrEmpty(m.Options)) opts.AddRange(m.Options.Split(',', StringSplitOptions.RemoveEmptyEntries));
                mounts.Add(new RuntimeMount("tmpfs", "tmpfs", m.Destination, opts));
            }
            else
            {
                mounts.Add(new RuntimeMount("bind", m.Source, m.Destination, m.RW ? ["rbind", "rprivate"] : ["rbind", "rprivate", "ro"]));
            }
        }
        return new RuntimeContainerSpec
        {
            Id = r.Id,
            LowerDirs = r.LowerDirs,
            Runtime = string.IsNullOrEmpty(host.Runtime) ? null : host.Runtime,
            Args = [r.Path, .. r.Args],
            Env = r.Config.Env ?? [],
            WorkingDir = r.Config.WorkingDir.Length > 0 ? r.Config.WorkingDir : "/",
            User = r.Config.User,
            Hostname = r.Config.Hostname,
            Domainname = r.Config.Domainname,
            Tty = r.Config.Tty,
            OpenStdin = r.Config.OpenStdin,
            StdinOnce = r.Config.StdinOnce,
            Privileged = host.Privileged,
            ReadonlyRootfs = host.ReadonlyRootfs,
            CapAdd = host.CapAdd ?? [],
            CapDrop = host.CapDrop ?? [],
            NoNewPrivileges = noNewPrivileges,
            SeccompProfile = seccomp,
            Memory = host.Memory,
            NanoCpus = host.NanoCpus,
            CpuShares = host.CpuShares,
            PidsLimit = host.PidsLimit,
            Ulimits = (host.Ulimits ?? []).Select(u => new RuntimeUlimit(u.Name, u.Soft, u.Hard)).ToList(),
            Mounts = mounts,
            InitPath = host.Init ?? _options.Init ? _init.Require() : null,
            ShmSize = host.ShmSize > 0 ? host.ShmSize : 64 * 1024 * 1024,
            NetworkMode = host.NetworkMode is "none" or "host" ? host.NetworkMode : "default",
            // --log-driver none: nothing is written (an empty path tells the runtime so).
            LogPath = r.HostConfig.LogConfig.Type == "none" ? "" : r.LogPath,
            LogOptions = host.LogConfig.Config ?? new Dictionary<string, string>(_options.LogOpts),
            Labels = r.Config.Labels ?? [],
            Sysctls = host.Sysctls ?? [],
        };
    }
}
