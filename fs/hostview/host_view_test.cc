#include "fs/hostview/host_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sentry/usermem/vector_memory.h"

#include "fs/hostview/dirent_buffer.h"

namespace kekkai::fs::hostview {
namespace {

// Returns the string `r` holds, or the name of its error.
std::string ValueOrError(const Result<std::string>& r) {
  if (r.ok()) return *r;
  return std::string("error ") + ErrnoName(r.error().value());
}

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

using sentry::usermem::IoSequence;

using sentry::usermem::VectorMemory;

HostView::Options ViewOptions(std::string root, std::string visible = "",
                              std::vector<std::string> extra = {}) {
  HostView::Options o;
  o.host_root = std::move(root);
  o.visible_home_dir = std::move(visible);
  o.extra_hidden = std::move(extra);
  return o;
}

// Reads `len` bytes (or what there is) at the file offset, or at `offset`.
Result<std::string> ReadSome(vfs::FileDescription& f, size_t len,
                             std::optional<uint64_t> offset = std::nullopt) {
  VectorMemory mem(len);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), len}});
  ASSIGN_OR_RETURN(size_t n, f.Read(io, offset));
  return std::string(reinterpret_cast<const char*>(mem.bytes().data()), n);
}

// Reads the file from its offset to the end.
std::string ReadAll(vfs::FileDescription& f) {
  std::string out;
  for (;;) {
    Result<std::string> chunk = ReadSome(f, 4096);
    EXPECT_TRUE(chunk.ok());
    if (!chunk.ok() || chunk->empty()) return out;
    out += *chunk;
  }
}

struct Dirent {
  uint64_t ino;
  int64_t off;
  uint8_t type;
  std::string name;
};

// Parses linux_dirent64 records, checking their framing.
std::vector<Dirent> ParseDirents(const std::byte* p, size_t n) {
  std::vector<Dirent> out;
  size_t pos = 0;
  while (pos < n) {
    Dirent d;
    uint16_t reclen;
    std::memcpy(&d.ino, p + pos, 8);
    std::memcpy(&d.off, p + pos + 8, 8);
    std::memcpy(&reclen, p + pos + 16, 2);
    std::memcpy(&d.type, p + pos + 18, 1);
    EXPECT_EQ(reclen % 8, 0u);
    EXPECT_GT(reclen, kDirentHeaderSize);
    d.name = reinterpret_cast<const char*>(p + pos + kDirentHeaderSize);
    EXPECT_EQ(reclen, DirentRecordSize(d.name.size()));
    out.push_back(d);
    pos += reclen;
  }
  EXPECT_EQ(pos, n);
  return out;
}

// One getdents64 call with a `len`-byte guest buffer.
Result<std::vector<Dirent>> GetdentsOnce(vfs::FileDescription& dir, size_t len) {
  VectorMemory mem(len);
  ASSIGN_OR_RETURN(size_t n, dir.Getdents(mem, GuestAddr(VectorMemory::kBase), len));
  EXPECT_LE(n, len);
  return ParseDirents(mem.bytes().data(), n);
}

// Lists the whole directory with `len`-byte calls.
std::vector<Dirent> ListAll(vfs::FileDescription& dir, size_t len = 4096) {
  std::vector<Dirent> out;
  for (;;) {
    Result<std::vector<Dirent>> got = GetdentsOnce(dir, len);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || got->empty()) return out;
    out.insert(out.end(), got->begin(), got->end());
  }
}

std::set<std::string> Names(const std::vector<Dirent>& ds) {
  std::set<std::string> out;
  for (const Dirent& d : ds) out.insert(d.name);
  return out;
}

// The host's own listing of `dir`, "." and ".." included.
std::set<std::string> HostNames(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = opendir(dir.c_str());
  EXPECT_NE(d, nullptr);
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) out.insert(e->d_name);
  closedir(d);
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything about a tree that a write would change: entries, types, modes, sizes,
// times, contents and link targets.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  static std::map<std::string, std::string>* out;
  static size_t prefix;
  std::map<std::string, std::string> result;
  out = &result;
  prefix = root.size();
  nftw(
      root.c_str(),
      [](const char* path, const struct stat* st, int, FTW*) {
        std::ostringstream d;
        d << std::oct << st->st_mode << std::dec << " " << st->st_size << " " << st->st_ino << " "
          << st->st_mtim.tv_sec << "." << st->st_mtim.tv_nsec << " " << st->st_ctim.tv_sec << "."
          << st->st_ctim.tv_nsec << " " << st->st_nlink;
        if (S_ISREG(st->st_mode)) d << " " << Slurp(path);
        if (S_ISLNK(st->st_mode)) {
          char buf[4096];
          ssize_t n = readlink(path, buf, sizeof(buf));
          d << " -> " << std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
        }
        (*out)[std::string(path).substr(prefix)] = d.str();
        return 0;
      },
      16, FTW_PHYS);
  return result;
}

void MakeDir(const std::string& root, const std::string& rel) {
  ASSERT_EQ(mkdir((root + "/" + rel).c_str(), 0755), 0) << rel;
}

void MakeFile(const std::string& root, const std::string& rel, const std::string& content,
              mode_t mode = 0644) {
  const std::string p = root + "/" + rel;
  std::ofstream(p, std::ios::binary) << content;
  ASSERT_EQ(chmod(p.c_str(), mode), 0) << rel;
}

void MakeLink(const std::string& root, const std::string& rel, const std::string& target) {
  ASSERT_EQ(symlink(target.c_str(), (root + "/" + rel).c_str()), 0) << rel;
}

void MakeSocket(const std::string& root, const std::string& rel) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = root + "/" + rel;
  ASSERT_LT(p.size(), sizeof(addr.sun_path));
  std::strcpy(addr.sun_path, p.c_str());
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(s);
}

