// Tests of tmpfs inodes and open files, used directly (no VFS): names, link
// counts, times, file data in MemoryFile pages, and space accounting.
#include "fs/tmpfs/tmpfs.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fs/tmpfs/directory.h"
#include "fs/tmpfs/node.h"
#include "fs/tmpfs/regular_file.h"
#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::tmpfs {
namespace {

namespace linux = abi::linux;
using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;

constexpr uint64_t P = kPageSize;
constexpr uint64_t kDev = 0x2a;  // makedev(0, 42)

template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

vfs::NewNode Attrs(uint32_t mode, uint32_t uid = 0, uint32_t gid = 0, uint64_t rdev = 0) {
  return vfs::NewNode{mode, uid, gid, rdev};
}

linux::Stat StatOf(vfs::Inode& i) {
  Result<linux::Stat> st = i.Stat();
  EXPECT_TRUE(st.ok());
  return st.ok() ? *st : linux::Stat{};
}

// Writes `s` through `f` (at `off`, or the file offset).
Result<size_t> WriteStr(vfs::FileDescription& f, std::string_view s,
                        std::optional<uint64_t> off = std::nullopt) {
  VectorMemory mem(std::max<size_t>(s.size(), 1));
  std::memcpy(mem.bytes().data(), s.data(), s.size());
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), s.size()}});
  return f.Write(io, off);
}

// Reads up to `n` bytes through `f`.
std::string ReadStr(vfs::FileDescription& f, size_t n, std::optional<uint64_t> off = std::nullopt) {
  VectorMemory mem(std::max<size_t>(n, 1), std::byte{'?'});
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), n}});
  Result<size_t> r = f.Read(io, off);
  EXPECT_TRUE(r.ok()) << ErrorOf(r).value();
  if (!r.ok()) return "";
  return std::string(reinterpret_cast<const char*>(mem.bytes().data()), *r);
}

bool Before(const linux::Timespec& a, const linux::Timespec& b) {
  return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec);
}

class TmpfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mf = sentry::mm::MemoryFile::Create(uint64_t{1} << 30);
    ASSERT_TRUE(mf.ok());
    mf_ = std::move(mf).value();
    MakeFs(0);
  }

  void MakeFs(uint64_t limit) {
    root_.reset();
    fs_ = Tmpfs::Create(*mf_, kDev, limit);
    auto root = fs_->NewRoot(01777, 0, 0);
    ASSERT_TRUE(root.ok());
    root_ = std::static_pointer_cast<Directory>(*root);
  }

  // Creates the regular file `name` in `dir` open O_RDWR (plus `flags`).
  std::pair<vfs::InodeRef, vfs::FileRef> Create(Directory& dir, std::string_view name,
                                                uint32_t flags = 0) {
    auto r = dir.CreateFile(name, Attrs(linux::kSIfreg | 0644), O_RDWR | flags);
    EXPECT_TRUE(r.ok()) << ErrorOf(r).value();
    return r.ok() ? *r : std::pair<vfs::InodeRef, vfs::FileRef>{};
  }

  std::shared_ptr<Directory> Mkdir(Directory& dir, std::string_view name) {
    auto r = dir.Mkdir(name, Attrs(linux::kSIfdir | 0755));
    EXPECT_TRUE(r.ok()) << ErrorOf(r).value();
    return r.ok() ? std::static_pointer_cast<Directory>(*r) : nullptr;
  }

  // Sets all three times of `i` to the epoch plus `sec`.
  static void SetTimes(vfs::Inode& i, int64_t sec) {
    vfs::SetAttr a;
    a.mask = vfs::SetAttr::kAtime | vfs::SetAttr::kMtime | vfs::SetAttr::kCtime;
    a.atime = a.mtime = a.ctime = {sec, 0};
    ASSERT_TRUE(i.SetStat(a).ok());
  }

  static std::vector<std::string> Names(vfs::Inode& dir) {
    std::vector<std::string> out;
    auto entries = dir.ReadDir();
    EXPECT_TRUE(entries.ok());
    if (entries.ok()) {
      for (const auto& e : *entries) out.push_back(e.name);
    }
    return out;
  }

  std::unique_ptr<sentry::mm::MemoryFile> mf_;
  std::shared_ptr<Tmpfs> fs_;
  std::shared_ptr<Directory> root_;
};

// ---------------------------------------------------------------- names

