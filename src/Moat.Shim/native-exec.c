/*
 * native-exec: `docker exec` without the OCI runtime's CLI (moat-shim --exec-native FILE).
 *
 * `runc exec` costs ~45 ms here (a Go runtime start, then `runc init` re-executed); joining a running container is
 * a few system calls. This does what runc's nsexec + setns_init do for an exec, in the same order:
 *
 *   monitor (host namespaces, child subreaper)
 *     └─ joiner: moves itself into the container's cgroup v1 hierarchies, joins its namespaces (from
 *                /proc/<init>/ns), forks the process straight into its cgroup v2 (CLONE_INTO_CGROUP), reports the
 *                process's host pid and exits
 *          └─ process (in the container's pid namespace): new session, the terminal (a pty from the container's
 *             own devpts, its master handed to the monitor) or the pipes, umask, rlimits, oom_score_adj, cwd,
 *             seccomp (before the capability drop unless no_new_privs is set, as runc), bounding set, groups,
 *             gid, uid, capabilities, ambient set, no_new_privs, seccomp (when no_new_privs), execve.
 *
 * The configuration comes from moatd as records separated by NUL bytes, each "<key> <value>" (values may hold any
 * byte but NUL, so env values with newlines are fine). Everything is computed by moatd from the container's
 * config.json and the exec request; this file only applies it. A failure before execve is reported to the
 * monitor as text ("exec failed: unable to start container process: …", runc's wording) through a close-on-exec
 * pipe: EOF without text means the execve happened.
 */
#define _GNU_SOURCE
#include "native-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define MAX_CONFIG_BYTES (4 * 1024 * 1024)
#define MAX_LIST 4096
#define MAX_GROUPS 256
#define MAX_CGROUPS 32
#define MAX_NS 8
#define MAX_RLIMITS 16
#define MAX_SECCOMP_RULES 2048
#define MAX_SECCOMP_ARCHES 8
#define MAX_RULE_ARGS 6
#define MAX_BPF_INSTRUCTIONS 65536

struct seccomp_rule_spec {
    uint32_t action;
    char *name;
    int nargs;
    struct scmp_arg_cmp args[MAX_RULE_ARGS];
};

struct exec_config {
    int init_pid;
    const char *ns[MAX_NS];
    int n_ns;
    const char *cgroups_v1[MAX_CGROUPS];
    int n_cgroups_v1;
    const char *cgroup_v2;
    char *argv[MAX_LIST + 1];
    int argc;
    char *envp[MAX_LIST + 1];
    int envc;
    const char *cwd;
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_GROUPS];
    int n_groups;
    mode_t umask;
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    int no_new_privs;
    struct { int resource; struct rlimit limit; } rlimits[MAX_RLIMITS];
    int n_rlimits;
    int has_oom;
    int oom_score_adj;
    unsigned short rows, cols;
    int seccomp;
    uint32_t seccomp_default;
    const char *seccomp_arches[MAX_SECCOMP_ARCHES];
    int n_seccomp_arches;
    int seccomp_log, seccomp_spec_allow;
    struct seccomp_rule_spec *rules;
    int n_rules;
    const char *seccomp_cache;
    struct sock_filter *bpf;
    unsigned short bpf_len;
};

static char *config_text;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || (*end && *end != ' ')) return -1;
    *out = v;
    return 0;
}

