// The namespace operations on a scratch directory: mkdir(2), mkdirat(2),
// rmdir(2), unlink(2), unlinkat(2), rename(2), renameat(2), renameat2(2),
// link(2), linkat(2), symlink(2), symlinkat(2), readlink(2), readlinkat(2) and
// getdents64(2) — what each creates or removes, their errors, link counts of
// files and directories, and the parent directory's timestamps. Everything is
// created under a fresh /tmp/kekkai_fs_test_XXXXXX and removed afterwards.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/dirents.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/time_util.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::UnorderedElementsAre;

int Renameat2(int olddirfd, const std::string& oldpath, int newdirfd, const std::string& newpath,
              unsigned flags) {
  return syscall(SYS_renameat2, olddirfd, oldpath.c_str(), newdirfd, newpath.c_str(), flags);
}

// Waits long enough for the filesystem's timestamp clock (at worst a coarse,
// jiffy-granular one) to move on.
void WaitForTimestampTick() {
  const timespec ts = {0, 20 * kNsPerMs};
  nanosleep(&ts, nullptr);
}

// Sets a file's atime and mtime to 2000-01-01, so any later update shows.
constexpr time_t kY2k = 946684800;
void SetTimesToY2k(const std::string& path) {
  const timespec times[2] = {{kY2k, 0}, {kY2k, 0}};
  ASSERT_THAT(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
}

// A directory's entries, in the order getdents64 gives them.
using Entry = Dirent64;
std::vector<Entry> ReadEntries(int fd, size_t bufsize) { return ReadDirents(fd, bufsize); }

std::vector<std::string> NamesOf(const std::vector<Entry>& entries) {
  std::vector<std::string> names;
  for (const Entry& e : entries) names.push_back(e.name);
  return names;
}

// Returns the names in directory `path`, "." and ".." included.
std::vector<std::string> ListDir(const std::string& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_DIRECTORY));
  EXPECT_TRUE(fd.valid()) << path << ": " << ErrnoName(errno);
  return NamesOf(ReadEntries(fd.get(), 4096));
}

using MkdirTest = ScratchDirTest;
using RmdirTest = ScratchDirTest;
using UnlinkTest = ScratchDirTest;
using RenameTest = ScratchDirTest;
using Renameat2Test = ScratchDirTest;
using LinkTest = ScratchDirTest;
using SymlinkTest = ScratchDirTest;
using ReadlinkTest = ScratchDirTest;
using Getdents64Test = ScratchDirTest;
using DirectoryNlinkTest = ScratchDirTest;

// mkdir(2), mkdirat(2).

TEST_F(MkdirTest, MakesAnEmptyDirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0777), SyscallSucceeds());
  const struct stat st = Stat(Path("d"));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // umask 022
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(st.st_gid, getegid());
  EXPECT_THAT(ListDir(Path("d")), UnorderedElementsAre(".", ".."));
  EXPECT_TRUE(SameFile(Stat(Path("d/..")), Stat(dir_)));
}

TEST_F(MkdirTest, AppliesTheUmask) {
  const mode_t old = umask(027);
  Cleanup restore([old] { umask(old); });
  ASSERT_THAT(mkdir(Path("d").c_str(), 0777), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("d")).st_mode & 07777, 0750u);
  ASSERT_THAT(mkdir(Path("e").c_str(), 0500), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("e")).st_mode & 07777, 0500u);
}

TEST_F(MkdirTest, KeepsTheStickyBitButNotSetuidOrSetgid) {
  const mode_t old = umask(0);
  Cleanup restore([old] { umask(old); });
  ASSERT_THAT(mkdir(Path("d").c_str(), 07777), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("d")).st_mode & 07777, 01777u);
}

TEST_F(MkdirTest, InASetgidDirectoryInheritsTheGroupAndSetgid) {
  ASSERT_THAT(chown(dir_.c_str(), 0, 1234), SyscallSucceeds());
  ASSERT_THAT(chmod(dir_.c_str(), 02755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  const struct stat d = Stat(Path("d"));
  EXPECT_EQ(d.st_gid, 1234u);
  EXPECT_EQ(d.st_mode & 07777, 02755u);
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "", 0644));
  const struct stat f = Stat(Path("f"));
  EXPECT_EQ(f.st_gid, 1234u);
  EXPECT_EQ(f.st_mode & 07777, 0644u);  // files get the group, not the bit
}