// Returns a new empty directory in /tmp that others may search, as a host root is.
std::string MakeScratchRoot() {
  char tmpl[] = "/tmp/hostview_test.XXXXXX";
  EXPECT_NE(mkdtemp(tmpl), nullptr);
  EXPECT_EQ(chmod(tmpl, 0755), 0);
  return tmpl;
}

void RemoveTree(const std::string& root) {
  nftw(
      root.c_str(), [](const char* p, const struct stat*, int, FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

// What the tests share: a view of a scratch root, seen by root (pid 42, running
// /usr/bin/tool) unless a test says otherwise.
class ViewTest : public ::testing::Test {
 protected:
  std::unique_ptr<HostView> Create(HostView::Options opts) {
    Result<std::unique_ptr<HostView>> v = HostView::Create(std::move(opts));
    EXPECT_TRUE(v.ok());
    return v.ok() ? std::move(v).value() : nullptr;
  }
  struct stat HostLstat(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(lstat((root_ + "/" + rel).c_str(), &st), 0) << rel;
    return st;
  }
  Result<vfs::FileRef> Open(std::string_view path, uint32_t flags = O_RDONLY) {
    return view_->Open(caller_, path, flags, 0644);
  }
  Errno OpenError(std::string_view path, uint32_t flags = O_RDONLY) {
    Result<vfs::FileRef> f = Open(path, flags);
    EXPECT_FALSE(f.ok()) << path << " opened with flags 0" << std::oct << flags;
    return f.ok() ? Errno(0) : f.error();
  }

  std::string root_;
  sentry::auth::Credentials creds_;
  vfs::Caller caller_{&creds_, 42, "/usr/bin/tool"};
  std::unique_ptr<HostView> view_;
};

// One scratch tree for the suite (the view never changes it; a test that changes
// it restores it), with a fresh view per test.
class HostViewTest : public ViewTest {
 protected:
  static void SetUpTestSuite() {
    shared_root_ = MakeScratchRoot();
    BuildTree(shared_root_);
  }
  static void TearDownTestSuite() { RemoveTree(shared_root_); }

  void SetUp() override {
    root_ = shared_root_;
    view_ = Create(ViewOptions(root_, "/home/me/proj"));
  }

  static void BuildTree(const std::string& r) {
    MakeDir(r, "etc");
    MakeFile(r, "etc/passwd", "root:x:0:0:scratch passwd\n");
    MakeFile(r, "etc/shadow", "root:SECRET", 0640);
    MakeFile(r, "etc/shadow-", "root:OLDSECRET", 0640);
    MakeFile(r, "etc/gshadow", "g:SECRET", 0640);
    MakeFile(r, "etc/sudoers", "ALL", 0440);
    MakeDir(r, "etc/sudoers.d");
    MakeFile(r, "etc/sudoers.d/custom", "ALL");
    MakeDir(r, "etc/ssh");
    MakeFile(r, "etc/ssh/ssh_host_ed25519_key", "PRIVATE", 0600);
    MakeFile(r, "etc/ssh/ssh_host_ed25519_key.pub", "PUBLIC");
    MakeFile(r, "etc/ssh/sshd_config", "Port 22\n");
    MakeDir(r, "usr");
    MakeDir(r, "usr/lib");
    MakeFile(r, "usr/lib/os-release", "ID=scratch\n");
    MakeDir(r, "usr/bin");
    MakeFile(r, "usr/bin/tool", "#!/bin/true\n", 0755);
    MakeFile(r, "usr/bin/data", "just data\n", 0644);
    MakeLink(r, "etc/os-release", "../usr/lib/os-release");
    MakeLink(r, "bin", "usr/bin");
    MakeLink(r, "dir_link", "/usr");
    MakeLink(r, "abs_passwd", "/etc/passwd");
    MakeLink(r, "escape", "../../../../../../../etc/passwd");
    MakeLink(r, "usr/lib/abs_escape", "/../../../etc/passwd");
    MakeLink(r, "usr/bin/abs_passwd", "/etc/passwd");
    MakeLink(r, "to_shadow", "/etc/shadow");
    MakeLink(r, "to_root", "../root");
    MakeLink(r, "loop_a", "loop_b");
    MakeLink(r, "loop_b", "loop_a");
    MakeLink(r, "self_loop", "self_loop");
    MakeLink(r, "dangling", "nowhere");
    ASSERT_EQ(mkfifo((r + "/fifo").c_str(), 0644), 0);
    MakeSocket(r, "sock");
    MakeDir(r, "root");
    MakeFile(r, "root/secret", "ROOT SECRET");
    MakeDir(r, "home");
    MakeDir(r, "home/me");
    MakeDir(r, "home/me/proj");
    MakeFile(r, "home/me/proj/file", "my project\n");
    MakeDir(r, "home/me/.ssh");
    MakeFile(r, "home/me/.ssh/id_rsa", "KEY");
    MakeDir(r, "home/other");
    MakeFile(r, "home/other/notes", "not yours");
    for (const char* d : {"tmp", "var", "var/tmp", "var/lib", "var/lib/docker", "var/lib/apt",
                          "run", "sys", "dev", "proc"}) {
      MakeDir(r, d);
    }
    MakeFile(r, "tmp/x", "tmp");
    MakeFile(r, "var/lib/docker/x", "docker");
    MakeFile(r, "var/lib/apt/x", "apt");
    MakeFile(r, "dev/host_only", "host dev");
    MakeFile(r, "proc/host_only", "host proc");
    MakeDir(r, "many");
    for (int i = 0; i < 200; ++i) MakeFile(r, "many/entry_" + std::to_string(i), "");
    ASSERT_EQ(mkfifo((r + "/many/a_fifo").c_str(), 0644), 0);
    MakeDir(r, "chain");
    MakeFile(r, "chain/target", "end of chain");
    // c0 -> c1 -> ... -> c40 -> target: 41 links from c0, 40 from c1.
    for (int i = 0; i <= 40; ++i) {
      MakeLink(r, "chain/c" + std::to_string(i), i == 40 ? "target" : "c" + std::to_string(i + 1));
    }
    MakeDir(r, "locked");
    MakeFile(r, "locked/inside", "x");
    MakeFile(r, "private_file", "private", 0600);
  }

  static inline std::string shared_root_;
};

TEST_F(HostViewTest, ReadsARegularFile) {
  Result<vfs::FileRef> f = Open("/etc/passwd");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ReadAll(**f), "root:x:0:0:scratch passwd\n");
  EXPECT_EQ((*f)->path(), "/etc/passwd");
  EXPECT_EQ((*f)->Name(), "/etc/passwd");
  Result<abi::linux::Stat> st = (*f)->Stat();
  ASSERT_TRUE(st.ok());
  const struct stat host = HostLstat("etc/passwd");
  EXPECT_EQ(st->ino, host.st_ino);
  EXPECT_EQ(st->dev, host.st_dev);
  EXPECT_EQ(st->mode, host.st_mode);
  EXPECT_EQ(st->uid, host.st_uid);
  EXPECT_EQ(st->gid, host.st_gid);
  EXPECT_EQ(st->size, host.st_size);
  EXPECT_EQ(st->mtime.nsec, host.st_mtim.tv_nsec);
  VectorMemory mem(8);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), 8}});
  EXPECT_EQ(ErrorOf((*f)->Write(io, std::nullopt)), Errno(EBADF));
  EXPECT_EQ(ErrorOf((*f)->Getdents(mem, GuestAddr(VectorMemory::kBase), 8)), Errno(ENOTDIR));
}