TEST_F(TmpfsTest, CreateLookupReadDir) {
  auto [file, fd] = Create(*root_, "b");
  ASSERT_NE(file, nullptr);
  auto dir = Mkdir(*root_, "a");
  ASSERT_TRUE(root_->Symlink("c", "/target", Attrs(linux::kSIflnk | 0777)).ok());
  ASSERT_TRUE(root_->Mknod("d", Attrs(linux::kSIfifo | 0600)).ok());
  ASSERT_TRUE(root_->Mknod("e", Attrs(linux::kSIfchr | 0600, 0, 0, 0x103)).ok());

  EXPECT_EQ(*root_->Lookup("b"), file);
  EXPECT_EQ(*root_->Lookup("a"), dir);
  EXPECT_EQ(ErrorOf(root_->Lookup("zz")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(root_->CreateFile("b", Attrs(linux::kSIfreg | 0644), O_RDWR)), Errno(EEXIST));
  EXPECT_EQ(ErrorOf(root_->Mkdir("b", Attrs(linux::kSIfdir | 0755))), Errno(EEXIST));
  EXPECT_EQ(ErrorOf(root_->Mknod("x", Attrs(linux::kSIfdir | 0755))), Errno(EPERM));

  auto entries = root_->ReadDir();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 5u);
  const uint8_t want_types[] = {4 /*DT_DIR*/, 8 /*DT_REG*/, 10 /*DT_LNK*/, 1 /*DT_FIFO*/,
                                2 /*DT_CHR*/};
  std::set<uint64_t> inos{StatOf(*root_).ino};
  for (size_t i = 0; i < entries->size(); ++i) {
    const vfs::DirEntry& e = (*entries)[i];
    EXPECT_EQ(e.name, std::string(1, static_cast<char>('a' + i)));
    EXPECT_EQ(e.type, want_types[i]) << e.name;
    auto child = root_->Lookup(e.name);
    ASSERT_TRUE(child.ok());
    const linux::Stat st = StatOf(**child);
    EXPECT_EQ(e.ino, st.ino);
    EXPECT_EQ(st.dev, kDev);
    inos.insert(st.ino);
  }
  EXPECT_EQ(inos.size(), 6u) << "inode numbers repeat";
  EXPECT_EQ(StatOf(*root_).ino, 1u);
  EXPECT_EQ(StatOf(**root_->Lookup("e")).rdev, 0x103u);
  // Linux's tmpfs directory size: 20 bytes per entry, "." and ".." included.
  EXPECT_EQ(StatOf(*root_).size, 7 * 20);
}

TEST_F(TmpfsTest, SymlinksAndSpecialFiles) {
  auto link = root_->Symlink("l", "some/where", Attrs(linux::kSIflnk | 0777));
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*(*link)->Readlink(), "some/where");
  const linux::Stat st = StatOf(**link);
  EXPECT_EQ(st.mode, linux::kSIflnk | 0777);
  EXPECT_EQ(st.size, 10);
  EXPECT_EQ(ErrorOf((*link)->Open(O_RDONLY)), Errno(ELOOP));
  for (uint32_t type : {linux::kSIfifo, linux::kSIfsock, linux::kSIfchr, linux::kSIfblk}) {
    const std::string name = "n" + std::to_string(type);
    auto node = root_->Mknod(name, Attrs(type | 0644));
    ASSERT_TRUE(node.ok());
    EXPECT_EQ(StatOf(**node).mode, type | 0644);
    if (type == linux::kSIfifo) {
      // A FIFO opens its pipe: without a writer a blocking reader waits.
      auto fifo = (*node)->Open(O_RDONLY);
      ASSERT_TRUE(fifo.ok());
      EXPECT_TRUE((*fifo)->OpenPending());
      EXPECT_TRUE((*node)->Open(O_WRONLY | O_NONBLOCK).ok());
      EXPECT_FALSE((*fifo)->OpenPending());
    } else {
      EXPECT_EQ(ErrorOf((*node)->Open(O_RDONLY)), Errno(ENXIO));
    }
  }
  auto [file, fd] = Create(*root_, "f");
  EXPECT_EQ(ErrorOf(file->Readlink()), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(file->Lookup("x")), Errno(ENOTDIR));
  // Directories open as vfs::DirectoryFile.
  auto dfd = root_->Open(O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dfd.ok());
  EXPECT_EQ((*dfd)->Stat()->ino, StatOf(*root_).ino);
  VectorMemory dm(8);
  IoSequence dio(dm, {GuestRange{GuestAddr(VectorMemory::kBase), 8}});
  EXPECT_EQ(ErrorOf((*dfd)->Read(dio, std::nullopt)), Errno(EISDIR));
}