TEST_F(MkdirTest, ExistingNameFailsWithEexist) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  EXPECT_THAT(mkdir(Path("f").c_str(), 0755), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(mkdir(Path("d").c_str(), 0755), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(mkdir(Path("dangling").c_str(), 0755), SyscallFailsWithErrno(EEXIST));
  EXPECT_FALSE(Exists(Path("nowhere")));
  EXPECT_THAT(mkdir(Path(".").c_str(), 0755), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(mkdir(Path("d/..").c_str(), 0755), SyscallFailsWithErrno(EEXIST));
}

TEST_F(MkdirTest, TrailingSlashIsAllowed) {
  ASSERT_THAT(mkdir(Path("d/").c_str(), 0755), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(Stat(Path("d")).st_mode));
  ASSERT_THAT(mkdir(Path("e//").c_str(), 0755), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(Stat(Path("e")).st_mode));
}

TEST_F(MkdirTest, MissingParentFailsWithEnoentAndFileParentWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(mkdir(Path("missing/d").c_str(), 0755), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(mkdir(Path("f/d").c_str(), 0755), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(mkdir("", 0755), SyscallFailsWithErrno(ENOENT));
}

TEST_F(MkdirTest, MkdiratRelativeToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(mkdirat(dir.get(), "sub", 0700), SyscallSucceeds());
  const struct stat st = Stat(Path("d/sub"));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_THAT(mkdirat(dir.get(), "sub", 0700), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(mkdirat(-1, "sub", 0700), SyscallFailsWithErrno(EBADF));
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT, 0644));
  EXPECT_THAT(mkdirat(file.get(), "sub", 0700), SyscallFailsWithErrno(ENOTDIR));
}

TEST_F(MkdirTest, InARemovedDirectoryFailsWithEnoent) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(rmdir(Path("d").c_str()), SyscallSucceeds());
  EXPECT_THAT(mkdirat(dir.get(), "sub", 0755), SyscallFailsWithErrno(ENOENT));
}

// rmdir(2).

TEST_F(RmdirTest, RemovesAnEmptyDirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(rmdir(Path("d").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("d")));
  // What is left open is an unlinked directory that can no longer be read.
  EXPECT_EQ(Fstat(fd.get()).st_nlink, 0u);
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
}

TEST_F(RmdirTest, NonEmptyFailsWithEnotempty) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/f"), "x"));
  EXPECT_THAT(rmdir(Path("d").c_str()), SyscallFailsWithErrno(ENOTEMPTY));
  ASSERT_THAT(unlink(Path("d/f").c_str()), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("d/sub").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rmdir(Path("d").c_str()), SyscallFailsWithErrno(ENOTEMPTY));
  ASSERT_THAT(rmdir(Path("d/sub").c_str()), SyscallSucceeds());
  EXPECT_THAT(rmdir(Path("d").c_str()), SyscallSucceeds());
}

TEST_F(RmdirTest, DotFailsWithEinvalAndDotDotWithEnotempty) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rmdir(Path("d/.").c_str()), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(rmdir(Path("d/..").c_str()), SyscallFailsWithErrno(ENOTEMPTY));
  EXPECT_TRUE(Exists(Path("d")));
}

TEST_F(RmdirTest, NonDirectoriesFailWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("d", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(rmdir(Path("f").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(rmdir(Path("link").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_TRUE(Exists(Path("d")));
  EXPECT_THAT(rmdir(Path("missing").c_str()), SyscallFailsWithErrno(ENOENT));
}

TEST_F(RmdirTest, TrailingSlashIsAllowed) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(rmdir(Path("d/").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("d")));
}

// unlink(2), unlinkat(2).

TEST_F(UnlinkTest, RemovesTheNameButNotAnOpenFile) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "still here"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  ASSERT_THAT(unlink(Path("f").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("f")));
  EXPECT_THAT(ListDir(dir_), UnorderedElementsAre(".", ".."));
  EXPECT_EQ(Fstat(fd.get()).st_nlink, 0u);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd.get())), "still here");
  EXPECT_THAT(write(fd.get(), "!", 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(Fstat(fd.get()).st_size, 11);
  // The name is free for a new, different file.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "new"));
  EXPECT_FALSE(SameFile(Stat(Path("f")), Fstat(fd.get())));
}

TEST_F(UnlinkTest, DirectoryFailsWithEisdir) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(unlink(Path("d").c_str()), SyscallFailsWithErrno(EISDIR));
  EXPECT_THAT(unlinkat(AT_FDCWD, Path("d").c_str(), 0), SyscallFailsWithErrno(EISDIR));
  EXPECT_THAT(unlink(Path(".").c_str()), SyscallFailsWithErrno(EISDIR));
  EXPECT_TRUE(Exists(Path("d")));
}

TEST_F(UnlinkTest, UnlinkatRemovedirRemovesOnlyDirectories) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(unlinkat(dir.get(), "f", AT_REMOVEDIR), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_TRUE(Exists(Path("f")));
  ASSERT_THAT(unlinkat(dir.get(), "d", AT_REMOVEDIR), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("d")));
  ASSERT_THAT(unlinkat(dir.get(), "f", 0), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("f")));
}

