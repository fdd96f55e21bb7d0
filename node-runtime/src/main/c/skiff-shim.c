/*
 * skiff-shim: stays the parent of one prepared container, as containerd's shim and conmon do.
 *
 *   skiff-shim RUNTIME ROOT BUNDLE ID
 *
 * Becomes a child subreaper, runs `RUNTIME --root ROOT create --bundle BUNDLE --pid-file
 * BUNDLE/init.pid ID` with its own stdout and stderr (so the container's output is this process's,
 * read by the agent as a foreground runtime's) and /dev/null as stdin, then writes the line
 * "created" on stdout: nothing else can be on it yet, as the workload only runs once started. When
 * the create fails it exits with the runtime's status, which wrote why on stderr.
 *
 * Then it waits. The line "start" on stdin runs `RUNTIME --root ROOT start ID`; if that fails the
 * container is killed. End of stdin before "start" (the agent went away) kills the container.
 * SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to the container's init, which
 * the create left to this process (the subreaper). When the init ends, this process exits with its
 * status: its exit code, or 128 + the signal that ended it, as `runc run` does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof(FORWARDED) / sizeof(FORWARDED[0]))

static pid_t spawn(char *const argv[], sigset_t *original) {
  pid_t pid = fork();
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, original, NULL);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0) {
      _exit(126);
    }
    execv(argv[0], argv);
    fprintf(stderr, "skiff-shim: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

static int status_code(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return 255;
}

static pid_t read_pid(const char *path) {
  FILE *f = fopen(path, "re");
  if (f == NULL) {
    return -1;
  }
  long pid = -1;
  if (fscanf(f, "%ld", &pid) != 1) {
    pid = -1;
  }
  fclose(f);
  return (pid_t)pid;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: skiff-shim RUNTIME ROOT BUNDLE ID\n");
    return 2;
  }
  char *runtime = argv[1], *root = argv[2], *bundle = argv[3], *id = argv[4];
  char pidfile[4096];
  if (snprintf(pidfile, sizeof pidfile, "%s/init.pid", bundle) >= (int)sizeof pidfile) {
    fprintf(stderr, "skiff-shim: bundle path too long\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "skiff-shim: cannot become a subreaper: %s\n", strerror(errno));
    return 125;
  }
  sigset_t mask, original;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  for (size_t i = 0; i < NFORWARDED; i++) {
    sigaddset(&mask, FORWARDED[i]);
  }
  sigprocmask(SIG_BLOCK, &mask, &original);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) {
    fprintf(stderr, "skiff-shim: signalfd: %s\n", strerror(errno));
    return 125;
  }
  fcntl(0, F_SETFD, FD_CLOEXEC);

  char *create[] = {runtime, "--root", root, "create", "--bundle", bundle, "--pid-file",
                    pidfile, id, NULL};
  pid_t creator = spawn(create, &original);
  if (creator < 0) {
    fprintf(stderr, "skiff-shim: fork: %s\n", strerror(errno));
    return 125;
  }
  int status;
  while (waitpid(creator, &status, 0) < 0) {
    if (errno != EINTR) {
      return 125;
    }
  }
  if (status_code(status) != 0) {
    return status_code(status);
  }
  pid_t init = read_pid(pidfile);
  if (init <= 0) {
    fprintf(stderr, "skiff-shim: no pid in %s\n", pidfile);
    return 125;
  }
  if (write(1, "created\n", 8) != 8) {
    kill(init, SIGKILL);
  }

  int started = 0, stdin_open = 1;
  pid_t starter = -1;
  char line[16];
  size_t have = 0;
  for (;;) {
    struct pollfd fds[2] = {{sfd, POLLIN, 0}, {0, POLLIN, 0}};
    if (poll(fds, stdin_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      kill(init, SIGKILL);
      return 125;
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(0, line + have, sizeof line - 1 - have);
      if (n <= 0) {
        stdin_open = 0;
        if (!started) {
          kill(init, SIGKILL);
        }
      } else {
        have += (size_t)n;
        line[have] = 0;
        if (!started && strchr(line, '\n') != NULL) {
          if (strcmp(line, "start\n") == 0) {
            char *start[] = {runtime, "--root", root, "start", id, NULL};
            started = 1;
            starter = spawn(start, &original);
            if (starter < 0) {
              kill(init, SIGKILL);
            }
          } else {
            kill(init, SIGKILL);
          }
          have = 0;
        } else if (have >= sizeof line - 1) {
          have = 0;
        }
      }
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) != sizeof si) {
        continue;
      }
      if (si.ssi_signo != SIGCHLD) {
        kill(init, (int)si.ssi_signo);
        continue;
      }
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == init) {
          return status_code(status);
        }
        if (pid == starter && status_code(status) != 0) {
          kill(init, SIGKILL);
        }
      }
    }
  }
}