TEST_F(TmpfsTest, LinkCounts) {
  EXPECT_EQ(StatOf(*root_).nlink, 2u);
  auto a = Mkdir(*root_, "a");
  EXPECT_EQ(StatOf(*root_).nlink, 3u);
  EXPECT_EQ(StatOf(*a).nlink, 2u);
  auto x = Mkdir(*a, "x");
  EXPECT_EQ(StatOf(*a).nlink, 3u);
  auto [file, fd] = Create(*a, "f");
  EXPECT_EQ(StatOf(*file).nlink, 1u);
  EXPECT_EQ(StatOf(*a).nlink, 3u) << "files don't count";
  ASSERT_TRUE(root_->Link("f2", file).ok());
  EXPECT_EQ(StatOf(*file).nlink, 2u);
  EXPECT_EQ(*root_->Lookup("f2"), file);
  EXPECT_EQ(ErrorOf(root_->Link("f2", file)), Errno(EEXIST));
  EXPECT_EQ(StatOf(*file).nlink, 2u);
  EXPECT_EQ(ErrorOf(root_->Link("dirlink", a)), Errno(EPERM));
  // Another tmpfs's inode can't be linked here.
  auto other = Tmpfs::Create(*mf_, kDev + 1);
  auto oroot = other->NewRoot(0755, 0, 0);
  ASSERT_TRUE(oroot.ok());
  auto ofile = (*oroot)->CreateFile("o", Attrs(linux::kSIfreg | 0644), O_RDWR);
  ASSERT_TRUE(ofile.ok());
  EXPECT_EQ(ErrorOf(root_->Link("o", ofile->first)), Errno(EXDEV));

  ASSERT_TRUE(a->Unlink("f", *file).ok());
  EXPECT_EQ(StatOf(*file).nlink, 1u);
  EXPECT_EQ(ErrorOf(a->Unlink("f", *file)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(root_->Unlink("f2", *a)), Errno(EISDIR));
  ASSERT_TRUE(root_->Unlink("f2", *file).ok());
  EXPECT_EQ(StatOf(*file).nlink, 0u);

  ASSERT_TRUE(a->Rmdir("x", *x).ok());
  EXPECT_EQ(StatOf(*a).nlink, 2u);
  EXPECT_EQ(StatOf(*x).nlink, 0u);
  ASSERT_TRUE(root_->Rmdir("a", *a).ok());
  EXPECT_EQ(StatOf(*root_).nlink, 2u);
}

TEST_F(TmpfsTest, RmdirNeedsAnEmptyDirectory) {
  auto a = Mkdir(*root_, "a");
  auto [file, fd] = Create(*a, "f");
  EXPECT_EQ(ErrorOf(root_->Rmdir("a", *a)), Errno(ENOTEMPTY));
  EXPECT_EQ(*root_->Lookup("a"), a);
  EXPECT_EQ(ErrorOf(root_->Rmdir("a", *file)), Errno(ENOTDIR));
  ASSERT_TRUE(a->Unlink("f", *file).ok());
  ASSERT_TRUE(root_->Rmdir("a", *a).ok());
  EXPECT_EQ(ErrorOf(root_->Lookup("a")), Errno(ENOENT));
  // Nothing can be made in a removed directory that is still open.
  EXPECT_EQ(ErrorOf(a->Mkdir("y", Attrs(linux::kSIfdir | 0755))), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(a->CreateFile("y", Attrs(linux::kSIfreg | 0644), O_RDWR)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(a->CreateTmpfile(Attrs(linux::kSIfreg | 0644), O_RDWR)), Errno(ENOENT));
}

// ---------------------------------------------------------------- rename

TEST_F(TmpfsTest, RenameMovesAndReplaces) {
  auto a = Mkdir(*root_, "a");
  auto b = Mkdir(*root_, "b");
  auto [f, ffd] = Create(*a, "f");
  auto [g, gfd] = Create(*b, "g");
  // Within a directory.
  ASSERT_TRUE(a->Rename("f", *f, *a, "f1", nullptr, 0).ok());
  EXPECT_EQ(Names(*a), std::vector<std::string>{"f1"});
  // Over another file: it loses its name.
  ASSERT_TRUE(a->Rename("f1", *f, *b, "g", g.get(), 0).ok());
  EXPECT_EQ(*b->Lookup("g"), f);
  EXPECT_TRUE(Names(*a).empty());
  EXPECT_EQ(StatOf(*g).nlink, 0u);
  EXPECT_EQ(StatOf(*f).nlink, 1u);
  // RENAME_NOREPLACE over an existing name.
  auto [h, hfd] = Create(*b, "h");
  EXPECT_EQ(ErrorOf(b->Rename("g", *f, *b, "h", h.get(), linux::kRenameNoreplace)), Errno(EEXIST));
  // A stale name.
  EXPECT_EQ(ErrorOf(a->Rename("f1", *f, *b, "z", nullptr, 0)), Errno(ENOENT));
  // Whiteouts are not supported.
  EXPECT_EQ(ErrorOf(b->Rename("g", *f, *b, "w", nullptr, linux::kRenameWhiteout)), Errno(EINVAL));
}

TEST_F(TmpfsTest, RenameDirectoryFixesLinkCounts) {
  auto a = Mkdir(*root_, "a");
  auto b = Mkdir(*root_, "b");
  auto d = Mkdir(*a, "d");
  EXPECT_EQ(StatOf(*a).nlink, 3u);
  EXPECT_EQ(StatOf(*b).nlink, 2u);
  ASSERT_TRUE(a->Rename("d", *d, *b, "d", nullptr, 0).ok());
  EXPECT_EQ(StatOf(*a).nlink, 2u);
  EXPECT_EQ(StatOf(*b).nlink, 3u);
  EXPECT_EQ(StatOf(*d).nlink, 2u);
  // Over an empty directory: it goes, and the parent counts one subdirectory.
  auto e = Mkdir(*a, "e");
  ASSERT_TRUE(b->Rename("d", *d, *a, "e", e.get(), 0).ok());
  EXPECT_EQ(StatOf(*a).nlink, 3u);
  EXPECT_EQ(StatOf(*b).nlink, 2u);
  EXPECT_EQ(StatOf(*e).nlink, 0u);
  EXPECT_EQ(*a->Lookup("e"), d);
  EXPECT_EQ(ErrorOf(e->Mkdir("z", Attrs(linux::kSIfdir | 0755))), Errno(ENOENT));
  // Over a non-empty one: ENOTEMPTY, nothing changes.
  auto full = Mkdir(*b, "full");
  Mkdir(*full, "inner");
  EXPECT_EQ(ErrorOf(a->Rename("e", *d, *b, "full", full.get(), 0)), Errno(ENOTEMPTY));
  EXPECT_EQ(*a->Lookup("e"), d);
  EXPECT_EQ(*b->Lookup("full"), full);
  EXPECT_EQ(StatOf(*a).nlink, 3u);
  EXPECT_EQ(StatOf(*b).nlink, 3u);
  EXPECT_EQ(StatOf(*full).nlink, 3u);
}

TEST_F(TmpfsTest, RenameExchange) {
  auto a = Mkdir(*root_, "a");
  auto b = Mkdir(*root_, "b");
  auto d = Mkdir(*a, "d");
  auto [f, ffd] = Create(*b, "f");
  // A directory and a file swap parents: the link counts follow the directory.
  ASSERT_TRUE(a->Rename("d", *d, *b, "f", f.get(), linux::kRenameExchange).ok());
  EXPECT_EQ(*a->Lookup("d"), f);
  EXPECT_EQ(*b->Lookup("f"), d);
  EXPECT_EQ(StatOf(*a).nlink, 2u);
  EXPECT_EQ(StatOf(*b).nlink, 3u);
  EXPECT_EQ(StatOf(*f).nlink, 1u);
  EXPECT_EQ(StatOf(*d).nlink, 2u);
  // Within one directory.
  auto [g, gfd] = Create(*a, "g");
  ASSERT_TRUE(a->Rename("d", *f, *a, "g", g.get(), linux::kRenameExchange).ok());
  EXPECT_EQ(*a->Lookup("d"), g);
  EXPECT_EQ(*a->Lookup("g"), f);
  EXPECT_EQ(ErrorOf(a->Rename("d", *g, *a, "none", nullptr, linux::kRenameExchange)),
            Errno(ENOENT));
}

TEST_F(TmpfsTest, RenameAcrossFilesystemsIsExdev) {
  auto other = Tmpfs::Create(*mf_, kDev + 1);
  auto oroot = other->NewRoot(0755, 0, 0);
  ASSERT_TRUE(oroot.ok());
  auto [f, fd] = Create(*root_, "f");
  EXPECT_EQ(ErrorOf(root_->Rename("f", *f, **oroot, "f", nullptr, 0)), Errno(EXDEV));
  EXPECT_EQ(ErrorOf(root_->Rename("f", *f, *f, "f", nullptr, 0)), Errno(EXDEV));
}

// ---------------------------------------------------------------- times

TEST_F(TmpfsTest, TimesFollowLinux) {
  auto a = Mkdir(*root_, "a");
  SetTimes(*a, 1000);
  auto [f, fd] = Create(*a, "f");
  linux::Stat st = StatOf(*a);
  EXPECT_GT(st.mtime.sec, 1000) << "creating a name changes the directory";
  EXPECT_GT(st.ctime.sec, 1000);
  EXPECT_EQ(st.atime.sec, 1000);

  // SetStat sets what it is given, nothing else.
  SetTimes(*f, 2000);
  vfs::SetAttr chmod;
  chmod.mask = vfs::SetAttr::kMode | vfs::SetAttr::kCtime;
  chmod.mode = 04711;
  chmod.ctime = {3000, 7};
  ASSERT_TRUE(f->SetStat(chmod).ok());
  st = StatOf(*f);
  EXPECT_EQ(st.mode, linux::kSIfreg | 04711);
  EXPECT_EQ(st.ctime.sec, 3000);
  EXPECT_EQ(st.ctime.nsec, 7);
  EXPECT_EQ(st.mtime.sec, 2000);
  vfs::SetAttr chown;
  chown.mask = vfs::SetAttr::kUid | vfs::SetAttr::kGid;
  chown.uid = 12;
  chown.gid = 34;
  ASSERT_TRUE(f->SetStat(chown).ok());
  st = StatOf(*f);
  EXPECT_EQ(st.uid, 12u);
  EXPECT_EQ(st.gid, 34u);

  // A write changes mtime and ctime.
  ASSERT_TRUE(WriteStr(*fd, "data").ok());
  st = StatOf(*f);
  EXPECT_GT(st.mtime.sec, 3000);
  EXPECT_GT(st.ctime.sec, 3000);
  EXPECT_EQ(st.atime.sec, 2000);

  // A read updates atime as relatime does: when it isn't newer than mtime.
  EXPECT_EQ(ReadStr(*fd, 4, 0), "data");
  const linux::Stat after_read = StatOf(*f);
  EXPECT_FALSE(Before(after_read.atime, st.mtime));
  // ... and not again while it is newer (and less than a day old).
  vfs::SetAttr times;
  times.mask = vfs::SetAttr::kAtime | vfs::SetAttr::kMtime | vfs::SetAttr::kCtime;
  const int64_t now = after_read.atime.sec;
  times.atime = {now - 10, 0};
  times.mtime = times.ctime = {now - 20, 0};
  ASSERT_TRUE(f->SetStat(times).ok());
  EXPECT_EQ(ReadStr(*fd, 4, 0), "data");
  EXPECT_EQ(StatOf(*f).atime.sec, now - 10);
  // O_NOATIME reads never touch it.
  auto noatime = f->Open(O_RDONLY | O_NOATIME);
  ASSERT_TRUE(noatime.ok());
  SetTimes(*f, 5000);
  EXPECT_EQ(ReadStr(**noatime, 4, 0), "data");
  EXPECT_EQ(StatOf(*f).atime.sec, 5000);

  // Unlink: the directory's mtime and ctime, and the file's ctime.
  SetTimes(*a, 1000);
  ASSERT_TRUE(a->Unlink("f", *f).ok());
  EXPECT_GT(StatOf(*a).mtime.sec, 1000);
  EXPECT_GT(StatOf(*f).ctime.sec, 5000);
  EXPECT_EQ(StatOf(*f).mtime.sec, 5000);

  // Rename: both directories, and the renamed file's ctime.
  auto b = Mkdir(*root_, "b");
  auto [g, gfd] = Create(*a, "g");
  SetTimes(*a, 1000);
  SetTimes(*b, 1000);
  SetTimes(*g, 1000);
  ASSERT_TRUE(a->Rename("g", *g, *b, "g", nullptr, 0).ok());
  EXPECT_GT(StatOf(*a).mtime.sec, 1000);
  EXPECT_GT(StatOf(*b).ctime.sec, 1000);
  EXPECT_GT(StatOf(*g).ctime.sec, 1000);
  EXPECT_EQ(StatOf(*g).mtime.sec, 1000);
}

// ---------------------------------------------------------------- file data

TEST_F(TmpfsTest, ReadWriteSeek) {
  auto [f, fd] = Create(*root_, "f");
  EXPECT_EQ(*WriteStr(*fd, "hello, world"), 12u);
  EXPECT_EQ(ReadStr(*fd, 10), "") << "at the end";
  EXPECT_EQ(*fd->Seek(0, linux::kSeekSet), 0u);
  EXPECT_EQ(ReadStr(*fd, 5), "hello");
  EXPECT_EQ(ReadStr(*fd, 100), ", world");
  EXPECT_EQ(*fd->Seek(-5, linux::kSeekEnd), 7u);
  EXPECT_EQ(ReadStr(*fd, 100), "world");
  EXPECT_EQ(ErrorOf(fd->Seek(-100, linux::kSeekCur)), Errno(EINVAL));
  // pread/pwrite leave the offset alone.
  EXPECT_EQ(*WriteStr(*fd, "J", 0), 1u);
  EXPECT_EQ(ReadStr(*fd, 5, 0), "Jello");
  EXPECT_EQ(*fd->Seek(0, linux::kSeekCur), 12u);
  // Sentry-side reads (the loader's).
  std::string buf(20, '?');
  auto n = fd->PRead(std::as_writable_bytes(std::span(buf.data(), buf.size())), 7);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "world");
  // Access modes.
  auto ro = f->Open(O_RDONLY);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ErrorOf(WriteStr(**ro, "x")), Errno(EBADF));
  EXPECT_EQ(ErrorOf((*ro)->Allocate(0, 0, 10)), Errno(EBADF));
  auto wo = f->Open(O_WRONLY);
  ASSERT_TRUE(wo.ok());
  VectorMemory mem(4);
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), 4}});
  EXPECT_EQ(ErrorOf((*wo)->Read(io, 0)), Errno(EBADF));
  // The guest's buffer faulting: EFAULT, nothing written.
  IoSequence bad(mem, {GuestRange{GuestAddr(0x1000), 4}});
  EXPECT_EQ(ErrorOf(fd->Write(bad, 0)), Errno(EFAULT));
  EXPECT_EQ(StatOf(*f).size, 12);
  EXPECT_TRUE(fd->Sync().ok());
}

