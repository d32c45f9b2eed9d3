/* native-exec: an extra process in a running container without the runtime's CLI (see native-exec.c). */
#ifndef MOAT_NATIVE_EXEC_H
#define MOAT_NATIVE_EXEC_H

#include <stddef.h>

/* The process's stdio: a terminal (a pty made inside the container) or the three given fds. */
struct native_exec_stdio {
    int terminal;
    int in, out, err;
};

/*
 * Starts the process described by the configuration file. On success returns 0 with its pid (a child of the calling
 * subreaper once the joiner exited) and, for a terminal, the pty master; on failure returns -1 with the reason in err.
 */
int native_exec(const char *config_path, const struct native_exec_stdio *io, int *pid_out, int *master_out, char *err, size_t errlen);

/* The file descriptor sent with SCM_RIGHTS on a connected unix socket (a pty master), or -1. */
int receive_fd(int sock);

#endif