TEST_F(UnlinkTest, UnlinkatUnknownFlagsFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(unlinkat(AT_FDCWD, Path("f").c_str(), AT_SYMLINK_NOFOLLOW),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(unlinkat(AT_FDCWD, Path("f").c_str(), 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_TRUE(Exists(Path("f")));
}

TEST_F(UnlinkTest, SymlinkRemovesTheLinkNotTheTarget) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(unlink(Path("link").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("link")));
  EXPECT_TRUE(Exists(Path("f")));
}

TEST_F(UnlinkTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(unlink(Path("missing").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(unlink(Path("f/").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(unlink(Path("f/x").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(unlink(""), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(unlinkat(-1, "f", 0), SyscallFailsWithErrno(EBADF));
  EXPECT_TRUE(Exists(Path("f")));
}

TEST_F(UnlinkTest, DropsTheLinkCount) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(link(Path("f").c_str(), Path("g").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_nlink, 2u);
  ASSERT_THAT(unlink(Path("g").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_nlink, 1u);
}

// rename(2), renameat(2).

TEST_F(RenameTest, MovesTheInodeToTheNewName) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "contents"));
  const struct stat before = Stat(Path("a"));
  ASSERT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("a")));
  const struct stat after = Stat(Path("b"));
  EXPECT_TRUE(SameFile(before, after));
  EXPECT_EQ(after.st_nlink, 1u);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("b"))), "contents");
}

TEST_F(RenameTest, OverAnExistingFileReplacesIt) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "new"));
  ASSERT_NO_ERRNO(WriteFile(Path("b"), "old"));
  FileDescriptor victim = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("b"), O_RDONLY));
  const struct stat a = Stat(Path("a"));
  ASSERT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("a")));
  EXPECT_TRUE(SameFile(Stat(Path("b")), a));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("b"))), "new");
  // The replaced file lives on, unlinked, while open.
  EXPECT_EQ(Fstat(victim.get()).st_nlink, 0u);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(victim.get())), "old");
}

TEST_F(RenameTest, DirectoryOntoAnEmptyDirectoryReplacesIt) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("a/f"), "x"));
  ASSERT_THAT(mkdir(Path("b").c_str(), 0755), SyscallSucceeds());
  const struct stat a = Stat(Path("a"));
  ASSERT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("a")));
  EXPECT_TRUE(SameFile(Stat(Path("b")), a));
  EXPECT_TRUE(Exists(Path("b/f")));
  EXPECT_EQ(Stat(dir_).st_nlink, 3u);  // ".", the entry in /tmp, and b's ".."
}

TEST_F(RenameTest, DirectoryOntoANonEmptyDirectoryFailsWithEnotempty) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("b").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("b/f"), "x"));
  EXPECT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallFailsWithErrno(ENOTEMPTY));
  EXPECT_TRUE(Exists(Path("a")));
  EXPECT_TRUE(Exists(Path("b/f")));
}

TEST_F(RenameTest, FileOverADirectoryFailsWithEisdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rename(Path("f").c_str(), Path("d").c_str()), SyscallFailsWithErrno(EISDIR));
  EXPECT_TRUE(Exists(Path("f")));
  EXPECT_TRUE(S_ISDIR(Stat(Path("d")).st_mode));
}

TEST_F(RenameTest, DirectoryOverAFileFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rename(Path("d").c_str(), Path("f").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_TRUE(S_ISREG(Stat(Path("f")).st_mode));
  EXPECT_TRUE(S_ISDIR(Stat(Path("d")).st_mode));
}

TEST_F(RenameTest, DirectoryIntoItsOwnSubtreeFailsWithEinval) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/b").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rename(Path("a").c_str(), Path("a/b/c").c_str()), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(rename(Path("a").c_str(), Path("a/c").c_str()), SyscallFailsWithErrno(EINVAL));
  // And onto its own ancestor: the ancestor isn't empty.
  EXPECT_THAT(rename(Path("a/b").c_str(), Path("a").c_str()), SyscallFailsWithErrno(ENOTEMPTY));
  EXPECT_TRUE(Exists(Path("a/b")));
}