TEST_F(TmpfsTest, LargeWritesCrossPages) {
  auto [f, fd] = Create(*root_, "f");
  std::string data(5 * P + 123, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + (i * 7 + i / P) % 26);
  // Starting mid-page, so every step straddles pages.
  EXPECT_EQ(*WriteStr(*fd, data, 100), data.size());
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(100 + data.size()));
  EXPECT_EQ(ReadStr(*fd, data.size(), 100), data);
  EXPECT_EQ(ReadStr(*fd, 100, 0), std::string(100, '\0'));
  EXPECT_EQ(StatOf(*f).blocks, 6 * 8);
}

TEST_F(TmpfsTest, SparseFilesReadZerosAndSeekHoles) {
  auto [f, fd] = Create(*root_, "f");
  auto* file = static_cast<RegularFile*>(f.get());
  ASSERT_EQ(*WriteStr(*fd, "abc", 3 * P + 5), 3u);
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(3 * P + 8));
  EXPECT_EQ(file->page_count(), 1u);
  EXPECT_EQ(StatOf(*f).blocks, 8);
  const std::string all = ReadStr(*fd, 4 * P, 0);
  ASSERT_EQ(all.size(), 3 * P + 8);
  EXPECT_EQ(all.substr(0, 3 * P + 5), std::string(3 * P + 5, '\0'));
  EXPECT_EQ(all.substr(3 * P + 5), "abc");
  EXPECT_EQ(file->page_count(), 1u) << "reading holes allocates nothing";
  EXPECT_EQ(*fd->Seek(0, linux::kSeekData), 3 * P);
  EXPECT_EQ(*fd->Seek(10, linux::kSeekHole), 10u);
  EXPECT_EQ(*fd->Seek(3 * P + 1, linux::kSeekHole), 3 * P + 8);
  EXPECT_EQ(*fd->Seek(3 * P + 6, linux::kSeekData), 3 * P + 6);
  EXPECT_EQ(ErrorOf(fd->Seek(3 * P + 8, linux::kSeekData)), Errno(ENXIO));
  EXPECT_EQ(ErrorOf(fd->Seek(-1, linux::kSeekHole)), Errno(ENXIO));
}

