/*
 * moat-shim: the per-container monitor of Moat.
 *
 * moatd starts one per container. It detaches from moatd (double fork, own session), becomes a child subreaper,
 * runs `<runtime> create` with the container's stdio piped to itself, and then, until the container's init exits:
 *   - writes the output as Docker json-file logs (max-size / max-file rotation),
 *   - serves an attach socket: clients get output framed like Docker's multiplexed stream (raw bytes for a TTY)
 *     and whatever they send goes to the container's stdin,
 *   - reads a control fifo ("resize <rows> <cols>", "close-stdin"),
 * and finally records the exit status atomically in <state-dir>/exit (JSON) and exits.
 * So a container keeps running, logging and reporting its exit while moatd is down or restarting.
 *
 * Protocol with the launcher: on success the launcher prints the init pid on stdout and exits 0; on failure it
 * prints the runtime's error text on stderr and exits 1.
 *
 * With --run it runs `<runtime> run --detach` (create and start at once) instead of create.
 *
 * With --exec-process FILE it runs `<runtime> exec --detach --process FILE` instead of create: an extra process in
 * a running container with the same stdio, attach and exit handling (no log: Docker does not log exec output);
 * --hold-output keeps its output until the first client attaches.
 *
 * With --exec-native FILE it starts that extra process itself, as runc would (native-exec.c), instead of running the
 * runtime: the same result without a runtime start (~45 ms of `runc exec`). Only for namespace runtimes (runc, crun).
 *
 * Files in --state-dir (the shim's cwd, so socket paths stay short): shim.pid, init.pid, exit, attach, ctl,
 * console.sock (terminal only), shim.log (the shim's own errors).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "native-exec.h"

#define MAX_RUNTIME_ARGS 32
#define MAX_CLIENTS 16
#define LINE_MAX_BYTES (16 * 1024)
#define DRAIN_MS 2000
#define HOLD_WAIT_MS 10000

static const char *opt_id, *opt_bundle, *opt_state_dir, *opt_runtime, *opt_log_path;
static const char *runtime_args[MAX_RUNTIME_ARGS];
static int n_runtime_args;
static long long opt_log_max_size;
static int opt_log_max_file = 1;
static int opt_terminal, opt_stdin, opt_stdin_once, opt_loopback_up, opt_hold_output, opt_run;
static const char *opt_exec_process, *opt_exec_native;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "moat-shim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write to path.tmp, fsync (when durable), rename: readers see all or nothing. */
static int write_file(const char *path, const char *content, int durable)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (write_all(fd, content, strlen(content)) < 0 || (durable && fsync(fd) < 0)) {
        close(fd);
        return -1;
    }
    close(fd);
    return rename(tmp, path);
}

/* ---------- json-file log ---------- */

static int log_fd = -1;
static long long log_size;

/* Entries are gathered and written in batches: one write(2) per line would cost a syscall per ~100 bytes. */
static char log_pending[256 * 1024];
static size_t log_pending_len;

static void log_write_pending(void)
{
    if (log_pending_len == 0) return;
    if (log_fd >= 0 && write_all(log_fd, log_pending, log_pending_len) < 0) logmsg("write log: %s", strerror(errno));
    log_pending_len = 0;
}

static void log_open(void)
{
    if (!opt_log_path) return;
    log_fd = open(opt_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
        logmsg("open log %s: %s", opt_log_path, strerror(errno));
        return;
    }
    struct stat st;
    log_size = fstat(log_fd, &st) == 0 ? st.st_size : 0;
}