static int parse_int(const char *s, long long min, long long max, long long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || (*end && *end != ' ') || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* The next space-separated word of *p (advancing it), or NULL. */
static char *word(char **p)
{
    while (**p == ' ') (*p)++;
    if (!**p) return NULL;
    char *start = *p;
    while (**p && **p != ' ') (*p)++;
    if (**p) *(*p)++ = 0;
    return start;
}

/* "seccomp-rule <action> <name> [<index> <op> <value> <valueTwo>]..." (numbers as libseccomp/kernel values). */
static int parse_rule(struct exec_config *c, char *v)
{
    if (c->n_rules == MAX_SECCOMP_RULES) return -1;
    struct seccomp_rule_spec *r = &c->rules[c->n_rules];
    uint64_t n;
    char *w = word(&v);
    if (parse_u64(w, 0, &n) < 0 || n > UINT32_MAX) return -1;
    r->action = (uint32_t)n;
    if (!(r->name = word(&v))) return -1;
    r->nargs = 0;
    while ((w = word(&v)) != NULL) {
        if (r->nargs == MAX_RULE_ARGS) return -1;
        uint64_t index, op, a, b;
        char *op_text = word(&v);
        char *a_text = word(&v);
        char *b_text = word(&v);
        if (parse_u64(w, 10, &index) < 0 || index > 5 || parse_u64(op_text, 10, &op) < 0 || op < SCMP_CMP_NE ||
            op > SCMP_CMP_MASKED_EQ || parse_u64(a_text, 10, &a) < 0 || parse_u64(b_text, 10, &b) < 0)
            return -1;
        r->args[r->nargs++] = (struct scmp_arg_cmp){.arg = (unsigned)index, .op = (enum scmp_compare)op, .datum_a = a, .datum_b = b};
    }
    c->n_rules++;
    return 0;
}

static int parse_config(const char *path, struct exec_config *c, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(err, errlen, "open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size > MAX_CONFIG_BYTES) { close(fd); return fail(err, errlen, "%s: too large", path); }
    config_text = malloc((size_t)st.st_size + 1);
    c->rules = calloc(MAX_SECCOMP_RULES, sizeof *c->rules);
    if (!config_text || !c->rules) { close(fd); return fail(err, errlen, "out of memory"); }
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, config_text + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    close(fd);
    config_text[len] = 0;
    c->umask = 022;
    for (size_t off = 0; off < len;) {
        char *rec = config_text + off;
        size_t rlen = strnlen(rec, len - off);
        off += rlen + 1;
        if (rlen == 0) continue;
        char *v = strchr(rec, ' ');
        if (!v) return fail(err, errlen, "bad record \"%.40s\"", rec);
        *v++ = 0;
        uint64_t u;
        long long ll;
        int ok = 0;
        if (!strcmp(rec, "pid")) { ok = parse_int(v, 1, INT32_MAX, &ll) == 0; c->init_pid = (int)ll; }
        else if (!strcmp(rec, "ns")) { ok = c->n_ns < MAX_NS; if (ok) c->ns[c->n_ns++] = v; }
        else if (!strcmp(rec, "cgroup-v1")) { ok = c->n_cgroups_v1 < MAX_CGROUPS && v[0] == '/'; if (ok) c->cgroups_v1[c->n_cgroups_v1++] = v; }
        else if (!strcmp(rec, "cgroup-v2")) { ok = !c->cgroup_v2 && v[0] == '/'; c->cgroup_v2 = v; }
        else if (!strcmp(rec, "arg")) { ok = c->argc < MAX_LIST; if (ok) c->argv[c->argc++] = v; }
        else if (!strcmp(rec, "env")) { ok = c->envc < MAX_LIST; if (ok) c->envp[c->envc++] = v; }
        else if (!strcmp(rec, "cwd")) { ok = v[0] == '/'; c->cwd = v; }
        else if (!strcmp(rec, "uid")) { ok = parse_u64(v, 10, &u) == 0 && u < UINT32_MAX; c->uid = (uid_t)u; }
        else if (!strcmp(rec, "gid")) { ok = parse_u64(v, 10, &u) == 0 && u < UINT32_MAX; c->gid = (gid_t)u; }
        else if (!strcmp(rec, "group")) { ok = c->n_groups < MAX_GROUPS && parse_u64(v, 10, &u) == 0 && u < UINT32_MAX; if (ok) c->groups[c->n_groups++] = (gid_t)u; }
        else if (!strcmp(rec, "umask")) { ok = parse_u64(v, 8, &u) == 0 && u <= 0777; c->umask = (mode_t)u; }
        else if (!strcmp(rec, "cap-bounding")) ok = parse_u64(v, 16, &c->cap_bounding) == 0;
        else if (!strcmp(rec, "cap-effective")) ok = parse_u64(v, 16, &c->cap_effective) == 0;
        else if (!strcmp(rec, "cap-permitted")) ok = parse_u64(v, 16, &c->cap_permitted) == 0;
        else if (!strcmp(rec, "cap-inheritable")) ok = parse_u64(v, 16, &c->cap_inheritable) == 0;
        else if (!strcmp(rec, "cap-ambient")) ok = parse_u64(v, 16, &c->cap_ambient) == 0;
        else if (!strcmp(rec, "no-new-privs")) { ok = 1; c->no_new_privs = !strcmp(v, "1"); }
        else if (!strcmp(rec, "oom-score-adj")) { ok = parse_int(v, -1000, 1000, &ll) == 0; c->has_oom = 1; c->oom_score_adj = (int)ll; }
        else if (!strcmp(rec, "console")) {
            char *p = v;
            long long rows = 0, cols = 0;
            ok = parse_int(word(&p), 0, 65535, &rows) == 0 && parse_int(word(&p), 0, 65535, &cols) == 0;
            c->rows = (unsigned short)rows;
            c->cols = (unsigned short)cols;
        }
        else if (!strcmp(rec, "rlimit")) {
            char *p = v;
            long long res;
            uint64_t soft, hard;
            ok = c->n_rlimits < MAX_RLIMITS && parse_int(word(&p), 0, RLIM_NLIMITS - 1, &res) == 0 &&
                 parse_u64(word(&p), 10, &soft) == 0 && parse_u64(word(&p), 10, &hard) == 0;
            if (ok) {
                c->rlimits[c->n_rlimits].resource = (int)res;
                c->rlimits[c->n_rlimits].limit = (struct rlimit){.rlim_cur = soft, .rlim_max = hard};
                c->n_rlimits++;
            }
        }
        else if (!strcmp(rec, "seccomp-default")) { ok = parse_u64(v, 0, &u) == 0 && u <= UINT32_MAX; c->seccomp = 1; c->seccomp_default = (uint32_t)u; }
        else if (!strcmp(rec, "seccomp-arch")) { ok = c->n_seccomp_arches < MAX_SECCOMP_ARCHES; if (ok) c->seccomp_arches[c->n_seccomp_arches++] = v; }
        else if (!strcmp(rec, "seccomp-flag")) {
            ok = 1;
            if (!strcmp(v, "SECCOMP_FILTER_FLAG_LOG")) c->seccomp_log = 1;
            else if (!strcmp(v, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) c->seccomp_spec_allow = 1;
            else ok = 0;
        }
        else if (!strcmp(rec, "seccomp-rule")) ok = parse_rule(c, v) == 0;
        else if (!strcmp(rec, "seccomp-cache")) { ok = v[0] == '/'; c->seccomp_cache = v; }
        if (!ok) return fail(err, errlen, "bad %s record", rec);
    }
    if (c->init_pid <= 0 || c->argc == 0 || !c->cwd) return fail(err, errlen, "%s: pid, arg and cwd are required", path);
    c->argv[c->argc] = NULL;
    c->envp[c->envc] = NULL;
    return 0;
}

/* ---------- in the container ---------- */

static int error_fd = -1;

/* Reports why the process could not start (runc's wording) and ends it: the monitor turns this into the exec's error. */
static void __attribute__((noreturn, format(printf, 1, 2))) child_fail(const char *fmt, ...)
{
    char msg[2048];
    int n = snprintf(msg, sizeof msg, "exec failed: unable to start container process: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (write(error_fd, msg, strlen(msg)) < 0) {}
    _exit(127);
}

/* The filter compiled by libseccomp from the profile's rules (runc's semantics), as a BPF program in a memfd. */
static int compile_seccomp(struct exec_config *c, int out_fd)
{
    scmp_filter_ctx ctx = seccomp_init(c->seccomp_default);
    if (!ctx) return -EINVAL;
    int rc = 0;
    for (int i = 0; i < c->n_seccomp_arches; i++) {
        uint32_t arch = seccomp_arch_resolve_name(c->seccomp_arches[i]);
        if (arch == 0) continue;
        rc = seccomp_arch_add(ctx, arch);
        if (rc < 0 && rc != -EEXIST) goto out;
    }
    for (int i = 0; i < c->n_rules; i++) {
        struct seccomp_rule_spec *r = &c->rules[i];
        int nr = seccomp_syscall_resolve_name(r->name);
        if (nr == __NR_SCMP_ERROR) continue; /* not a system call on these architectures: nothing to filter (as runc) */
        if (r->action == c->seccomp_default) continue;
        rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->nargs, r->args);
        if (rc < 0) goto out;
    }
    rc = seccomp_export_bpf(ctx, out_fd);
out:
    seccomp_release(ctx);
    return rc;
}

static ssize_t read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* A whole file of BPF instructions (bounded), or -1. */
static int read_bpf(int fd, struct exec_config *c)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
        st.st_size > (off_t)(MAX_BPF_INSTRUCTIONS - 1) * (off_t)sizeof(struct sock_filter))
        return -1;
    c->bpf = malloc((size_t)st.st_size);
    if (!c->bpf || lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, c->bpf, (size_t)st.st_size) != st.st_size) return -1;
    c->bpf_len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    return 0;
}