TEST_F(TmpfsTest, TruncateFreesPagesAndZeroesTheTail) {
  auto [f, fd] = Create(*root_, "f");
  auto* file = static_cast<RegularFile*>(f.get());
  const uint64_t base = mf_->usage();
  ASSERT_EQ(*WriteStr(*fd, std::string(3 * P, 'x')), 3 * P);
  EXPECT_EQ(mf_->usage(), base + 3 * P);
  vfs::SetAttr t;
  t.mask = vfs::SetAttr::kSize;
  t.size = 10;
  ASSERT_TRUE(f->SetStat(t).ok());
  EXPECT_EQ(file->page_count(), 1u);
  EXPECT_EQ(mf_->usage(), base + P);
  EXPECT_EQ(StatOf(*f).blocks, 8);
  EXPECT_EQ(fs_->used_bytes(), P);
  // Growing again: the old bytes past 10 are gone.
  t.size = 2 * P + 100;
  ASSERT_TRUE(f->SetStat(t).ok());
  EXPECT_EQ(file->page_count(), 1u);
  const std::string all = ReadStr(*fd, 3 * P, 0);
  EXPECT_EQ(all, std::string(10, 'x') + std::string(2 * P + 90, '\0'));
  t.size = 0;
  ASSERT_TRUE(f->SetStat(t).ok());
  EXPECT_EQ(mf_->usage(), base);
  EXPECT_EQ(fs_->used_bytes(), 0u);
  // Other files can't truncate; directories say EISDIR.
  auto link = root_->Symlink("l", "x", Attrs(linux::kSIflnk | 0777));
  EXPECT_EQ(ErrorOf((*link)->SetStat(t)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(root_->SetStat(t)), Errno(EISDIR));
}

TEST_F(TmpfsTest, AppendIsAtTheEnd) {
  auto [f, fd] = Create(*root_, "f", O_APPEND);
  ASSERT_EQ(*WriteStr(*fd, "one"), 3u);
  ASSERT_TRUE(fd->Seek(0, linux::kSeekSet).ok());
  ASSERT_EQ(*WriteStr(*fd, "two"), 3u);
  EXPECT_EQ(*fd->Seek(0, linux::kSeekCur), 6u);
  // pwrite(2) on an O_APPEND file appends too (Linux).
  ASSERT_EQ(*WriteStr(*fd, "three", 0), 5u);
  EXPECT_EQ(ReadStr(*fd, 100, 0), "onetwothree");
  EXPECT_EQ(*fd->Seek(0, linux::kSeekCur), 6u);
}

TEST_F(TmpfsTest, ConcurrentAppendsDoNotInterleave) {
  auto [f, fd] = Create(*root_, "f", O_APPEND);
  constexpr int kWrites = 200;
  const size_t len = P + 17;  // More than a page: one write takes several steps.
  auto writer = [&, fd = fd](char c) {
    for (int i = 0; i < kWrites; ++i) ASSERT_EQ(*WriteStr(*fd, std::string(len, c)), len);
  };
  std::thread t1(writer, 'a'), t2(writer, 'b');
  t1.join();
  t2.join();
  const std::string all = ReadStr(*fd, 2 * kWrites * len + 1, 0);
  ASSERT_EQ(all.size(), 2 * kWrites * len);
  for (size_t i = 0; i < all.size(); i += len) {
    EXPECT_EQ(all.substr(i, len), std::string(len, all[i])) << "at " << i;
  }
}

TEST_F(TmpfsTest, Fallocate) {
  auto [f, fd] = Create(*root_, "f");
  auto* file = static_cast<RegularFile*>(f.get());
  ASSERT_TRUE(fd->Allocate(kFallocKeepSize, 0, 2 * P).ok());
  EXPECT_EQ(StatOf(*f).size, 0);
  EXPECT_EQ(StatOf(*f).blocks, 16);
  ASSERT_TRUE(fd->Allocate(0, P, 2 * P + 1).ok());
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(3 * P + 1));
  EXPECT_EQ(file->page_count(), 4u);
  EXPECT_EQ(ReadStr(*fd, 4 * P, 0), std::string(3 * P + 1, '\0'));
  EXPECT_EQ(ErrorOf(fd->Allocate(2 /*PUNCH_HOLE*/, 0, P)), Errno(EOPNOTSUPP));
  EXPECT_EQ(ErrorOf(fd->Allocate(0, 0, 0)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(fd->Allocate(0, kMaxFileSize, 1)), Errno(EFBIG));
  // More than the filesystem could ever hold fails at once, leaving nothing.
  EXPECT_EQ(ErrorOf(fd->Allocate(0, 0, uint64_t{1} << 50)), Errno(ENOSPC));
  EXPECT_EQ(file->page_count(), 4u);
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(3 * P + 1));
}