/* Docker's rotation: name.(n-2) -> name.(n-1) ... name -> name.1; with max-file 1 the file is truncated. */
static void log_rotate(void)
{
    char from[4200], to[4200];
    log_write_pending();
    close(log_fd);
    if (opt_log_max_file > 1) {
        for (int i = opt_log_max_file - 1; i > 1; i--) {
            snprintf(from, sizeof from, "%s.%d", opt_log_path, i - 1);
            snprintf(to, sizeof to, "%s.%d", opt_log_path, i);
            rename(from, to);
        }
        snprintf(to, sizeof to, "%s.1", opt_log_path);
        rename(opt_log_path, to);
        log_fd = open(opt_log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    } else {
        log_fd = open(opt_log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    }
    log_size = 0;
}

/* RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano, as Docker writes). */
static void format_time(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char frac[16];
    snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
    int len = (int)strlen(frac);
    while (len > 1 && frac[len - 1] == '0') frac[--len] = 0;
    if (len == 1) frac[0] = 0;
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* Length of the valid UTF-8 sequence at p (max n bytes), or 0 if invalid. */
static int utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    int len;
    unsigned min;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; c &= 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; c &= 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    if ((size_t)len > n) return 0;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return len;
}

/* JSON string escaping as Go's encoding/json does (HTML-safe, invalid UTF-8 -> U+FFFD). */
static size_t json_escape(char *out, const unsigned char *in, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = in[i];
        if (c >= 0x80) {
            int len = utf8_len(in + i, n - i);
            if (len == 0) {
                memcpy(out + o, "\\ufffd", 6);
                o += 6;
                i++;
                continue;
            }
            if (len == 3 && in[i] == 0xE2 && in[i + 1] == 0x80 && (in[i + 2] == 0xA8 || in[i + 2] == 0xA9)) {
                memcpy(out + o, in[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                o += 6;
            } else {
                memcpy(out + o, in + i, (size_t)len);
                o += (size_t)len;
            }
            i += (size_t)len;
            continue;
        }
        switch (c) {
        case '"': out[o++] = '\\'; out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
        case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
        case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
        case '\t': out[o++] = '\\'; out[o++] = 't'; break;
        default:
            if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                out[o++] = '\\'; out[o++] = 'u'; out[o++] = '0'; out[o++] = '0';
                out[o++] = hex[c >> 4]; out[o++] = hex[c & 0xF];
            } else {
                out[o++] = (char)c;
            }
        }
        i++;
    }
    return o;
}

static char entry_buf[LINE_MAX_BYTES * 6 + 256];

static void log_entry(const char *stream, const unsigned char *data, size_t n)
{
    if (log_fd < 0 || n == 0) return;
    char ts[64];
    format_time(ts, sizeof ts);
    size_t o = 0;
    memcpy(entry_buf, "{\"log\":\"", 8);
    o = 8;
    o += json_escape(entry_buf + o, data, n);
    o += (size_t)snprintf(entry_buf + o, sizeof entry_buf - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, ts);
    if (opt_log_max_size > 0 && log_size > 0 && log_size + (long long)o > opt_log_max_size) log_rotate();
    if (log_fd < 0) return;
    if (log_pending_len + o > sizeof log_pending) log_write_pending();
    if (o > sizeof log_pending) {
        if (write_all(log_fd, entry_buf, o) == 0) log_size += (long long)o;
        return;
    }
    memcpy(log_pending + log_pending_len, entry_buf, o);
    log_pending_len += o;
    log_size += (long long)o;
}

struct stream_buf {
    const char *name;
    unsigned char data[LINE_MAX_BYTES];
    size_t len;
};

static struct stream_buf out_buf = {.name = "stdout"}, err_buf = {.name = "stderr"};

/* Docker logs one entry per line; a line longer than 16 KiB is split into partial entries. */
static void log_data(struct stream_buf *b, const unsigned char *data, size_t n)
{
    while (n > 0) {
        size_t take = sizeof b->data - b->len;
        if (take > n) take = n;
        memcpy(b->data + b->len, data, take);
        b->len += take;
        data += take;
        n -= take;
        size_t start = 0;
        for (size_t i = 0; i < b->len; i++) {
            if (b->data[i] == '\n') {
                log_entry(b->name, b->data + start, i + 1 - start);
                start = i + 1;
            }
        }
        if (start == 0 && b->len == sizeof b->data) {
            log_entry(b->name, b->data, b->len);
            start = b->len;
        }
        memmove(b->data, b->data + start, b->len - start);
        b->len -= start;
    }
}

static void log_flush(struct stream_buf *b)
{
    log_entry(b->name, b->data, b->len);
    b->len = 0;
}

/* ---------- attach clients ---------- */

/*
 * Output to clients is queued per client and sent when the socket is writable; while any client has more than
 * CLIENT_HIGH bytes queued the container's output is not read (backpressure, as dockerd blocks on a slow attach).
 * Input from clients goes through one bounded buffer; while it holds data, clients are not read.
 */
#define CLIENT_HIGH (256 * 1024)
#define CLIENT_MAX (4 * 1024 * 1024)
#define IN_MAX (256 * 1024)

struct client {
    int fd;
    int reading;
    unsigned char *out;
    size_t out_len, out_cap;
};

static struct client clients[MAX_CLIENTS];
static int n_clients;
static int stdin_fd = -1; /* where client input goes: stdin pipe or pty master */
static unsigned char in_buf[IN_MAX];
static size_t in_len;

static void drop_client(int i)
{
    close(clients[i].fd);
    free(clients[i].out);
    clients[i] = clients[n_clients - 1];
    n_clients--;
}

/* Sends what is queued without blocking; -1 when the client is gone. */
static int flush_client(struct client *c)
{
    size_t off = 0;
    while (off < c->out_len) {
        ssize_t w = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    memmove(c->out, c->out + off, c->out_len - off);
    c->out_len -= off;
    return 0;
}

static int queue_client(struct client *c, const unsigned char *data, size_t n)
{
    if (c->out_len + n > CLIENT_MAX) return -1;
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 65536;
        while (cap < c->out_len + n) cap *= 2;
        unsigned char *p = realloc(c->out, cap);
        if (!p) return -1;
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
    return 0;
}

static int clients_congested(void)
{
    for (int i = 0; i < n_clients; i++)
        if (clients[i].out_len > CLIENT_HIGH) return 1;
    return 0;
}

/* With --hold-output (exec), output waits here until the first client attaches, so none is lost. */
#define HOLD_MAX (1024 * 1024)
static unsigned char *held;
static size_t held_len;
static int holding;

static void broadcast_now(int stream, const unsigned char *data, size_t n);

static void broadcast(int stream, const unsigned char *data, size_t n)
{
    if (holding) {
        if (!held) held = malloc(HOLD_MAX);
        if (held && held_len + n + 5 <= HOLD_MAX) {
            held[held_len] = (unsigned char)stream;
            held[held_len + 1] = (unsigned char)(n >> 24);
            held[held_len + 2] = (unsigned char)(n >> 16);
            held[held_len + 3] = (unsigned char)(n >> 8);
            held[held_len + 4] = (unsigned char)n;
            memcpy(held + held_len + 5, data, n);
            held_len += n + 5;
        }
        return;
    }
    broadcast_now(stream, data, n);
}

static void release_held(void)
{
    holding = 0;
    for (size_t off = 0; off + 5 <= held_len;) {
        size_t n = ((size_t)held[off + 1] << 24) | ((size_t)held[off + 2] << 16) | ((size_t)held[off + 3] << 8) | held[off + 4];
        broadcast_now(held[off], held + off + 5, n);
        off += 5 + n;
    }
    free(held);
    held = NULL;
    held_len = 0;
}

static void broadcast_now(int stream, const unsigned char *data, size_t n)
{
    unsigned char header[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                               (unsigned char)(n >> 8), (unsigned char)n};
    for (int i = 0; i < n_clients; i++) {
        struct client *c = &clients[i];
        int bad = 0;
        if (!opt_terminal && queue_client(c, header, 8) < 0) bad = 1;
        if (!bad && queue_client(c, data, n) < 0) bad = 1;
        if (!bad && flush_client(c) < 0) bad = 1;
        if (bad) drop_client(i--);
    }
}

static void close_stdin(void)
{
    if (stdin_fd >= 0 && !opt_terminal) {
        close(stdin_fd);
        stdin_fd = -1;
        in_len = 0;
    }
}

/* ---------- helpers ---------- */

static int read_pid_file(const char *path)
{
    char buf[32] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 ? atoi(buf) : -1;
}

/* Brings "lo" up inside the container's network namespace (a netns with loopback only, like Docker's none). */
static int loopback_up(int pid)
{
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
        int ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) _exit(1);
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "lo");
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) _exit(1);
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        _exit(ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? 1 : 0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Receives the pty master runc sends to the console socket. */
static int receive_console(int listener)
{
    struct pollfd p = {.fd = listener, .events = POLLIN};
    if (poll(&p, 1, 10000) <= 0) return -1;
    int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) return -1;
    int fd = receive_fd(conn);
    close(conn);
    return fd;
}

static int listen_unix(const char *path)
{
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 16) < 0) return -1;
    chmod(path, 0600);
    return s;
}