TEST_F(RenameTest, ToItselfIsANoOp) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  const struct stat f = Stat(Path("f"));
  EXPECT_THAT(rename(Path("f").c_str(), Path("f").c_str()), SyscallSucceeds());
  EXPECT_THAT(rename(Path("d").c_str(), Path("d").c_str()), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat(Path("f")), f));
  EXPECT_EQ(Stat(Path("f")).st_nlink, 1u);
  EXPECT_TRUE(Exists(Path("d")));
}

TEST_F(RenameTest, BetweenTwoHardLinksOfOneFileIsANoOp) {
  // POSIX: if old and new name the same file, rename does nothing; both remain.
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "x"));
  ASSERT_THAT(link(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_TRUE(Exists(Path("a")));
  EXPECT_TRUE(Exists(Path("b")));
  EXPECT_EQ(Stat(Path("a")).st_nlink, 2u);
}

TEST_F(RenameTest, MovingADirectoryUpdatesBothParentsAndItsDotDot) {
  ASSERT_THAT(mkdir(Path("p1").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("p2").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("p1/d").c_str(), 0755), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("p1")).st_nlink, 3u);
  EXPECT_EQ(Stat(Path("p2")).st_nlink, 2u);
  ASSERT_THAT(rename(Path("p1/d").c_str(), Path("p2/d").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("p1")).st_nlink, 2u);
  EXPECT_EQ(Stat(Path("p2")).st_nlink, 3u);
  EXPECT_TRUE(SameFile(Stat(Path("p2/d/..")), Stat(Path("p2"))));
}

TEST_F(RenameTest, RenameatBetweenDirectoryFds) {
  ASSERT_THAT(mkdir(Path("from").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("to").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("from/f"), "moved"));
  FileDescriptor from = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("from"), O_RDONLY | O_DIRECTORY));
  FileDescriptor to = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("to"), O_PATH | O_DIRECTORY));
  ASSERT_THAT(renameat(from.get(), "f", to.get(), "g"), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("from/f")));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("to/g"))), "moved");
  EXPECT_THAT(renameat(-1, "f", to.get(), "g"), SyscallFailsWithErrno(EBADF));
}

TEST_F(RenameTest, SymlinkIsRenamedNotItsTarget) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(rename(Path("link").c_str(), Path("link2").c_str()), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(Lstat(Path("link2")).st_mode));
  EXPECT_TRUE(S_ISREG(Lstat(Path("f")).st_mode));
}

TEST_F(RenameTest, TrailingSlashesNeedDirectories) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rename(Path("f/").c_str(), Path("g").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(rename(Path("f").c_str(), Path("g/").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_TRUE(Exists(Path("f")));
  EXPECT_FALSE(Exists(Path("g")));
  ASSERT_THAT(rename(Path("d/").c_str(), Path("e/").c_str()), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(Stat(Path("e")).st_mode));
}

TEST_F(RenameTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(rename(Path("missing").c_str(), Path("g").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(rename(Path("f").c_str(), Path("missing/g").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(rename(Path("f").c_str(), ""), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(rename(Path("f").c_str(), Path("f/g").c_str()), SyscallFailsWithErrno(ENOTDIR));
  // "." and ".." can be neither source nor destination.
  EXPECT_THAT(rename(Path("d/.").c_str(), Path("e").c_str()), SyscallFailsWithErrno(EBUSY));
  EXPECT_THAT(rename(Path("d/..").c_str(), Path("e").c_str()), SyscallFailsWithErrno(EBUSY));
  EXPECT_THAT(rename(Path("f").c_str(), Path("d/.").c_str()), SyscallFailsWithErrno(EBUSY));
  EXPECT_TRUE(Exists(Path("f")));
}

// renameat2(2).

TEST_F(Renameat2Test, NoReplaceFailsWithEexistWhenTheTargetExists) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  ASSERT_NO_ERRNO(WriteFile(Path("b"), "b"));
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("b"), RENAME_NOREPLACE),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("dangling"), RENAME_NOREPLACE),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("b"))), "b");
  ASSERT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("c"), RENAME_NOREPLACE),
              SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("a")));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("c"))), "a");
}

TEST_F(Renameat2Test, ExchangeSwapsTwoNames) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "file"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/inner"), "x"));
  const struct stat f = Stat(Path("f"));
  const struct stat d = Stat(Path("d"));
  ASSERT_THAT(Renameat2(AT_FDCWD, Path("f"), AT_FDCWD, Path("d"), RENAME_EXCHANGE),
              SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat(Path("f")), d));
  EXPECT_TRUE(SameFile(Stat(Path("d")), f));
  EXPECT_TRUE(Exists(Path("f/inner")));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("d"))), "file");
}