TEST_F(TmpfsTest, PunchHoleFreesWholePagesAndZeroesTheEnds) {
  constexpr uint32_t kPunch = kFallocPunchHole | kFallocKeepSize;
  auto [f, fd] = Create(*root_, "f");
  auto* file = static_cast<RegularFile*>(f.get());
  const uint64_t base = mf_->usage();
  ASSERT_EQ(*WriteStr(*fd, std::string(4 * P, 'x')), 4 * P);
  // Pages 1 and 2 go; the ends of pages 0 and 3 are zeroed in place.
  ASSERT_TRUE(fd->Allocate(kPunch, P - 10, 2 * P + 20).ok());
  EXPECT_EQ(file->page_count(), 2u);
  EXPECT_EQ(mf_->usage(), base + 2 * P);
  EXPECT_EQ(fs_->used_bytes(), 2 * P);
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(4 * P));
  EXPECT_EQ(StatOf(*f).blocks, 16);
  EXPECT_EQ(ReadStr(*fd, 4 * P, 0),
            std::string(P - 10, 'x') + std::string(2 * P + 20, '\0') + std::string(P - 10, 'x'));
  EXPECT_EQ(*fd->Seek(0, linux::kSeekHole), P);
  // Within one page: only zeroes.
  ASSERT_TRUE(fd->Allocate(kPunch, 5, 4).ok());
  EXPECT_EQ(file->page_count(), 2u);
  EXPECT_EQ(ReadStr(*fd, 10, 0), std::string("xxxxx\0\0\0\0x", 10));
  // Past the end, pages fallocate kept there go too; the size stays.
  ASSERT_TRUE(fd->Allocate(kFallocKeepSize, 4 * P, 2 * P).ok());
  EXPECT_EQ(file->page_count(), 4u);
  ASSERT_TRUE(fd->Allocate(kPunch, 3 * P, 8 * P).ok());
  EXPECT_EQ(file->page_count(), 1u);
  EXPECT_EQ(mf_->usage(), base + P);
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(4 * P));
  // A hole never changes the size, so PUNCH_HOLE needs KEEP_SIZE.
  EXPECT_EQ(ErrorOf(fd->Allocate(kFallocPunchHole, 0, P)), Errno(EOPNOTSUPP));
  EXPECT_EQ(ErrorOf(fd->Allocate(kPunch, 0, 0)), Errno(EINVAL));
  auto ro = f->Open(O_RDONLY);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ErrorOf((*ro)->Allocate(kPunch, 0, P)), Errno(EBADF));
}