static char console_path[4200], console_dir[64];

static void remove_console(void)
{
    if (console_path[0]) unlink(console_path);
    if (console_dir[0]) rmdir(console_dir);
}

static void usage(void)
{
    die("usage: moat-shim --id ID --bundle DIR --state-dir DIR --runtime PATH [--runtime-arg ARG]... "
        "[--log-path FILE] [--log-max-size BYTES] [--log-max-file N] [--terminal] [--stdin] [--stdin-once] [--loopback-up] [--run] [--exec-process FILE | --exec-native FILE] [--hold-output]");
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE() do { if (!v) usage(); i++; } while (0)
        if (!strcmp(a, "--id")) { VALUE(); opt_id = v; }
        else if (!strcmp(a, "--bundle")) { VALUE(); opt_bundle = v; }
        else if (!strcmp(a, "--state-dir")) { VALUE(); opt_state_dir = v; }
        else if (!strcmp(a, "--runtime")) { VALUE(); opt_runtime = v; }
        else if (!strcmp(a, "--runtime-arg")) { VALUE(); if (n_runtime_args == MAX_RUNTIME_ARGS) usage(); runtime_args[n_runtime_args++] = v; }
        else if (!strcmp(a, "--log-path")) { VALUE(); opt_log_path = v; }
        else if (!strcmp(a, "--log-max-size")) { VALUE(); opt_log_max_size = atoll(v); }
        else if (!strcmp(a, "--log-max-file")) { VALUE(); opt_log_max_file = atoi(v); if (opt_log_max_file < 1) opt_log_max_file = 1; }
        else if (!strcmp(a, "--terminal")) opt_terminal = 1;
        else if (!strcmp(a, "--stdin")) opt_stdin = 1;
        else if (!strcmp(a, "--stdin-once")) opt_stdin_once = 1;
        else if (!strcmp(a, "--loopback-up")) opt_loopback_up = 1;
        else if (!strcmp(a, "--run")) opt_run = 1;
        else if (!strcmp(a, "--exec-process")) { VALUE(); opt_exec_process = v; }
        else if (!strcmp(a, "--exec-native")) { VALUE(); opt_exec_native = v; }
        else if (!strcmp(a, "--hold-output")) opt_hold_output = 1;
        else usage();
#undef VALUE
    }
    if (!opt_id || !opt_bundle || !opt_state_dir || !opt_runtime) usage();
}