TEST_F(HostViewTest, OffsetsSeekAndPread) {
  vfs::FileRef f = *Open("/usr/lib/os-release");  // "ID=scratch\n", 11 bytes
  EXPECT_EQ(*ReadSome(*f, 3), "ID=");
  EXPECT_EQ(*ReadSome(*f, 3), "scr");
  // pread neither uses nor moves the offset.
  EXPECT_EQ(*ReadSome(*f, 2, 0), "ID");
  EXPECT_EQ(*ReadSome(*f, 100), "atch\n");
  EXPECT_EQ(*ReadSome(*f, 100), "");
  EXPECT_EQ(*f->Seek(1, SEEK_SET), 1u);
  EXPECT_EQ(*f->Seek(2, SEEK_CUR), 3u);
  EXPECT_EQ(*ReadSome(*f, 3), "scr");
  EXPECT_EQ(*f->Seek(-1, SEEK_END), 10u);
  EXPECT_EQ(*ReadSome(*f, 5), "\n");
  EXPECT_EQ(*f->Seek(100, SEEK_SET), 100u);  // past the end is allowed
  EXPECT_EQ(*ReadSome(*f, 5), "");
  EXPECT_EQ(*f->Seek(0, SEEK_DATA), 0u);
  EXPECT_EQ(*f->Seek(0, SEEK_HOLE), 11u);
  EXPECT_EQ(ErrorOf(f->Seek(11, SEEK_DATA)), Errno(ENXIO));
  EXPECT_EQ(ErrorOf(f->Seek(-1, SEEK_SET)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(f->Seek(-20, SEEK_END)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(f->Seek(INT64_MAX, SEEK_END)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(f->Seek(0, 5)), Errno(EINVAL));
  EXPECT_EQ(*f->Seek(0, SEEK_CUR), 11u) << "a failed seek moved the offset";
  std::byte buf[4];
  EXPECT_EQ(*f->PRead(buf, 3), 4u);
  EXPECT_EQ(std::memcmp(buf, "scra", 4), 0);
  EXPECT_EQ(*f->PRead(buf, 9), 2u);
  EXPECT_EQ(*f->PRead(buf, 50), 0u);
}

TEST_F(HostViewTest, ReadStopsAtAGuestFault) {
  vfs::FileRef f = *Open("/etc/passwd");
  VectorMemory mem(4);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), 4}, {GuestAddr(0x1000), 100}});
  EXPECT_EQ(*f->Read(io, std::nullopt), 4u);
  EXPECT_EQ(*f->Seek(0, SEEK_CUR), 4u);
  IoSequence bad(mem, {{GuestAddr(0x1000), 10}});
  EXPECT_EQ(ErrorOf(f->Read(bad, std::nullopt)), Errno(EFAULT));
  EXPECT_EQ(*f->Seek(0, SEEK_CUR), 4u);
}

TEST_F(HostViewTest, MappableReadsTheSameFileAndOutlivesTheDescription) {
  std::shared_ptr<sentry::memmap::Mappable> m;
  {
    vfs::FileRef f = *Open("/bin/tool");
    m = f->GetMappable();
  }
  ASSERT_NE(m, nullptr);
  const struct stat host = HostLstat("usr/bin/tool");
  EXPECT_EQ(m->inode(), host.st_ino);
  EXPECT_EQ(m->device(), host.st_dev);
  EXPECT_EQ(m->path(), "/usr/bin/tool");
  EXPECT_EQ(*m->Size(), 12u);
  std::byte buf[64];
  Result<size_t> n = m->ReadAt(buf, 2);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), "/bin/true\n");
  EXPECT_EQ(Open("/usr")->get()->GetMappable(), nullptr);
}