/*
 * The filter as BPF, before any fork: from the cache moatd names (one file per distinct profile, under the
 * root-only exec-root, so every container with the default profile shares it), else compiled and cached. Compiling
 * ~350 rules for three architectures takes ~10 ms; loading the program takes microseconds.
 */
static int prepare_seccomp(struct exec_config *c, char *err, size_t errlen)
{
    if (c->seccomp_cache) {
        int fd = open(c->seccomp_cache, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            int rc = read_bpf(fd, c);
            close(fd);
            if (rc == 0) return 0;
            free(c->bpf);
            c->bpf = NULL;
        }
    }
    int mem = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    if (mem < 0) return fail(err, errlen, "memfd_create: %s", strerror(errno));
    int rc = compile_seccomp(c, mem);
    if (rc < 0) { close(mem); return fail(err, errlen, "exec failed: unable to start container process: error loading seccomp filter: %s", strerror(-rc)); }
    if (read_bpf(mem, c) < 0) { close(mem); return fail(err, errlen, "seccomp filter: unexpected program size"); }
    close(mem);
    if (c->seccomp_cache) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.%d.tmp", c->seccomp_cache, getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        size_t bytes = (size_t)c->bpf_len * sizeof(struct sock_filter);
        /* Best effort: without the cache the next exec compiles again. Renamed only when whole. */
        if (fd >= 0) {
            int whole = write(fd, c->bpf, bytes) == (ssize_t)bytes;
            close(fd);
            if (!whole || rename(tmp, c->seccomp_cache) < 0) unlink(tmp);
        }
    }
    return 0;
}