/* Sends the result to the launcher: "O<pid>" or "E<message>". */
static void report(int sync_fd, char kind, const char *text)
{
    write_all(sync_fd, &kind, 1);
    write_all(sync_fd, text, strlen(text));
    close(sync_fd);
}

/* Once the process holds its ends of the stdio pipes, close ours of them; the stdin pipe's write end is its stdin. */
static void keep_parent_ends(const int out_pipe[2], const int err_pipe[2], const int in_pipe[2])
{
    if (opt_terminal) return;
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (opt_stdin) {
        close(in_pipe[0]);
        stdin_fd = in_pipe[1];
    }
}

static int launcher(int sync_read, pid_t child)
{
    static char buf[8192];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(sync_read, buf + len, sizeof buf - 1 - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = 0;
    int status;
    waitpid(child, &status, 0);
    if (len > 0 && buf[0] == 'O') {
        printf("%s\n", buf + 1);
        return 0;
    }
    fprintf(stderr, "%s\n", len > 1 ? buf + 1 : "moat-shim: the monitor exited before it reported");
    return 1;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    holding = opt_hold_output;
    signal(SIGPIPE, SIG_IGN);

    int sync_pipe[2];
    if (pipe2(sync_pipe, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
    pid_t first = fork();
    if (first < 0) die("fork: %s", strerror(errno));
    if (first > 0) {
        close(sync_pipe[1]);
        return launcher(sync_pipe[0], first);
    }
    /* 1. Detach: new session, then fork again so the monitor is no session leader and is reparented to init. */
    close(sync_pipe[0]);
    /* Nothing of moatd's may leak into the monitor or the container. */
    if (sync_pipe[1] > 3) close_range(3, (unsigned)sync_pipe[1] - 1, 0);
    close_range((unsigned)sync_pipe[1] + 1, ~0U, 0);
    setsid();
    pid_t second = fork();
    if (second < 0) _exit(1);
    if (second > 0) _exit(0);
    int sync_fd = sync_pipe[1];

    /* 2. Own the container's orphans (init, once runc create exits), so we can wait for it. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (chdir(opt_state_dir) < 0) { report(sync_fd, 'E', "moat-shim: cannot enter the state dir"); _exit(1); }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int shimlog = open("shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(shimlog >= 0 ? shimlog : devnull, 2);
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "%d\n", getpid());
    write_file("shim.pid", pidtext, 0); /* only meaningful while this process lives: no fsync */
    unlink("exit");

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    /* 3. The container's stdio: pipes we read (and a stdin pipe we write), or a pty runc hands us. */
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1}, console_listener = -1;
    if (opt_terminal && opt_exec_native) {
        /* The process makes its pty inside the container and hands us the master. */
    } else if (opt_terminal) {
        /* runc resolves the socket path after entering the bundle dir: give it an absolute path, short enough for sun_path. */
        char cwd[4096];
        if (getcwd(cwd, sizeof cwd) && strlen(cwd) + sizeof "/console.sock" < sizeof(((struct sockaddr_un *)0)->sun_path)) {
            snprintf(console_path, sizeof console_path, "%s/console.sock", cwd);
        } else {
            char tmpl[] = "/tmp/moat-console-XXXXXX";
            if (!mkdtemp(tmpl)) { report(sync_fd, 'E', "moat-shim: mkdtemp failed"); _exit(1); }
            snprintf(console_dir, sizeof console_dir, "%s", tmpl);
            snprintf(console_path, sizeof console_path, "%s/console.sock", tmpl);
        }
        console_listener = listen_unix(console_path);
        if (console_listener < 0) { report(sync_fd, 'E', "moat-shim: cannot listen on console.sock"); _exit(1); }
    } else {
        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) { report(sync_fd, 'E', "moat-shim: pipe failed"); _exit(1); }
    }
    if (opt_stdin && !opt_terminal && pipe2(in_pipe, O_CLOEXEC) < 0) { report(sync_fd, 'E', "moat-shim: pipe failed"); _exit(1); }

    /* 4. `<runtime> [args] create --bundle B --pid-file init.pid [--console-socket console.sock] ID`, or the native exec. */
    unlink("init.pid");
    int init_pid = -1, master = -1;
    if (opt_exec_native) {
        static char msg[4096];
        struct native_exec_stdio io = {.terminal = opt_terminal, .in = opt_stdin && !opt_terminal ? in_pipe[0] : devnull,
                                       .out = out_pipe[1], .err = err_pipe[1]};
        if (native_exec(opt_exec_native, &io, &init_pid, &master, msg, sizeof msg) < 0) {
            report(sync_fd, 'E', msg);
            _exit(1);
        }
        keep_parent_ends(out_pipe, err_pipe, in_pipe);
        snprintf(msg, sizeof msg, "%d\n", init_pid);
        write_file("init.pid", msg, 0);
    } else {
        int runtime_err[2];
        if (pipe2(runtime_err, O_CLOEXEC) < 0) { report(sync_fd, 'E', "moat-shim: pipe failed"); _exit(1); }
        pid_t runtime = fork();
        if (runtime == 0) {
            sigprocmask(SIG_UNBLOCK, &mask, NULL);
            if (opt_terminal) {
                dup2(devnull, 0);
                dup2(devnull, 1);
                dup2(runtime_err[1], 2);
            } else {
                dup2(opt_stdin ? in_pipe[0] : devnull, 0);
                dup2(out_pipe[1], 1);
                dup2(err_pipe[1], 2);
            }
            const char *args[MAX_RUNTIME_ARGS + 16];
            int n = 0;
            args[n++] = opt_runtime;
            for (int i = 0; i < n_runtime_args; i++) args[n++] = runtime_args[i];
            if (opt_exec_process) {
                /* An extra process in the running container; --detach leaves it to us, the subreaper. */
                args[n++] = "exec";
                args[n++] = "--detach";
                args[n++] = "--process";
                args[n++] = opt_exec_process;
            } else if (opt_run) {
                /* Create and start in one runtime process (docker start without an attach-before-start). */
                args[n++] = "run";
                args[n++] = "--detach";
                args[n++] = "--bundle";
                args[n++] = opt_bundle;
            } else {
                args[n++] = "create";
                args[n++] = "--bundle";
                args[n++] = opt_bundle;
            }
            args[n++] = "--pid-file";
            args[n++] = "init.pid";
            if (opt_terminal) {
                args[n++] = "--console-socket";
                args[n++] = console_path;
            }
            args[n++] = opt_id;
            args[n] = NULL;
            execv(opt_runtime, (char **)args);
            fprintf(stderr, "exec %s: %s\n", opt_runtime, strerror(errno));
            _exit(127);
        }
        close(runtime_err[1]);
        keep_parent_ends(out_pipe, err_pipe, in_pipe);
        int status = 0;
        while (waitpid(runtime, &status, 0) < 0 && errno == EINTR) {}
        if (runtime < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            /* The runtime's error went to its stderr: our stderr pipe (plain stdio) or runtime_err (terminal). */
            static char msg[4096];
            size_t len = 0;
            int fd = opt_terminal ? runtime_err[0] : err_pipe[0];
            fcntl(fd, F_SETFL, O_NONBLOCK);
            ssize_t n;
            while (len < sizeof msg - 1 && (n = read(fd, msg + len, sizeof msg - 1 - len)) > 0) len += (size_t)n;
            msg[len] = 0;
            if (len == 0) snprintf(msg, sizeof msg, "%s create failed with status %d", opt_runtime, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            report(sync_fd, 'E', msg);
            remove_console();
            _exit(1);
        }
        close(runtime_err[0]);
        init_pid = read_pid_file("init.pid");
        if (opt_terminal) {
            master = receive_console(console_listener);
            close(console_listener);
            remove_console();
            if (master < 0) { report(sync_fd, 'E', "moat-shim: did not receive the console from the runtime"); _exit(1); }
        }
    }
    if (opt_terminal) stdin_fd = master;
    if (init_pid <= 0) { report(sync_fd, 'E', "moat-shim: the runtime wrote no pid file"); _exit(1); }
    if (opt_loopback_up && loopback_up(init_pid) < 0) logmsg("could not bring up lo in the container's network namespace");

    log_open();
    int attach = listen_unix("attach");
    mkfifo("ctl", 0600);
    int ctl = open("ctl", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    /* 5. Tell the launcher (and so moatd) the container exists. */
    char ok[32];
    snprintf(ok, sizeof ok, "%d", init_pid);
    report(sync_fd, 'O', ok);

    /* 6. Pump output, input and control until init exits and its output is drained. */
    if (stdin_fd >= 0) fcntl(stdin_fd, F_SETFL, fcntl(stdin_fd, F_GETFL) | O_NONBLOCK);
    /* Bigger pipes: fewer wake-ups per MiB streamed (best effort; the limit is /proc/sys/fs/pipe-max-size). */
    if (!opt_terminal) {
        fcntl(out_pipe[0], F_SETPIPE_SZ, 1024 * 1024);
        fcntl(err_pipe[0], F_SETPIPE_SZ, 256 * 1024);
        if (stdin_fd >= 0) fcntl(stdin_fd, F_SETPIPE_SZ, 1024 * 1024);
    }
    int exited = 0, exit_code = -1, exit_signal = 0;
    int fd_out = opt_terminal ? master : out_pipe[0];
    int fd_err = opt_terminal ? -1 : err_pipe[0];
    struct timespec drain_start = {0};
    static unsigned char buf[256 * 1024];
    int pending_close = 0;
    char ctlbuf[256];
    size_t ctllen = 0;
    for (;;) {
        if (exited && fd_out < 0 && fd_err < 0 && !holding) break;
        struct pollfd fds[6 + MAX_CLIENTS];
        int nfds = 0;
        /* Backpressure: no output is read while a client is behind (or held output is full). */
        int read_output = !clients_congested() && !(holding && held_len + sizeof buf + 5 > HOLD_MAX);
        fds[nfds++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = read_output ? fd_out : -1, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = read_output ? fd_err : -1, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = exited && !holding ? -1 : attach, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = ctl, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = in_len > 0 && stdin_fd >= 0 ? stdin_fd : -1, .events = POLLOUT};
        for (int i = 0; i < n_clients; i++) {
            short ev = (short)((clients[i].reading && in_len == 0 ? POLLIN : 0) | (clients[i].out_len > 0 ? POLLOUT : 0));
            fds[nfds++] = (struct pollfd){.fd = ev ? clients[i].fd : -1, .events = ev};
        }
        int timeout = -1;
        if (exited) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long elapsed = (now.tv_sec - drain_start.tv_sec) * 1000 + (now.tv_nsec - drain_start.tv_nsec) / 1000000;
            /* Held output waits longer for its client (an exec that ended before anyone attached). */
            long limit = holding ? HOLD_WAIT_MS : DRAIN_MS;
            if (elapsed >= limit) break;
            timeout = (int)(limit - elapsed);
        }
        int r = poll(fds, (nfds_t)nfds, timeout);
        if (r < 0) {
            if (errno == EINTR) continue;
            logmsg("poll: %s", strerror(errno));
            break;
        }
        /* Accept first: a client that connected before the output it wants must not miss it. */
        if (fds[3].revents & POLLIN) {
            int c = accept4(attach, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c >= 0) {
                if (n_clients == MAX_CLIENTS) close(c);
                else {
                    clients[n_clients++] = (struct client){.fd = c, .reading = 1};
                    if (holding) release_held();
                }
            }
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == sizeof si) {}
            pid_t p;
            int st;
            while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
                if (p == init_pid && !exited) {
                    exited = 1;
                    if (WIFEXITED(st)) exit_code = WEXITSTATUS(st);
                    else if (WIFSIGNALED(st)) { exit_signal = WTERMSIG(st); exit_code = 128 + exit_signal; }
                    clock_gettime(CLOCK_MONOTONIC, &drain_start);
                    close_stdin();
                }
            }
        }
        for (int s = 1; s <= 2; s++) {
            if (fds[s].fd < 0 || !(fds[s].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[s].fd, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                /* EOF (or EIO on a pty whose last holder closed it). */
                if (s == 1) { log_flush(&out_buf); if (!opt_terminal) close(fd_out); fd_out = -1; }
                else { log_flush(&err_buf); close(fd_err); fd_err = -1; }
                continue;
            }
            log_data(s == 1 ? &out_buf : &err_buf, buf, (size_t)n);
            broadcast(s, buf, (size_t)n);
        }
        if (fds[4].revents & POLLIN) {
            ssize_t n = read(ctl, ctlbuf + ctllen, sizeof ctlbuf - 1 - ctllen);
            if (n > 0) {
                ctllen += (size_t)n;
                ctlbuf[ctllen] = 0;
                char *nl;
                while ((nl = memchr(ctlbuf, '\n', ctllen)) != NULL) {
                    *nl = 0;
                    unsigned rows, cols;
                    if (sscanf(ctlbuf, "resize %u %u", &rows, &cols) == 2 && master >= 0) {
                        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
                        ioctl(master, TIOCSWINSZ, &ws);
                    } else if (!strcmp(ctlbuf, "close-stdin")) {
                        close_stdin();
                    }
                    size_t used = (size_t)(nl - ctlbuf) + 1;
                    memmove(ctlbuf, nl + 1, ctllen - used);
                    ctllen -= used;
                }
                if (ctllen == sizeof ctlbuf - 1) ctllen = 0;
            }
        }
        /* Pending input to the container, without blocking: a container that does not read stdin stalls only input. */
        if (fds[5].fd >= 0 && (fds[5].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(stdin_fd, in_buf, in_len);
            if (w > 0) {
                memmove(in_buf, in_buf + w, in_len - (size_t)w);
                in_len -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                in_len = 0;
                close_stdin();
            }
        }
        /* Clients polled this round (the list may have changed since: accepted, or dropped by a failed send). */
        for (int f = 6; f < nfds; f++) {
            if (fds[f].fd < 0 || !fds[f].revents) continue;
            int i = -1;
            for (int k = 0; k < n_clients; k++)
                if (clients[k].fd == fds[f].fd) { i = k; break; }
            if (i < 0) continue;
            struct client *c = &clients[i];
            if (c->out_len > 0 && (fds[f].revents & (POLLOUT | POLLERR | POLLHUP)) && flush_client(c) < 0) {
                drop_client(i);
                continue;
            }
            if (!c->reading || in_len > 0 || !(fds[f].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(c->fd, in_buf, sizeof in_buf);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n > 0) {
                if (stdin_fd < 0) continue;
                in_len = (size_t)n;
                ssize_t w = write(stdin_fd, in_buf, in_len);
                if (w > 0) {
                    memmove(in_buf, in_buf + w, in_len - (size_t)w);
                    in_len -= (size_t)w;
                } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    in_len = 0;
                    close_stdin();
                }
                continue;
            }
            /* The client half-closed (or went away): no more input from it, output continues. */
            c->reading = 0;
            if (opt_stdin_once && in_len == 0) close_stdin();
            else if (opt_stdin_once) pending_close = 1;
        }
        if (pending_close && in_len == 0) { pending_close = 0; close_stdin(); }
        log_write_pending();
    }
    log_flush(&out_buf);
    log_flush(&err_buf);
    log_write_pending();

    /* 7. Record the exit atomically, then go: moatd (now or after a restart) reads it. */
    char ts[64], exitjson[256];
    format_time(ts, sizeof ts);
    snprintf(exitjson, sizeof exitjson, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"}\n", exit_code, exit_signal, ts);
    /* Atomic, not fsynced: moatd crashing loses nothing (the page cache stays); after a power loss the container is
     * gone anyway and recovery reports 255. An fsync here would delay every `docker run` by a disk flush. */
    if (write_file("exit", exitjson, 0) < 0) logmsg("write exit: %s", strerror(errno));
    /* Queued output still goes out (bounded wait), then the clients see EOF. */
    for (int i = n_clients - 1; i >= 0; i--) {
        struct client *c = &clients[i];
        if (c->out_len > 0) {
            fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
            struct timeval tv = {.tv_sec = 5};
            setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            size_t off = 0;
            while (off < c->out_len) {
                ssize_t w = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) break;
                off += (size_t)w;
            }
        }
        drop_client(i);
    }
    unlink("attach");
    return 0;
}