TEST_F(HostViewTest, SymlinksResolveInsideTheRoot) {
  // Absolute targets and ".." past the top land in the scratch root, never on the
  // host's own /etc/passwd.
  for (const char* path :
       {"/abs_passwd", "/usr/bin/abs_passwd", "/escape", "/usr/lib/abs_escape",
        "/dir_link/../etc/passwd", "/../../../etc/passwd", "/bin/../../etc/passwd"}) {
    SCOPED_TRACE(path);
    Result<vfs::FileRef> f = Open(path);
    ASSERT_TRUE(f.ok()) << ErrnoName(f.error().value());
    EXPECT_EQ(ReadAll(**f), "root:x:0:0:scratch passwd\n");
    EXPECT_EQ((*f)->path(), "/etc/passwd");
    EXPECT_EQ(view_->Stat(caller_, path, /*follow=*/true)->ino, HostLstat("etc/passwd").st_ino);
  }
  EXPECT_EQ(ReadAll(**Open("/etc/os-release")), "ID=scratch\n");
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/escape")), "../../../../../../../etc/passwd");
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/bin")), "usr/bin");
  Result<abi::linux::Stat> l = view_->Stat(caller_, "/abs_passwd", /*follow=*/false);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(S_ISLNK(l->mode));
  EXPECT_EQ(l->ino, HostLstat("abs_passwd").st_ino);
  EXPECT_EQ(ErrorOf(view_->Readlink(caller_, "/etc/passwd")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(view_->Readlink(caller_, "/nope")), Errno(ENOENT));
}

TEST_F(HostViewTest, SymlinkLoopsAndLimits) {
  EXPECT_EQ(OpenError("/loop_a"), Errno(ELOOP));
  EXPECT_EQ(OpenError("/self_loop"), Errno(ELOOP));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/loop_a/x", false)), Errno(ELOOP));
  EXPECT_TRUE(view_->Stat(caller_, "/loop_a", /*follow=*/false).ok());
  // 40 links are fine, 41 are too many.
  Result<vfs::FileRef> f = Open("/chain/c1");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ReadAll(**f), "end of chain");
  EXPECT_EQ(OpenError("/chain/c0"), Errno(ELOOP));
  EXPECT_EQ(OpenError("/dangling"), Errno(ENOENT));
  EXPECT_TRUE(S_ISLNK(view_->Stat(caller_, "/dangling", false)->mode));
}