TEST_F(Renameat2Test, ExchangeAcrossDirectoriesFixesDotDot) {
  ASSERT_THAT(mkdir(Path("p1").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("p2").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("p1/d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("p2/f"), "x"));
  ASSERT_THAT(Renameat2(AT_FDCWD, Path("p1/d"), AT_FDCWD, Path("p2/f"), RENAME_EXCHANGE),
              SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(Stat(Path("p1/d")).st_mode));
  EXPECT_TRUE(S_ISDIR(Stat(Path("p2/f")).st_mode));
  EXPECT_TRUE(SameFile(Stat(Path("p2/f/..")), Stat(Path("p2"))));
  EXPECT_EQ(Stat(Path("p1")).st_nlink, 2u);
  EXPECT_EQ(Stat(Path("p2")).st_nlink, 3u);
}

TEST_F(Renameat2Test, ExchangeWithAMissingNameFailsWithEnoent) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("missing"), RENAME_EXCHANGE),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("missing"), AT_FDCWD, Path("a"), RENAME_EXCHANGE),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_TRUE(Exists(Path("a")));
  EXPECT_FALSE(Exists(Path("missing")));
}

TEST_F(Renameat2Test, ExchangeIntoItsOwnSubtreeFailsWithEinval) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/b").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("a/b"), RENAME_EXCHANGE),
              SyscallFailsWithErrno(EINVAL));
}

TEST_F(Renameat2Test, BadFlagsFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  ASSERT_NO_ERRNO(WriteFile(Path("b"), "b"));
  EXPECT_THAT(
      Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("b"), RENAME_NOREPLACE | RENAME_EXCHANGE),
      SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("b"), 1u << 8),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("a"))), "a");
}

TEST_F(Renameat2Test, NoFlagsIsRename) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  ASSERT_NO_ERRNO(WriteFile(Path("b"), "b"));
  ASSERT_THAT(Renameat2(AT_FDCWD, Path("a"), AT_FDCWD, Path("b"), 0), SyscallSucceeds());
  EXPECT_FALSE(Exists(Path("a")));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("b"))), "a");
}

// link(2), linkat(2).

TEST_F(LinkTest, AddsANameForTheSameInode) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "shared"));
  ASSERT_THAT(link(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  const struct stat a = Stat(Path("a"));
  const struct stat b = Stat(Path("b"));
  EXPECT_TRUE(SameFile(a, b));
  EXPECT_EQ(a.st_nlink, 2u);
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("b"), O_WRONLY | O_APPEND));
  ASSERT_THAT(write(fd.get(), "!", 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("a"))), "shared!");
  ASSERT_THAT(unlink(Path("a").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("b")).st_nlink, 1u);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("b"))), "shared!");
}

TEST_F(LinkTest, DirectoryFailsWithEperm) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(link(Path("d").c_str(), Path("e").c_str()), SyscallFailsWithErrno(EPERM));
  EXPECT_FALSE(Exists(Path("e")));
  EXPECT_EQ(Stat(Path("d")).st_nlink, 2u);
}