TEST_F(TmpfsTest, FilesStartSealedShut) {
  auto [f, fd] = Create(*root_, "f");
  EXPECT_EQ(*fd->GetSeals(), vfs::kSealSeal);
  EXPECT_EQ(ErrorOf(fd->AddSeals(vfs::kSealWrite)), Errno(EPERM));
  ASSERT_EQ(*WriteStr(*fd, "still writable"), 14u);
  // Files of other kinds have no seals at all.
  auto dir = root_->Open(O_RDONLY);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(ErrorOf((*dir)->GetSeals()), Errno(EINVAL));
  EXPECT_EQ(ErrorOf((*dir)->AddSeals(vfs::kSealWrite)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf((*dir)->AllowSealing()), Errno(EINVAL));
}

TEST_F(TmpfsTest, SealsRestrictSizeAndWrites) {
  auto r = root_->CreateTmpfile(Attrs(linux::kSIfreg | 0600), O_RDWR);
  ASSERT_TRUE(r.ok());
  auto [f, fd] = *r;
  ASSERT_TRUE(fd->AllowSealing().ok());
  EXPECT_EQ(*fd->GetSeals(), 0u);
  ASSERT_EQ(*WriteStr(*fd, "abcdef"), 6u);
  vfs::SetAttr t;
  t.mask = vfs::SetAttr::kSize;

  ASSERT_TRUE(fd->AddSeals(vfs::kSealShrink).ok());
  t.size = 3;
  EXPECT_EQ(ErrorOf(f->SetStat(t)), Errno(EPERM));
  t.size = 8;
  ASSERT_TRUE(f->SetStat(t).ok());

  ASSERT_TRUE(fd->AddSeals(vfs::kSealGrow).ok());
  t.size = 9;
  EXPECT_EQ(ErrorOf(f->SetStat(t)), Errno(EPERM));
  EXPECT_EQ(ErrorOf(WriteStr(*fd, "x", 8)), Errno(EPERM));
  // A write across the end stops there.
  EXPECT_EQ(*WriteStr(*fd, "XYZ", 6), 2u);
  auto append = f->Open(O_WRONLY | O_APPEND);
  ASSERT_TRUE(append.ok());
  EXPECT_EQ(ErrorOf(WriteStr(**append, "z")), Errno(EPERM));
  ASSERT_TRUE(fd->Allocate(0, 0, 8).ok());
  EXPECT_EQ(ErrorOf(fd->Allocate(kFallocKeepSize, 8, 1)), Errno(EPERM));
  ASSERT_TRUE(fd->Allocate(kFallocPunchHole | kFallocKeepSize, 0, 1).ok());
  EXPECT_EQ(StatOf(*f).size, 8);

  // FUTURE_WRITE (and WRITE alike) stop writes and holes, not allocation.
  ASSERT_TRUE(fd->AddSeals(vfs::kSealFutureWrite).ok());
  EXPECT_EQ(ErrorOf(WriteStr(*fd, "w", 1)), Errno(EPERM));
  EXPECT_EQ(ErrorOf(fd->Allocate(kFallocPunchHole | kFallocKeepSize, 0, 1)), Errno(EPERM));
  EXPECT_TRUE(fd->Allocate(0, 0, 8).ok());
  EXPECT_EQ(ReadStr(*fd, 10, 0), std::string("\0bcdefXY", 8));

  // Only writable descriptions add seals, and only known ones.
  auto ro = f->Open(O_RDONLY);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ErrorOf((*ro)->AddSeals(vfs::kSealWrite)), Errno(EPERM));
  EXPECT_EQ(*(*ro)->GetSeals(), vfs::kSealShrink | vfs::kSealGrow | vfs::kSealFutureWrite);
  EXPECT_EQ(ErrorOf(fd->AddSeals(0x20 /*F_SEAL_EXEC*/)), Errno(EINVAL));
  ASSERT_TRUE(fd->AddSeals(vfs::kSealWrite | vfs::kSealSeal).ok());
  EXPECT_EQ(ErrorOf(fd->AddSeals(0)), Errno(EPERM));
  EXPECT_EQ(*fd->GetSeals(), vfs::kAllSeals);
}