TEST_F(HostViewTest, HiddenPathsDoNotExist) {
  for (const char* path : {"/etc/shadow",
                           "/etc/shadow-",
                           "/etc/gshadow",
                           "/etc/sudoers",
                           "/etc/sudoers.d/custom",
                           "/etc/ssh/ssh_host_ed25519_key",
                           "/root",
                           "/root/secret",
                           "/home/other",
                           "/home/other/notes",
                           "/home/me/.ssh/id_rsa",
                           "/tmp",
                           "/tmp/x",
                           "/var/tmp",
                           "/var/lib/docker/x",
                           "/run",
                           "/sys",
                           "//etc//shadow",
                           "/etc/../root/secret",
                           "/home/me/proj/../../other/notes",
                           "/to_shadow",
                           "/to_root/secret",
                           "/dev/host_only",
                           "/proc/host_only",
                           "/etc/shadow/",
                           "/root/"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(ErrorOf(view_->Stat(caller_, path, true)), Errno(ENOENT));
    if (std::string_view(path) != "/to_shadow") {  // that link itself is visible
      EXPECT_EQ(ErrorOf(view_->Stat(caller_, path, false)), Errno(ENOENT));
    }
    EXPECT_EQ(OpenError(path), Errno(ENOENT));
    EXPECT_EQ(OpenError(path, O_PATH), Errno(ENOENT));
    EXPECT_EQ(ErrorOf(view_->Access(caller_, path, F_OK, true)), Errno(ENOENT));
  }
  EXPECT_TRUE(Open("/etc/ssh/ssh_host_ed25519_key.pub").ok());
  EXPECT_TRUE(Open("/var/lib/apt/x").ok());
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/root")), Errno(ENOENT));
}

TEST_F(HostViewTest, FifosAndSocketsAreHiddenAndNeverOpened) {
  for (const char* path : {"/fifo", "/sock", "/many/a_fifo"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(ErrorOf(view_->Stat(caller_, path, false)), Errno(ENOENT));
    // A blocking open of a FIFO with no writer would hang here.
    EXPECT_EQ(OpenError(path), Errno(ENOENT));
    EXPECT_EQ(OpenError(path, O_RDWR), Errno(ENOENT));
    EXPECT_EQ(OpenError(path, O_PATH), Errno(ENOENT));
  }
}

TEST_F(HostViewTest, VisibleHomeDirAndTheWayToIt) {
  EXPECT_EQ(ReadAll(**Open("/home/me/proj/file")), "my project\n");
  EXPECT_EQ(Names(ListAll(**Open("/home", O_RDONLY | O_DIRECTORY))),
            (std::set<std::string>{".", "..", "me"}));
  EXPECT_EQ(Names(ListAll(**Open("/home/me"))), (std::set<std::string>{".", "..", "proj"}));
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/home/me/proj/")), "/home/me/proj");
  // Without it, /home is gone.
  std::unique_ptr<HostView> plain = Create(ViewOptions(root_));
  EXPECT_EQ(ErrorOf(plain->Stat(caller_, "/home/me/proj/file", true)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(plain->Stat(caller_, "/home", true)), Errno(ENOENT));
}

TEST_F(HostViewTest, WritesFailAndTheTreeIsUnchanged) {
  const std::map<std::string, std::string> before = Snapshot(root_);
  EXPECT_EQ(OpenError("/etc/passwd", O_WRONLY), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/passwd", O_RDWR), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/passwd", O_RDONLY | O_TRUNC), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/passwd", O_WRONLY | O_APPEND), Errno(EROFS));
  EXPECT_EQ(OpenError("/abs_passwd", O_WRONLY | O_TRUNC), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/passwd", 3), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/new", O_WRONLY | O_CREAT), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/new", O_RDONLY | O_CREAT | O_EXCL), Errno(EROFS));
  EXPECT_EQ(OpenError("/dangling", O_WRONLY | O_CREAT), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc/new/", O_WRONLY | O_CREAT), Errno(EISDIR));
  EXPECT_EQ(OpenError("/nodir/new", O_WRONLY | O_CREAT), Errno(ENOENT));
  EXPECT_EQ(OpenError("/etc/passwd/new", O_WRONLY | O_CREAT), Errno(ENOTDIR));
  EXPECT_EQ(OpenError("/etc/passwd", O_WRONLY | O_CREAT | O_EXCL), Errno(EEXIST));
  EXPECT_EQ(OpenError("/dangling", O_WRONLY | O_CREAT | O_EXCL), Errno(EEXIST));
  EXPECT_EQ(OpenError("/etc", O_WRONLY), Errno(EISDIR));
  EXPECT_EQ(OpenError("/etc", O_RDONLY | O_TRUNC), Errno(EISDIR));
  EXPECT_EQ(OpenError("/etc", O_RDONLY | O_CREAT), Errno(EISDIR));
  EXPECT_EQ(OpenError("/etc", O_RDWR | O_TMPFILE), Errno(EROFS));
  EXPECT_EQ(OpenError("/etc", O_RDONLY | O_TMPFILE), Errno(EINVAL));
  EXPECT_EQ(OpenError("/etc/passwd", O_RDWR | O_TMPFILE), Errno(ENOTDIR));
  EXPECT_EQ(OpenError("/etc/x", O_RDONLY | O_CREAT | O_DIRECTORY), Errno(EINVAL));
  // O_CREAT on an existing file only opens it.
  EXPECT_TRUE(Open("/etc/passwd", O_RDONLY | O_CREAT).ok());
  for (const char* path : {"/etc/passwd", "/etc/new", "/etc", "/", "/bin", "/home/me/proj/x"}) {
    EXPECT_EQ(ErrorOf(view_->CheckModify(caller_, path)), Errno(EROFS)) << path;
  }
  EXPECT_EQ(ErrorOf(view_->CheckModify(caller_, "/nodir/x")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(view_->CheckModify(caller_, "/root/x")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(view_->CheckModify(caller_, "/etc/passwd/x")), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(view_->CheckModify(caller_, "/loop_a/x")), Errno(ELOOP));
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/etc/passwd", W_OK, true)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/etc", W_OK, true)), Errno(EROFS));
  EXPECT_EQ(Snapshot(root_), before);
}

TEST_F(HostViewTest, ListsADirectoryLessWhatIsHidden) {
  std::set<std::string> want = HostNames(root_ + "/etc");
  for (const char* hidden : {"shadow", "shadow-", "gshadow", "sudoers", "sudoers.d"}) {
    ASSERT_EQ(want.erase(hidden), 1u) << hidden;
  }
  std::vector<Dirent> got = ListAll(**Open("/etc", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(Names(got), want);
  for (const Dirent& d : got) {
    if (d.name == "." || d.name == "..") continue;
    const struct stat st = HostLstat("etc/" + d.name);
    EXPECT_EQ(d.ino, st.st_ino) << d.name;
    EXPECT_EQ(d.type, DirentType(st.st_mode)) << d.name;
  }
  EXPECT_EQ(Names(ListAll(**Open("/etc/ssh"))),
            (std::set<std::string>{".", "..", "ssh_host_ed25519_key.pub", "sshd_config"}));
}

TEST_F(HostViewTest, RootListingShowsTheSandboxsOwnDevAndProc) {
  std::vector<Dirent> got = ListAll(**Open("/"));
  std::set<std::string> want = HostNames(root_);
  for (const char* hidden : {"root", "tmp", "run", "sys", "fifo", "sock"}) {
    ASSERT_EQ(want.erase(hidden), 1u) << hidden;
  }
  EXPECT_EQ(Names(got), want);
  const uint64_t root_ino = HostLstat("").st_ino;
  for (const Dirent& d : got) {
    if (d.name == "dev" || d.name == "proc") {
      EXPECT_EQ(d.type, kDtDir);
      const std::string path = "/" + d.name;
      EXPECT_EQ(d.ino, view_->Stat(caller_, path, false)->ino) << d.name;
      EXPECT_NE(d.ino, HostLstat(d.name).st_ino) << d.name;
    }
    if (d.name == "..") {
      EXPECT_EQ(d.ino, root_ino);
    }
  }
}

TEST_F(HostViewTest, GetdentsContinuesAcrossSmallBuffersAndRewinds) {
  vfs::FileRef dir = *Open("/many");
  std::vector<Dirent> all;
  int calls = 0;
  for (;;) {
    Result<std::vector<Dirent>> got = GetdentsOnce(*dir, 100);
    ASSERT_TRUE(got.ok());
    if (got->empty()) break;
    ++calls;
    all.insert(all.end(), got->begin(), got->end());
  }
  EXPECT_GT(calls, 50);
  std::set<std::string> want = {".", ".."};
  for (int i = 0; i < 200; ++i) want.insert("entry_" + std::to_string(i));
  EXPECT_EQ(Names(all), want);
  ASSERT_EQ(all.size(), want.size()) << "an entry was listed twice or left out";
  EXPECT_TRUE(GetdentsOnce(*dir, 4096)->empty());

  // Rewind: the same first entry again.
  EXPECT_EQ(*dir->Seek(0, SEEK_SET), 0u);
  std::vector<Dirent> first = *GetdentsOnce(*dir, 100);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0].name, all[0].name);
  // A d_off resumes just after its entry.
  ASSERT_TRUE(dir->Seek(all[9].off, SEEK_SET).ok());
  std::vector<Dirent> resumed = *GetdentsOnce(*dir, 100);
  ASSERT_FALSE(resumed.empty());
  EXPECT_EQ(resumed[0].name, all[10].name);

  // Too small for even one record.
  EXPECT_EQ(dir->Seek(0, SEEK_SET).value(), 0u);
  EXPECT_EQ(ErrorOf(GetdentsOnce(*dir, 16)), Errno(EINVAL));
  EXPECT_EQ(GetdentsOnce(*dir, 100)->at(0).name, all[0].name) << "EINVAL moved the offset";
  // A buffer the guest can't write: EFAULT, and nothing is lost.
  ASSERT_TRUE(dir->Seek(all[4].off, SEEK_SET).ok());
  VectorMemory mem(8);
  EXPECT_EQ(ErrorOf(dir->Getdents(mem, GuestAddr(0x1000), 4096)), Errno(EFAULT));
  EXPECT_EQ(GetdentsOnce(*dir, 4096)->at(0).name, all[5].name);

  EXPECT_EQ(ErrorOf(ReadSome(*dir, 10)), Errno(EISDIR));
  std::byte b[4];
  EXPECT_EQ(ErrorOf(dir->PRead(b, 0)), Errno(EISDIR));
}

TEST_F(HostViewTest, OpenFlagErrors) {
  EXPECT_EQ(OpenError("/abs_passwd", O_RDONLY | O_NOFOLLOW), Errno(ELOOP));
  EXPECT_EQ(OpenError("/bin", O_RDONLY | O_NOFOLLOW), Errno(ELOOP));
  EXPECT_EQ(OpenError("/etc/passwd", O_RDONLY | O_DIRECTORY), Errno(ENOTDIR));
  EXPECT_EQ(OpenError("/bin", O_RDONLY | O_NOFOLLOW | O_DIRECTORY), Errno(ENOTDIR));
  EXPECT_TRUE(Open("/bin", O_RDONLY | O_DIRECTORY).ok());
  EXPECT_TRUE(Open("/bin/", O_RDONLY | O_NOFOLLOW).ok()) << "a trailing slash follows";
  EXPECT_EQ(OpenError("/nope"), Errno(ENOENT));
  EXPECT_EQ(OpenError("/etc/passwd/"), Errno(ENOTDIR));
  EXPECT_EQ(OpenError("/etc/passwd/x"), Errno(ENOTDIR));

  // O_PATH on a symlink with O_NOFOLLOW: a handle on the link itself.
  Result<vfs::FileRef> link = Open("/abs_passwd", O_PATH | O_NOFOLLOW);
  ASSERT_TRUE(link.ok());
  EXPECT_TRUE(S_ISLNK((*link)->Stat()->mode));
  EXPECT_EQ((*link)->Stat()->ino, HostLstat("abs_passwd").st_ino);
  // O_PATH: stat and path only. Write access and O_CREAT mean nothing to it.
  Result<vfs::FileRef> p = Open("/abs_passwd", O_PATH | O_RDWR | O_CREAT);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->path(), "/etc/passwd");
  EXPECT_EQ((*p)->Stat()->ino, HostLstat("etc/passwd").st_ino);
  EXPECT_EQ(ErrorOf(ReadSome(**p, 4)), Errno(EBADF));
  EXPECT_EQ(ErrorOf((*p)->Seek(0, SEEK_SET)), Errno(EBADF));
  std::byte b[4];
  EXPECT_EQ(ErrorOf((*p)->PRead(b, 0)), Errno(EBADF));
  EXPECT_EQ((*p)->GetMappable(), nullptr);
  Result<vfs::FileRef> d = Open("/etc", O_PATH | O_DIRECTORY);
  ASSERT_TRUE(d.ok());
  VectorMemory mem(4096);
  EXPECT_EQ(ErrorOf((*d)->Getdents(mem, GuestAddr(VectorMemory::kBase), 4096)), Errno(EBADF));
  EXPECT_TRUE(S_ISDIR((*d)->Stat()->mode));
  EXPECT_EQ(OpenError("/etc/passwd", O_PATH | O_DIRECTORY), Errno(ENOTDIR));
}

TEST_F(HostViewTest, StatusFlagsAreKept) {
  vfs::FileRef f = *Open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_CREAT | O_NOCTTY);
  EXPECT_EQ(f->flags(), static_cast<uint32_t>(O_RDONLY | O_NONBLOCK));
}

TEST_F(HostViewTest, Access) {
  EXPECT_TRUE(view_->Access(caller_, "/etc/passwd", F_OK, true).ok());
  EXPECT_TRUE(view_->Access(caller_, "/etc/passwd", R_OK, true).ok());
  EXPECT_TRUE(view_->Access(caller_, "/private_file", R_OK, true).ok());
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/usr/bin/data", X_OK, true)), Errno(EACCES));
  EXPECT_TRUE(view_->Access(caller_, "/bin/tool", X_OK | R_OK, true).ok());
  EXPECT_TRUE(view_->Access(caller_, "/etc", X_OK, true).ok());
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/etc", 8, true)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/dangling", F_OK, true)), Errno(ENOENT));
  EXPECT_TRUE(view_->Access(caller_, "/dangling", F_OK, false).ok());

  // A guest user without capabilities meets the host's mode bits.
  sentry::auth::Credentials user;
  user.uid = user.euid = user.fsuid = getuid() + 1;
  user.gid = user.egid = user.fsgid = getgid() + 1;
  user.cap_effective = 0;
  const vfs::Caller u{&user, 42, ""};
  EXPECT_EQ(ErrorOf(view_->Access(u, "/private_file", R_OK, true)), Errno(EACCES));
  EXPECT_EQ(ErrorOf(view_->Open(u, "/private_file", O_RDONLY, 0)), Errno(EACCES));
  EXPECT_TRUE(view_->Access(u, "/etc/passwd", R_OK, true).ok());
  ASSERT_EQ(chmod((root_ + "/locked").c_str(), 0700), 0);
  EXPECT_EQ(ErrorOf(view_->Stat(u, "/locked/inside", true)), Errno(EACCES));
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(u, "/locked")), Errno(EACCES));
  EXPECT_TRUE(view_->Stat(caller_, "/locked/inside", true).ok());
  ASSERT_EQ(chmod((root_ + "/locked").c_str(), 0755), 0);
}