TEST_F(LinkTest, ExistingNewNameFailsWithEexist) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  ASSERT_NO_ERRNO(WriteFile(Path("b"), "b"));
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  EXPECT_THAT(link(Path("a").c_str(), Path("b").c_str()), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(link(Path("a").c_str(), Path("dangling").c_str()), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(link(Path("a").c_str(), Path("a").c_str()), SyscallFailsWithErrno(EEXIST));
  EXPECT_EQ(Stat(Path("a")).st_nlink, 1u);
}

TEST_F(LinkTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("a"), "a"));
  EXPECT_THAT(link(Path("missing").c_str(), Path("b").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(link(Path("a").c_str(), Path("missing/b").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(link(Path("a/").c_str(), Path("b").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(link(Path("a").c_str(), Path("b/").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(linkat(AT_FDCWD, Path("a").c_str(), AT_FDCWD, Path("b").c_str(), AT_REMOVEDIR),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(Exists(Path("b")));
}

TEST_F(LinkTest, DoesNotFollowASymlinkUnlessAsked) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  // link(2) and linkat(2) without AT_SYMLINK_FOLLOW link the symlink itself.
  ASSERT_THAT(link(Path("link").c_str(), Path("l1").c_str()), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(Lstat(Path("l1")).st_mode));
  EXPECT_EQ(Lstat(Path("link")).st_nlink, 2u);
  ASSERT_THAT(linkat(AT_FDCWD, Path("link").c_str(), AT_FDCWD, Path("l2").c_str(), 0),
              SyscallSucceeds());
  EXPECT_TRUE(SameFile(Lstat(Path("l2")), Lstat(Path("link"))));
  ASSERT_THAT(
      linkat(AT_FDCWD, Path("link").c_str(), AT_FDCWD, Path("l3").c_str(), AT_SYMLINK_FOLLOW),
      SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(Lstat(Path("l3")).st_mode));
  EXPECT_TRUE(SameFile(Lstat(Path("l3")), Stat(Path("f"))));
  EXPECT_EQ(Stat(Path("f")).st_nlink, 2u);
}

TEST_F(LinkTest, LinkatRelativeToDirectoryFds) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("b").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("a/f"), "x"));
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("a"), O_RDONLY | O_DIRECTORY));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("b"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(linkat(a.get(), "f", b.get(), "g", 0), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat(Path("b/g")), Stat(Path("a/f"))));
}

TEST_F(LinkTest, ChangesTheCtimeOfTheFile) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  ASSERT_THAT(link(Path("f").c_str(), Path("g").c_str()), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
  EXPECT_EQ(TimespecToNs(after.st_mtim), TimespecToNs(before.st_mtim));
}

// symlink(2), symlinkat(2).

TEST_F(SymlinkTest, StoresTheTargetVerbatim) {
  for (const std::string& target : std::vector<std::string>{
           "nowhere", "a/../b//c/", "/absolute/path", "..", std::string(1000, 'x')}) {
    const std::string link = Path("link");
    ASSERT_THAT(symlink(target.c_str(), link.c_str()), SyscallSucceeds()) << target;
    const struct stat st = Lstat(link);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0777u);
    EXPECT_EQ(st.st_size, static_cast<off_t>(target.size()));
    EXPECT_EQ(st.st_nlink, 1u);
    char buf[PATH_MAX];
    ASSERT_THAT(readlink(link.c_str(), buf, sizeof(buf)),
                SyscallSucceedsWithValue(static_cast<ssize_t>(target.size())));
    EXPECT_EQ(std::string(buf, target.size()), target);
    ASSERT_THAT(unlink(link.c_str()), SyscallSucceeds());
  }
}

TEST_F(SymlinkTest, ExistingNameFailsWithEexist) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  EXPECT_THAT(symlink("t", Path("f").c_str()), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(symlink("t", Path("dangling").c_str()), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(symlink("t", dir_.c_str()), SyscallFailsWithErrno(EEXIST));
}

TEST_F(SymlinkTest, EmptyTargetFailsWithEnoent) {
  EXPECT_THAT(symlink("", Path("link").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_FALSE(Exists(Path("link")));
}

TEST_F(SymlinkTest, TargetOfPathMaxFailsWithEnametoolong) {
  const std::string target(PATH_MAX, 'x');
  EXPECT_THAT(symlink(target.c_str(), Path("link").c_str()), SyscallFailsWithErrno(ENAMETOOLONG));
  EXPECT_FALSE(Exists(Path("link")));
}

TEST_F(SymlinkTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(symlink("t", Path("missing/link").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(symlink("t", Path("f/link").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(symlink("t", ""), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(symlinkat("t", -1, "link"), SyscallFailsWithErrno(EBADF));
}

TEST_F(SymlinkTest, SymlinkatRelativeToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/f"), "through"));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(symlinkat("f", dir.get(), "link"), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(Lstat(Path("d/link")).st_mode));
  // The relative target is resolved from the link's directory.
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("d/link"))), "through");
}

// readlink(2), readlinkat(2).

TEST_F(ReadlinkTest, ShortBufferTruncatesWithoutANul) {
  ASSERT_THAT(symlink("abcdefgh", Path("link").c_str()), SyscallSucceeds());
  char buf[8];
  memset(buf, '*', sizeof(buf));
  ASSERT_THAT(readlink(Path("link").c_str(), buf, 4), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 8), "abcd****");
  ASSERT_THAT(readlink(Path("link").c_str(), buf, 8), SyscallSucceedsWithValue(8));
  EXPECT_EQ(std::string(buf, 8), "abcdefgh");
}

TEST_F(ReadlinkTest, NotASymlinkFailsWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  char buf[64];
  EXPECT_THAT(readlink(Path("f").c_str(), buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(readlink(Path("d").c_str(), buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(readlink(Path("missing").c_str(), buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
}

TEST_F(ReadlinkTest, ReadlinkatRelativeToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("../target", Path("d/link").c_str()), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  char buf[64];
  ASSERT_THAT(readlinkat(dir.get(), "link", buf, sizeof(buf)), SyscallSucceedsWithValue(9));
  EXPECT_EQ(std::string(buf, 9), "../target");
  // An intermediate symlink is followed; only the last one is read.
  ASSERT_THAT(symlink("d", Path("dlink").c_str()), SyscallSucceeds());
  ASSERT_THAT(readlink(Path("dlink/link").c_str(), buf, sizeof(buf)), SyscallSucceedsWithValue(9));
}

// getdents64(2).

TEST_F(Getdents64Test, EmptyDirectoryHasDotAndDotDot) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  const auto entries = ReadEntries(fd.get(), 4096);
  EXPECT_THAT(NamesOf(entries), UnorderedElementsAre(".", ".."));
  for (const Entry& e : entries) {
    if (e.name == ".") {
      EXPECT_EQ(e.ino, Stat(dir_).st_ino);
    }
  }
}

TEST_F(Getdents64Test, ListsAThousandFilesExactlyOnce) {
  std::set<std::string> expected = {".", ".."};
  for (int i = 0; i < 1000; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "file_%04d", i);
    FileDescriptor fd =
        ASSERT_NO_ERRNO_AND_VALUE(Open(Path(name), O_WRONLY | O_CREAT | O_EXCL, 0644));
    expected.insert(name);
  }
  for (size_t bufsize : {size_t{32768}, size_t{4096}, size_t{64}}) {
    FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
    const auto names = NamesOf(ReadEntries(fd.get(), bufsize));
    EXPECT_EQ(names.size(), expected.size()) << "buffer " << bufsize;
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected) << "buffer " << bufsize;
  }
}

TEST_F(Getdents64Test, InodeNumbersMatchStat) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  const auto entries = ReadEntries(fd.get(), 4096);
  EXPECT_THAT(NamesOf(entries), UnorderedElementsAre(".", "..", "f", "d", "link"));
  for (const Entry& e : entries) {
    if (e.name == "..") continue;  // may be a mount point's covered inode
    EXPECT_EQ(e.ino, Lstat(Path(e.name)).st_ino) << e.name;
  }
}

TEST_F(Getdents64Test, RewindingRestartsAndSeesChanges) {
  for (const char* name : {"a", "b", "c"}) ASSERT_NO_ERRNO(WriteFile(Path(name), ""));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(NamesOf(ReadEntries(fd.get(), 4096)), UnorderedElementsAre(".", "..", "a", "b", "c"));
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
  ASSERT_THAT(unlink(Path("b").c_str()), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d"), ""));
  ASSERT_THAT(lseek(fd.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
  EXPECT_THAT(NamesOf(ReadEntries(fd.get(), 4096)), UnorderedElementsAre(".", "..", "a", "c", "d"));
}

TEST_F(Getdents64Test, SeekingToAnEntrysOffsetResumesAfterIt) {
  for (int i = 0; i < 20; ++i) ASSERT_NO_ERRNO(WriteFile(Path("f" + std::to_string(i)), ""));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  const auto all = ReadEntries(fd.get(), 4096);
  ASSERT_EQ(all.size(), 22u);
  for (size_t k : {size_t{0}, size_t{5}, size_t{20}}) {
    ASSERT_THAT(lseek(fd.get(), all[k].off, SEEK_SET), SyscallSucceedsWithValue(all[k].off));
    const auto rest = ReadEntries(fd.get(), 4096);
    std::vector<std::string> expected;
    for (size_t i = k + 1; i < all.size(); ++i) expected.push_back(all[i].name);
    EXPECT_EQ(NamesOf(rest), expected) << "after entry " << k;
  }
}

TEST_F(Getdents64Test, PartialReadThenRewindListsEverything) {
  for (int i = 0; i < 50; ++i) ASSERT_NO_ERRNO(WriteFile(Path("f" + std::to_string(i)), ""));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  char buf[128];
  ASSERT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallSucceeds());
  ASSERT_THAT(lseek(fd.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
  EXPECT_EQ(ReadEntries(fd.get(), 4096).size(), 52u);
}

TEST_F(Getdents64Test, BufferTooSmallForOneEntryFailsWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path(std::string(100, 'n')), ""));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  char buf[256];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, 8), SyscallFailsWithErrno(EINVAL));
  // The failed calls consumed nothing.
  EXPECT_EQ(ReadEntries(fd.get(), 4096).size(), 3u);
}

TEST_F(Getdents64Test, OnARegularFileFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallFailsWithErrno(ENOTDIR));
}

// Link counts of directories.

TEST_F(DirectoryNlinkTest, IsTwoPlusTheSubdirectories) {
  EXPECT_EQ(Stat(dir_).st_nlink, 2u);
  for (const char* d : {"a", "b", "c"})
    ASSERT_THAT(mkdir(Path(d).c_str(), 0755), SyscallSucceeds());
  for (const char* f : {"f", "g"}) ASSERT_NO_ERRNO(WriteFile(Path(f), ""));
  ASSERT_THAT(symlink("a", Path("link").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(dir_).st_nlink, 5u);  // files and symlinks don't count
  ASSERT_THAT(rmdir(Path("c").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(dir_).st_nlink, 4u);
  ASSERT_THAT(rename(Path("b").c_str(), Path("a/b").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(dir_).st_nlink, 3u);
  EXPECT_EQ(Stat(Path("a")).st_nlink, 3u);
  ASSERT_THAT(rename(Path("a/b").c_str(), Path("b2").c_str()), SyscallSucceeds());
  EXPECT_EQ(Stat(dir_).st_nlink, 4u);
  EXPECT_EQ(Stat(Path("a")).st_nlink, 2u);
}

// The parent's timestamps.

class ParentTimes : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_THAT(mkdir(Path("p").c_str(), 0755), SyscallSucceeds());
    ASSERT_NO_ERRNO(WriteFile(Path("p/f"), "x"));
    ASSERT_THAT(mkdir(Path("p/d").c_str(), 0755), SyscallSucceeds());
    SetTimesToY2k(Path("p"));
    before_ = Stat(Path("p"));
    ASSERT_EQ(before_.st_mtim.tv_sec, kY2k);
    WaitForTimestampTick();
  }
  // Expects p's mtime and ctime to have moved on since SetUp.
  void ExpectParentChanged(const char* what) {
    const struct stat after = Stat(Path("p"));
    EXPECT_GT(after.st_mtim.tv_sec, kY2k) << what;
    EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before_.st_ctim)) << what;
    // And to now, give or take.
    EXPECT_NEAR(static_cast<double>(after.st_mtim.tv_sec), static_cast<double>(time(nullptr)), 5)
        << what;
  }

  struct stat before_;
};

TEST_F(ParentTimes, CreateUpdatesTheParent) {
  ASSERT_NO_ERRNO(WriteFile(Path("p/new"), ""));
  ExpectParentChanged("create");
}

TEST_F(ParentTimes, UnlinkUpdatesTheParent) {
  ASSERT_THAT(unlink(Path("p/f").c_str()), SyscallSucceeds());
  ExpectParentChanged("unlink");
}

TEST_F(ParentTimes, MkdirUpdatesTheParent) {
  ASSERT_THAT(mkdir(Path("p/new").c_str(), 0755), SyscallSucceeds());
  ExpectParentChanged("mkdir");
}

TEST_F(ParentTimes, RmdirUpdatesTheParent) {
  ASSERT_THAT(rmdir(Path("p/d").c_str()), SyscallSucceeds());
  ExpectParentChanged("rmdir");
}

TEST_F(ParentTimes, RenameWithinUpdatesTheParent) {
  ASSERT_THAT(rename(Path("p/f").c_str(), Path("p/g").c_str()), SyscallSucceeds());
  ExpectParentChanged("rename");
}

TEST_F(ParentTimes, RenameOutUpdatesTheOldParent) {
  ASSERT_THAT(rename(Path("p/f").c_str(), Path("g").c_str()), SyscallSucceeds());
  ExpectParentChanged("rename out");
}

TEST_F(ParentTimes, LinkAndSymlinkUpdateTheParent) {
  ASSERT_THAT(link(Path("p/f").c_str(), Path("p/hard").c_str()), SyscallSucceeds());
  ExpectParentChanged("link");
  SetTimesToY2k(Path("p"));
  before_ = Stat(Path("p"));
  WaitForTimestampTick();
  ASSERT_THAT(symlink("f", Path("p/soft").c_str()), SyscallSucceeds());
  ExpectParentChanged("symlink");
}

TEST_F(ParentTimes, WritingAFileLeavesTheParentAlone) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p/f"), O_WRONLY));
  ASSERT_THAT(write(fd.get(), "more", 4), SyscallSucceedsWithValue(4));
  const struct stat after = Stat(Path("p"));
  EXPECT_EQ(after.st_mtim.tv_sec, kY2k);
  EXPECT_EQ(TimespecToNs(after.st_ctim), TimespecToNs(before_.st_ctim));
}

TEST_F(UnlinkTest, ChangesTheCtimeOfAFileWithOtherLinks) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(link(Path("f").c_str(), Path("g").c_str()), SyscallSucceeds());
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  ASSERT_THAT(unlink(Path("g").c_str()), SyscallSucceeds());
  EXPECT_GT(TimespecToNs(Stat(Path("f")).st_ctim), TimespecToNs(before.st_ctim));
}

}  // namespace
}  // namespace kekkai::syscall_test