static int load_seccomp(struct exec_config *c)
{
    struct sock_fprog prog = {.len = c->bpf_len, .filter = c->bpf};
    unsigned flags = (c->seccomp_log ? SECCOMP_FILTER_FLAG_LOG : 0) | (c->seccomp_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0 ? -errno : 0;
}

/* Where argv[0] is: as given when it has a slash, else the first executable regular file on the process's $PATH. */
static const char *find_executable(struct exec_config *c, char *buf, size_t buflen)
{
    const char *file = c->argv[0];
    if (strchr(file, '/')) return file;
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (int i = 0; i < c->envc; i++)
        if (!strncmp(c->envp[i], "PATH=", 5)) path = c->envp[i] + 5;
    for (const char *p = path;; ) {
        const char *end = strchrnul(p, ':');
        size_t dirlen = (size_t)(end - p);
        if (dirlen == 0) snprintf(buf, buflen, "%s", file);
        else snprintf(buf, buflen, "%.*s/%s", (int)dirlen, p, file);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
        if (!*end) break;
        p = end + 1;
    }
    return NULL;
}

static int capset_all(struct exec_config *c)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2] = {
        {.effective = (uint32_t)c->cap_effective, .permitted = (uint32_t)c->cap_permitted, .inheritable = (uint32_t)c->cap_inheritable},
        {.effective = (uint32_t)(c->cap_effective >> 32), .permitted = (uint32_t)(c->cap_permitted >> 32), .inheritable = (uint32_t)(c->cap_inheritable >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}

static int send_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int receive_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    if (n != 1) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

/* The process, in the container's namespaces and cgroups: set it up as runc's setns_init does, then execve. */
static void __attribute__((noreturn)) run_process(struct exec_config *c, const struct native_exec_stdio *io, int console_sock)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    if (setsid() < 0) child_fail("setsid: %s", strerror(errno));

    if (io->terminal) {
        /* The container's own devpts, as runc: `tty` inside names a device that exists there. */
        int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) child_fail("open /dev/ptmx: %s", strerror(errno));
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0) child_fail("unlock pty: %s", strerror(errno));
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0) child_fail("open pty peer: %s", strerror(errno));
        if (c->rows && c->cols) {
            struct winsize ws = {.ws_row = c->rows, .ws_col = c->cols};
            ioctl(slave, TIOCSWINSZ, &ws);
        }
        if (fchown(slave, c->uid, (gid_t)-1) < 0) {}
        if (send_fd(console_sock, master) < 0) child_fail("hand over the console: %s", strerror(errno));
        close(master);
        if (ioctl(slave, TIOCSCTTY, 0) < 0) child_fail("set controlling terminal: %s", strerror(errno));
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) child_fail("dup2: %s", strerror(errno));
        if (slave > 2) close(slave);
    } else {
        if (dup2(io->in, 0) < 0 || dup2(io->out, 1) < 0 || dup2(io->err, 2) < 0) child_fail("dup2: %s", strerror(errno));
    }
    /* Nothing of the monitor's but the error pipe (close-on-exec) survives into the process. */
    if (error_fd > 3) close_range(3, (unsigned)error_fd - 1, 0);
    close_range((unsigned)error_fd + 1, ~0U, 0);

    umask(c->umask);
    for (int i = 0; i < c->n_rlimits; i++)
        if (setrlimit(c->rlimits[i].resource, &c->rlimits[i].limit) < 0)
            child_fail("setrlimit %d: %s", c->rlimits[i].resource, strerror(errno));
    if (c->has_oom) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        char text[16];
        int n = snprintf(text, sizeof text, "%d", c->oom_score_adj);
        if (fd < 0 || write(fd, text, (size_t)n) != n) child_fail("set oom_score_adj: %s", strerror(errno));
        close(fd);
    }
    if (chdir(c->cwd) < 0) child_fail("chdir to cwd (\"%s\") set in config.json failed: %s", c->cwd, strerror(errno));

    int last_cap = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) { if (fscanf(f, "%d", &last_cap) != 1) last_cap = CAP_LAST_CAP; fclose(f); }
    /* Without no_new_privs loading a filter needs CAP_SYS_ADMIN: load it before the capabilities go. */
    if (c->seccomp && !c->no_new_privs) {
        int rc = load_seccomp(c);
        if (rc < 0) child_fail("error loading seccomp filter: %s", strerror(-rc));
    }
    for (int cap = 0; cap <= last_cap && cap < 64; cap++)
        if (!(c->cap_bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            child_fail("drop capability %d from the bounding set: %s", cap, strerror(errno));
    if (setgroups((size_t)c->n_groups, c->groups) < 0) child_fail("setgroups: %s", strerror(errno));
    if (setresgid(c->gid, c->gid, c->gid) < 0) child_fail("setgid %u: %s", c->gid, strerror(errno));
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) child_fail("keep capabilities: %s", strerror(errno));
    if (setresuid(c->uid, c->uid, c->uid) < 0) child_fail("setuid %u: %s", c->uid, strerror(errno));
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) child_fail("keep capabilities: %s", strerror(errno));
    if (capset_all(c) < 0) child_fail("set capabilities: %s", strerror(errno));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++)
        if ((c->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            child_fail("raise ambient capability %d: %s", cap, strerror(errno));
    if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail("set no_new_privs: %s", strerror(errno));

    static char found[4096];
    const char *file = find_executable(c, found, sizeof found);
    if (!file) child_fail("exec: \"%s\": executable file not found in $PATH", c->argv[0]);
    /* As late as possible: the fewest system calls run under a filter they might not be allowed. */
    if (c->seccomp && c->no_new_privs) {
        int rc = load_seccomp(c);
        if (rc < 0) child_fail("error loading seccomp filter: %s", strerror(-rc));
    }
    execve(file, c->argv, c->envp);
    child_fail("exec: \"%s\": %s", c->argv[0], strerror(errno));
}

static const char *ns_file(const char *name)
{
    if (!strcmp(name, "network")) return "net";
    if (!strcmp(name, "mount")) return "mnt";
    if (!strcmp(name, "user") || !strcmp(name, "ipc") || !strcmp(name, "uts") || !strcmp(name, "pid") ||
        !strcmp(name, "cgroup") || !strcmp(name, "time"))
        return name;
    return NULL;
}

/* The joiner: cgroups and namespaces of the container's init, then the process in its pid namespace. Never returns. */
static void __attribute__((noreturn)) join_and_fork(struct exec_config *c, const struct native_exec_stdio *io, int console_sock, int pid_fd)
{
    /* Open every namespace first: once in the container's mount namespace, /proc is the container's. User first. */
    int fds[MAX_NS];
    const char *order[MAX_NS];
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < c->n_ns; i++) {
            int is_user = !strcmp(c->ns[i], "user");
            if (pass == 0 ? !is_user : is_user) continue;
            const char *file = ns_file(c->ns[i]);
            if (!file) child_fail("unknown namespace %s", c->ns[i]);
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/ns/%s", c->init_pid, file);
            struct stat theirs, ours;
            char self[64];
            snprintf(self, sizeof self, "/proc/self/ns/%s", file);
            if (stat(path, &theirs) < 0) child_fail("container init %d: %s: %s", c->init_pid, path, strerror(errno));
            if (stat(self, &ours) == 0 && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) continue; /* shared with the host */
            fds[n] = open(path, O_RDONLY | O_CLOEXEC);
            if (fds[n] < 0) child_fail("open %s: %s", path, strerror(errno));
            order[n++] = c->ns[i];
        }
    /*
     * The cgroups before the cgroup namespace, so the process sees its cgroup as the root, as init does. Neither way
     * takes the global threadgroup lock that writing a pid to cgroup.procs takes (its RCU grace period was ~10 ms of
     * every exec): in v1 this single-threaded process moves itself, writing "0" to tasks; in v2 the process is
     * created inside its cgroup.
     */
    for (int i = 0; i < c->n_cgroups_v1; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/tasks", c->cgroups_v1[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) child_fail("join cgroup %s: %s", c->cgroups_v1[i], strerror(errno));
        close(fd);
    }
    int v2 = -1;
    if (c->cgroup_v2 && (v2 = open(c->cgroup_v2, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        child_fail("open cgroup %s: %s", c->cgroup_v2, strerror(errno));
    for (int i = 0; i < n; i++) {
        if (setns(fds[i], 0) < 0) child_fail("join %s namespace: %s", order[i], strerror(errno));
        close(fds[i]);
    }
    struct clone_args args = {.exit_signal = SIGCHLD};
    if (v2 >= 0) {
        args.flags = CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)v2;
    }
    /* Like fork(), in a process with one thread and no atfork handlers. */
    pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (child < 0) child_fail("clone3 into cgroup %s: %s", c->cgroup_v2 ? c->cgroup_v2 : "-", strerror(errno));
    if (child == 0) {
        close(pid_fd);
        run_process(c, io, console_sock);
    }
    /* The child's pid as the host sees it (this process's pid namespace is still the host's). */
    if (write(pid_fd, &child, sizeof child) != sizeof child) _exit(1);
    _exit(0);
}

/* The monitor lives as long as the process: what only the start needed goes. */
static void release_config(struct exec_config *c)
{
    free(config_text);
    free(c->rules);
    free(c->bpf);
    config_text = NULL;
    c->rules = NULL;
    c->bpf = NULL;
}

static int start_process(struct exec_config *c, const struct native_exec_stdio *io, int *pid_out, int *master_out, char *err, size_t errlen);

int native_exec(const char *config_path, const struct native_exec_stdio *io, int *pid_out, int *master_out, char *err, size_t errlen)
{
    static struct exec_config c;
    int rc = parse_config(config_path, &c, err, errlen);
    if (rc == 0 && c.seccomp) rc = prepare_seccomp(&c, err, errlen);
    if (rc == 0) rc = start_process(&c, io, pid_out, master_out, err, errlen);
    release_config(&c);
    return rc;
}

static int start_process(struct exec_config *c, const struct native_exec_stdio *io, int *pid_out, int *master_out, char *err, size_t errlen)
{
    int errpipe[2], pidpipe[2], console[2] = {-1, -1};
    if (pipe2(errpipe, O_CLOEXEC) < 0 || pipe2(pidpipe, O_CLOEXEC) < 0) return fail(err, errlen, "pipe: %s", strerror(errno));
    if (io->terminal && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0)
        return fail(err, errlen, "socketpair: %s", strerror(errno));
    pid_t joiner = fork();
    if (joiner < 0) return fail(err, errlen, "fork: %s", strerror(errno));
    if (joiner == 0) {
        close(errpipe[0]);
        close(pidpipe[0]);
        if (console[0] >= 0) close(console[0]);
        error_fd = errpipe[1];
        join_and_fork(c, io, console[1], pidpipe[1]);
    }
    close(errpipe[1]);
    close(pidpipe[1]);
    if (console[1] >= 0) close(console[1]);
    pid_t child = -1;
    ssize_t got;
    while ((got = read(pidpipe[0], &child, sizeof child)) < 0 && errno == EINTR) {}
    close(pidpipe[0]);
    int status;
    while (waitpid(joiner, &status, 0) < 0 && errno == EINTR) {}
    int master = -1;
    if (got == sizeof child && console[0] >= 0) master = receive_fd(console[0]);
    if (console[0] >= 0) close(console[0]);
    /* EOF without a word: the execve happened (the pipe is close-on-exec); text: it failed, and why. */
    size_t len = 0;
    ssize_t r;
    while (len < errlen - 1 && (r = read(errpipe[0], err + len, errlen - 1 - len)) != 0) {
        if (r < 0) { if (errno == EINTR) continue; break; }
        len += (size_t)r;
    }
    close(errpipe[0]);
    err[len] = 0;
    if (len > 0 || got != sizeof child) {
        if (got == sizeof child) while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        if (master >= 0) close(master);
        if (len == 0) snprintf(err, errlen, "exec failed: unable to start container process: the process did not start");
        return -1;
    }
    if (io->terminal && master < 0) return fail(err, errlen, "exec failed: unable to start container process: no console");
    *pid_out = child;
    *master_out = master;
    return 0;
}