TEST_F(HostViewTest, ResolveDirectory) {
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/bin/../lib/./")), "/usr/lib");
  // ".." after a symlink is the parent of its target, as in Linux.
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/bin/../etc")), Errno(ENOENT));
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/usr/bin/../../etc/./")), "/etc");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/bin")), "/usr/bin");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/dir_link/lib")), "/usr/lib");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/")), "/");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/../..")), "/");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "//usr///lib//")), "/usr/lib");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/dev")), "/dev");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/proc/self")), "/proc/42");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/proc/self/..")), "/proc");
  EXPECT_EQ(ValueOrError(view_->ResolveDirectory(caller_, "/proc/self/../..")), "/");
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/etc/passwd")), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/abs_passwd")), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/nope")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(view_->ResolveDirectory(caller_, "/nope/..")), Errno(ENOENT));
}

TEST_F(HostViewTest, TrailingSlashes) {
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/etc/passwd/", true)), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/abs_passwd/", false)), Errno(ENOTDIR));
  // lstat of "link/" looks at what the link points to.
  Result<abi::linux::Stat> bin = view_->Stat(caller_, "/bin/", /*follow=*/false);
  ASSERT_TRUE(bin.ok());
  EXPECT_TRUE(S_ISDIR(bin->mode));
  EXPECT_EQ(bin->ino, HostLstat("usr/bin").st_ino);
  EXPECT_TRUE(S_ISLNK(view_->Stat(caller_, "/bin", false)->mode));
  EXPECT_EQ(ErrorOf(view_->Readlink(caller_, "/bin/")), Errno(EINVAL));
  EXPECT_TRUE(view_->Stat(caller_, "/etc//", true).ok());
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/nope/", true)), Errno(ENOENT));
}

