#include "tests/syscalls/util/scratch_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "tests/syscalls/util/file_descriptor.h"

namespace kekkai::syscall_test {
namespace {

// Removes everything inside the directory `dirfd` (borrowed); returns 0 or an errno.
int RemoveContents(int dirfd, int depth) {
  if (depth > 256) return ELOOP;
  // Read all names first: deleting while reading may make getdents skip entries.
  const int fd = dup(dirfd);
  if (fd < 0) return errno;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    const int e = errno;
    close(fd);
    return e;
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* d = readdir(dir)) {
    if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) names.push_back(d->d_name);
  }
  const int read_errno = errno;
  closedir(dir);
  if (read_errno != 0) return read_errno;

  int first_error = 0;
  for (const std::string& name : names) {
    if (unlinkat(dirfd, name.c_str(), 0) == 0) continue;
    if (errno != EISDIR && errno != EPERM) {
      if (first_error == 0) first_error = errno;
      continue;
    }
    // A directory: a test may have left it without permissions.
    fchmodat(dirfd, name.c_str(), 0700, 0);
    const int sub = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      if (first_error == 0) first_error = errno;
      continue;
    }
    const int e = RemoveContents(sub, depth + 1);
    close(sub);
    if (e != 0) {
      if (first_error == 0) first_error = e;
      continue;
    }
    if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && first_error == 0) first_error = errno;
  }
  return first_error;
}

}  // namespace

int RemoveTree(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return unlink(path.c_str()) == 0 ? 0 : errno;
  chmod(path.c_str(), 0700);
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  const int e = RemoveContents(fd, 0);
  close(fd);
  if (e != 0) return e;
  return rmdir(path.c_str()) == 0 ? 0 : errno;
}

ErrnoOr<size_t> WriteFile(const std::string& path, const std::string& contents, mode_t mode) {
  FileDescriptor fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoOr<size_t>::Error(errno, "open(" + path + ")");
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0) return ErrnoOr<size_t>::Error(errno, "write(" + path + ")");
    if (n == 0) return ErrnoOr<size_t>::Error(EIO, "write(" + path + ") returned 0");
    done += n;
  }
  return done;
}

std::string PreadString(int fd, size_t len, off_t offset) {
  std::string s(len, '\0');
  const ssize_t n = pread(fd, s.data(), len, offset);
  EXPECT_GE(n, 0) << "pread: " << strerror(errno);
  s.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return s;
}

ErrnoOr<std::string> ReadAll(int fd) {
  std::string s;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) return ErrnoOr<std::string>::Error(errno, "read(" + std::to_string(fd) + ")");
    if (n == 0) return s;
    s.append(buf, n);
  }
}

ErrnoOr<std::string> ReadFile(const std::string& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoOr<std::string>::Error(errno, "open(" + path + ")");
  return ReadAll(fd.get());
}

void ScratchDirTest::SetUp() {
  saved_umask_ = umask(022);
  char tmpl[sizeof(kScratchDirTemplate)];
  memcpy(tmpl, kScratchDirTemplate, sizeof(tmpl));
  ASSERT_NE(mkdtemp(tmpl), nullptr)
      << "mkdtemp(" << kScratchDirTemplate << "): " << ErrnoName(errno);
  dir_ = tmpl;
}

void ScratchDirTest::TearDown() {
  if (!dir_.empty()) {
    const int e = RemoveTree(dir_);
    EXPECT_EQ(e, 0) << "removing " << dir_ << ": " << ErrnoName(e);
  }
  umask(saved_umask_);
}

}  // namespace kekkai::syscall_test