TEST_F(TmpfsTest, StatfsAndSpaceAccounting) {
  MakeFs(4 * P + 100);  // Whole pages count.
  auto st = fs_->Statfs();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->type, 0x01021994);
  EXPECT_EQ(st->bsize, 4096);
  EXPECT_EQ(st->namelen, 255);
  EXPECT_EQ(st->blocks, 4u);
  EXPECT_EQ(st->bfree, 4u);
  EXPECT_EQ(st->bavail, 4u);
  EXPECT_EQ(st->fsid[0], static_cast<int32_t>(kDev));
  EXPECT_EQ(fs_->type_name(), "tmpfs");

  auto [f, fd] = Create(*root_, "f");
  const uint64_t base = mf_->usage();
  ASSERT_EQ(*WriteStr(*fd, std::string(2 * P, 'x')), 2 * P);
  EXPECT_EQ(fs_->Statfs()->bfree, 2u);
  EXPECT_EQ(fs_->used_bytes(), 2 * P);
  // Full: a write is cut short, then fails.
  EXPECT_EQ(*WriteStr(*fd, std::string(3 * P, 'y')), 2 * P);
  EXPECT_EQ(fs_->Statfs()->bfree, 0u);
  EXPECT_EQ(ErrorOf(WriteStr(*fd, "z")), Errno(ENOSPC));
  EXPECT_EQ(StatOf(*f).size, static_cast<int64_t>(4 * P));
  // fallocate is all or nothing.
  auto [g, gfd] = Create(*root_, "g");
  vfs::SetAttr t;
  t.mask = vfs::SetAttr::kSize;
  t.size = P;
  ASSERT_TRUE(f->SetStat(t).ok());
  EXPECT_EQ(ErrorOf(gfd->Allocate(0, 0, 4 * P)), Errno(ENOSPC));
  EXPECT_EQ(StatOf(*g).blocks, 0);
  EXPECT_EQ(StatOf(*g).size, 0);
  EXPECT_EQ(fs_->Statfs()->bfree, 3u);
  EXPECT_EQ(mf_->usage(), base + P);
  // Unlimited: the MemoryFile's size.
  MakeFs(0);
  EXPECT_EQ(fs_->Statfs()->blocks, mf_->size() / P);
}

TEST_F(TmpfsTest, UnlinkedOpenFileKeepsItsData) {
  const uint64_t base = mf_->usage();
  {
    auto [f, fd] = Create(*root_, "f");
    ASSERT_EQ(*WriteStr(*fd, std::string(2 * P, 'k')), 2 * P);
    ASSERT_TRUE(root_->Unlink("f", *f).ok());
    f.reset();
    EXPECT_EQ(StatOf(*static_cast<RegularFileDescription&>(*fd).file()).nlink, 0u);
    EXPECT_EQ(ReadStr(*fd, 3 * P, 0), std::string(2 * P, 'k'));
    ASSERT_EQ(*WriteStr(*fd, "more"), 4u);
    EXPECT_EQ(mf_->usage(), base + 3 * P);
  }
  // The last reference gone, so are the pages.
  EXPECT_EQ(mf_->usage(), base);
  EXPECT_EQ(fs_->used_bytes(), 0u);
}

TEST_F(TmpfsTest, TmpfileHasNoNameUntilLinked) {
  auto r = root_->CreateTmpfile(Attrs(linux::kSIfreg | 0600), O_RDWR);
  ASSERT_TRUE(r.ok());
  auto [f, fd] = *r;
  EXPECT_EQ(StatOf(*f).nlink, 0u);
  EXPECT_TRUE(Names(*root_).empty());
  ASSERT_EQ(*WriteStr(*fd, "memfd data"), 10u);
  EXPECT_EQ(ReadStr(*fd, 100, 0), "memfd data");
  ASSERT_TRUE(root_->Link("named", f).ok());
  EXPECT_EQ(StatOf(*f).nlink, 1u);
  EXPECT_EQ(*root_->Lookup("named"), f);
  // A mappable that shares its pages.
  auto m = fd->GetMappable();
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->shares_pages());
  EXPECT_EQ(m->device(), kDev);
  EXPECT_EQ(m->inode(), StatOf(*f).ino);
  EXPECT_EQ(*m->Size(), 10u);
}

// Extended attributes count against the size limit in whole pages, and come
// back when removed or when their node goes.
TEST_F(TmpfsTest, XattrsAreChargedToTheSize) {
  const uint64_t P = kPageSize;
  MakeFs(2 * P);
  auto [a, afd] = Create(*root_, "a");
  auto [b, bfd] = Create(*root_, "b");
  const std::string value(3000, 'v');
  ASSERT_TRUE(a->SetXattr("user.x", value, 0).ok());
  EXPECT_EQ(fs_->used_bytes(), P);
  ASSERT_TRUE(a->SetXattr("user.y", value, 0).ok());  // 6 KB: two pages.
  EXPECT_EQ(fs_->used_bytes(), 2 * P);
  EXPECT_EQ(ErrorOf(b->SetXattr("user.x", "1", 0)), Errno(ENOSPC));
  EXPECT_EQ(ErrorOf(b->GetXattr("user.x")), Errno(ENODATA));
  ASSERT_TRUE(a->RemoveXattr("user.y").ok());
  EXPECT_EQ(fs_->used_bytes(), P);
  ASSERT_TRUE(b->SetXattr("user.x", "1", 0).ok());
  EXPECT_EQ(fs_->used_bytes(), 2 * P);
  // The node's last reference goes: its attributes' page with it.
  ASSERT_TRUE(root_->Unlink("a", *a).ok());
  afd.reset();
  a.reset();
  EXPECT_EQ(fs_->used_bytes(), P);
}

}  // namespace
}  // namespace kekkai::fs::tmpfs