TEST_F(HostViewTest, BadPaths) {
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "", true)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "etc/passwd", true)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, std::string_view("/etc/shadow\0x", 13), true)),
            Errno(EINVAL));
  const std::string long_name(vfs::kNameMax + 1, 'a');
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/" + long_name, true)), Errno(ENAMETOOLONG));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/etc/" + long_name + "/x", true)), Errno(ENAMETOOLONG));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/" + long_name.substr(1), true)), Errno(ENOENT));
  std::string long_path;
  while (long_path.size() < vfs::kPathMax) long_path += "/.";
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, long_path, true)), Errno(ENAMETOOLONG));
  EXPECT_TRUE(view_->Stat(caller_, long_path.substr(0, vfs::kPathMax - 2), true).ok());
}

TEST_F(HostViewTest, DevIsTheSandboxs) {
  Result<abi::linux::Stat> null = view_->Stat(caller_, "/dev/null", true);
  ASSERT_TRUE(null.ok());
  EXPECT_TRUE(S_ISCHR(null->mode));
  EXPECT_EQ(null->mode & 07777, 0666u);
  EXPECT_EQ(null->rdev, makedev(1, 3));
  EXPECT_EQ(view_->Stat(caller_, "/dev/urandom", true)->rdev, makedev(1, 9));
  Result<abi::linux::Stat> dev = view_->Stat(caller_, "/dev", true);
  ASSERT_TRUE(dev.ok());
  EXPECT_TRUE(S_ISDIR(dev->mode));
  EXPECT_EQ(dev->mode & 07777, 0755u);

  std::vector<Dirent> listing = ListAll(**Open("/dev", O_RDONLY | O_DIRECTORY), 64);
  EXPECT_EQ(Names(listing), (std::set<std::string>{".", "..", "null", "zero", "full", "random",
                                                   "urandom", "stdin", "stdout", "stderr", "fd"}));
  for (const Dirent& d : listing) {
    if (d.name == ".") {
      EXPECT_EQ(d.ino, dev->ino);
    }
    if (d.name == "..") {
      EXPECT_EQ(d.ino, HostLstat("").st_ino);
    }
    if (d.name == "null") {
      EXPECT_EQ(d.type, kDtChr);
    }
    if (d.name == "stdin") {
      EXPECT_EQ(d.type, kDtLnk);
    }
  }

  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/dev/stdin")), "/proc/self/fd/0");
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/dev/fd")), "/proc/self/fd");
  EXPECT_EQ(OpenError("/dev/stdin"), Errno(ENOENT));  // /proc/self/fd doesn't exist yet
  EXPECT_EQ(OpenError("/dev/host_only"), Errno(ENOENT));
  EXPECT_EQ(OpenError("/dev/newfile", O_WRONLY | O_CREAT), Errno(EROFS));
  EXPECT_EQ(OpenError("/dev/null/x"), Errno(ENOTDIR));

  Result<vfs::FileRef> f = Open("/dev/null", O_WRONLY | O_TRUNC | O_CREAT);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->path(), "/dev/null");
  VectorMemory mem(100);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), 100}});
  EXPECT_EQ(*(*f)->Write(io, std::nullopt), 100u);
  std::string zeros = *ReadSome(**Open("/dev/../dev/./zero"), 10);
  EXPECT_EQ(zeros, std::string(10, '\0'));
  EXPECT_TRUE(view_->Access(caller_, "/dev/null", R_OK | W_OK, true).ok());
  EXPECT_EQ(ErrorOf(view_->Access(caller_, "/dev/null", X_OK, true)), Errno(EACCES));
  EXPECT_EQ(ReadAll(**Open("/dev/../etc/passwd")), "root:x:0:0:scratch passwd\n");
}

