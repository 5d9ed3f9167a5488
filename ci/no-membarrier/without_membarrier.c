// without_membarrier CMD ARGS...: runs CMD with membarrier(2) failing with ENOSYS,
// through a seccomp filter, as in a container whose profile blocks it. Used by
// ci/no-membarrier.sh to run spindle's lock tests on the fallback path of
// core/src/sync/asym_fence.rs (symmetric fences instead of membarrier).
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  // Load the system call number; membarrier -> ENOSYS, anything else -> allowed.
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog p = { .len = 4, .filter = f };
  if (argc < 2) { fprintf(stderr, "usage: without_membarrier CMD [ARGS...]\n"); return 2; }
  // No new privileges: what lets an unprivileged process install a filter.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p)) {
    perror("without_membarrier: seccomp");
    return 1;
  }
  execvp(argv[1], argv + 1);
  perror("without_membarrier: exec");
  return 1;
}
