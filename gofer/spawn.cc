#include "gofer/spawn.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>

#include "base/logging.h"
#include "gofer/main.h"

namespace kekkai::gofer {

namespace {

// The gofer's socket, once spawned.
constexpr int kChildSockFd = 3;

// Owns posix_spawn's attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

Result<GoferProcess> SpawnGofer(const std::vector<TreeSpec>& trees, const std::string& exe) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    PLOG(ERROR) << "socketpair(AF_UNIX, SOCK_SEQPACKET)";
    return LastErrno();
  }
  FileDescriptor ours(sv[0]);
  FileDescriptor theirs(sv[1]);

  std::vector<std::string> args = {"kekkai", kRoleName};
  for (std::string& a : FormatRoleArgs(kChildSockFd, trees)) args.push_back(std::move(a));
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* envp[] = {nullptr};

  SpawnSetup s;
  // dup2 onto itself clears close-on-exec (glibc >= 2.29), as the spec asks.
  int rc = posix_spawn_file_actions_adddup2(&s.actions, theirs.get(), kChildSockFd);
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&s.actions, kChildSockFd + 1);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&s.attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&s.attr, &all);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        &s.attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  if (rc != 0) {
    LOG(ERROR) << "posix_spawn setup: " << ErrnoName(rc);
    return Errno(rc);
  }
  pid_t pid;
  rc = posix_spawn(&pid, exe.c_str(), &s.actions, &s.attr, argv.data(), envp);
  if (rc != 0) {
    LOG(ERROR) << "posix_spawn(" << exe << "): " << ErrnoName(rc);
    return Errno(rc);
  }
  return GoferProcess{pid, std::move(ours)};
}

}  // namespace kekkai::gofer