TEST_F(HostViewTest, ProcSelfAndExe) {
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/proc/self")), "42");
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/proc/self/exe")), "/usr/bin/tool");
  EXPECT_EQ(ValueOrError(view_->Readlink(caller_, "/proc/42/exe")), "/usr/bin/tool");
  Result<vfs::FileRef> exe = Open("/proc/self/exe");
  ASSERT_TRUE(exe.ok());
  EXPECT_EQ(ReadAll(**exe), "#!/bin/true\n");
  EXPECT_EQ((*exe)->path(), "/usr/bin/tool");
  EXPECT_EQ(view_->Stat(caller_, "/proc/self/exe", true)->ino, HostLstat("usr/bin/tool").st_ino);
  EXPECT_TRUE(S_ISLNK(view_->Stat(caller_, "/proc/self/exe", false)->mode));
  EXPECT_TRUE(view_->Access(caller_, "/proc/self/exe", X_OK, true).ok());

  Result<abi::linux::Stat> proc = view_->Stat(caller_, "/proc", true);
  ASSERT_TRUE(proc.ok());
  EXPECT_TRUE(S_ISDIR(proc->mode));
  EXPECT_EQ(proc->mode & 07777, 0555u);
  EXPECT_TRUE(S_ISDIR(view_->Stat(caller_, "/proc/self", true)->mode));
  EXPECT_EQ(Names(ListAll(**Open("/proc"))), (std::set<std::string>{".", "..", "self", "42"}));
  EXPECT_EQ(Names(ListAll(**Open("/proc/self/"))), (std::set<std::string>{".", "..", "exe"}));
  EXPECT_EQ(Open("/proc/self")->get()->path(), "/proc/42");

  for (const char* path : {"/proc/self/maps", "/proc/1", "/proc/43/exe", "/proc/host_only",
                           "/proc/meminfo", "/proc/self/fd/0"}) {
    EXPECT_EQ(ErrorOf(view_->Stat(caller_, path, true)), Errno(ENOENT)) << path;
  }
  EXPECT_EQ(OpenError("/proc/self", O_WRONLY), Errno(EISDIR));
  // Another process sees its own.
  const vfs::Caller other{&creds_, 7, "/etc/passwd"};
  EXPECT_EQ(ValueOrError(view_->Readlink(other, "/proc/self")), "7");
  EXPECT_EQ(ReadAll(**view_->Open(other, "/proc/self/exe", O_RDONLY, 0)),
            "root:x:0:0:scratch passwd\n");
  // The exe target is walked like any path: the policy applies.
  const vfs::Caller sneaky{&creds_, 7, "/etc/shadow"};
  EXPECT_EQ(ErrorOf(view_->Open(sneaky, "/proc/self/exe", O_RDONLY, 0)), Errno(ENOENT));
}

TEST_F(HostViewTest, CreateErrors) {
  EXPECT_EQ(ErrorOf(HostView::Create(ViewOptions(root_ + "/nope"))), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(HostView::Create(ViewOptions(root_ + "/etc/passwd"))), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(HostView::Create(ViewOptions(""))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(HostView::Create(ViewOptions(root_, "home/me"))), Errno(EINVAL));
  // A cwd outside /home and /root shows nothing more.
  std::unique_ptr<HostView> outside = Create(ViewOptions(root_, "/usr/lib/../bin"));
  EXPECT_EQ(ErrorOf(outside->Stat(caller_, "/home", true)), Errno(ENOENT));
  EXPECT_TRUE(outside->Stat(caller_, "/usr/bin", true).ok());
  EXPECT_EQ(ErrorOf(HostView::Create(ViewOptions(root_, "", {"usr"}))), Errno(EINVAL));
  std::unique_ptr<HostView> v = Create(ViewOptions(root_, "", {"/usr/lib"}));
  EXPECT_EQ(ErrorOf(v->Stat(caller_, "/etc/os-release", true)), Errno(ENOENT));
  EXPECT_TRUE(v->Stat(caller_, "/usr/bin/tool", true).ok());
}

// A host whose /home and /root are symlinks (Fedora Silverblue: /home -> var/home).
class HostViewAliasTest : public ViewTest {
 protected:
  void SetUp() override {
    root_ = MakeScratchRoot();
    for (const char* d :
         {"var", "var/home", "var/home/me", "var/home/me/proj", "var/home/other", "var/roothome"}) {
      MakeDir(root_, d);
    }
    MakeFile(root_, "var/home/me/proj/file", "mine");
    MakeFile(root_, "var/home/other/notes", "not yours");
    MakeFile(root_, "var/roothome/.bashrc", "root's");
    MakeLink(root_, "home", "var/home");
    MakeLink(root_, "root", "var/roothome");
  }
  void TearDown() override { RemoveTree(root_); }
};

TEST_F(HostViewAliasTest, TheRealTreesAreHiddenToo) {
  view_ = Create(ViewOptions(root_, "/home/me/proj"));
  ASSERT_NE(view_, nullptr);
  EXPECT_EQ(ReadAll(**Open("/var/home/me/proj/file")), "mine");
  EXPECT_EQ(OpenError("/var/home/other/notes"), Errno(ENOENT));
  EXPECT_EQ(OpenError("/var/roothome/.bashrc"), Errno(ENOENT));
  EXPECT_EQ(Names(ListAll(**Open("/var/home"))), (std::set<std::string>{".", "..", "me"}));
  EXPECT_EQ(Names(ListAll(**Open("/var"))), (std::set<std::string>{".", "..", "home"}));
  // The link names themselves are hidden like the trees.
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/home", false)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(view_->Stat(caller_, "/root", false)), Errno(ENOENT));
  std::unique_ptr<HostView> plain = Create(ViewOptions(root_));
  EXPECT_EQ(ErrorOf(plain->Stat(caller_, "/var/home/me/proj/file", true)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(plain->Stat(caller_, "/var/home", true)), Errno(ENOENT));
}

}  // namespace
}  // namespace kekkai::fs::hostview
