// Tests of the overlay through the VFS, with a tmpfs upper layer over a tmpfs
// lower layer populated first (checked unchanged afterwards), and a lower layer
// that fails (a dead gofer's EIO).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fs/overlay/overlay_fs.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs/vfs.h"
#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::overlay {
namespace {

namespace linux = abi::linux;
using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;

template <typename T>
int ErrnoOf(const Result<T>& r) {
  return r.ok() ? 0 : r.error().value();
}

Result<size_t> WriteStr(vfs::FileDescription& f, std::string_view s,
                        std::optional<uint64_t> off = std::nullopt) {
  VectorMemory mem(std::max<size_t>(s.size(), 1));
  std::memcpy(mem.bytes().data(), s.data(), s.size());
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), s.size()}});
  return f.Write(io, off);
}

std::string ReadAll(vfs::FileDescription& f) {
  std::string out;
  for (uint64_t off = 0;;) {
    VectorMemory mem(4096);
    IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), 4096}});
    Result<size_t> r = f.Read(io, off);
    EXPECT_TRUE(r.ok()) << ErrnoOf(r);
    if (!r.ok() || *r == 0) return out;
    out.append(reinterpret_cast<const char*>(mem.bytes().data()), *r);
    off += *r;
  }
}

// A lower directory whose every call fails with EIO, as a gofer-served one does
// once the gofer died.
class DeadDir final : public vfs::Inode {
 public:
  explicit DeadDir(vfs::Filesystem& fs) : vfs::Inode(linux::kSIfdir), fs_(fs) {}
  Result<linux::Stat> Stat() override {
    if (!dead) {
      linux::Stat st{};
      st.mode = linux::kSIfdir | 0755;
      st.ino = 77;
      st.nlink = 2;
      return st;
    }
    return Errno(EIO);
  }
  Result<vfs::InodeRef> Lookup(std::string_view) override { return Errno(EIO); }
  Result<std::vector<vfs::DirEntry>> ReadDir() override { return Errno(EIO); }
  Result<vfs::FileRef> Open(uint32_t) override { return Errno(EIO); }
  vfs::Filesystem& filesystem() override { return fs_; }
  bool dead = false;

 private:
  vfs::Filesystem& fs_;
};

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mf = sentry::mm::MemoryFile::Create(uint64_t{1} << 30);
    ASSERT_TRUE(mf.ok());
    mf_ = std::move(mf).value();
    lower_fs_ = tmpfs::Tmpfs::Create(*mf_, 1);
    auto lroot = lower_fs_->NewRoot(0755, 0, 0);
    ASSERT_TRUE(lroot.ok());
    lower_root_ = *lroot;
    lower_vfs_ = std::make_unique<vfs::Vfs>();
    ASSERT_TRUE(lower_vfs_->MountRoot(lower_fs_, lower_root_, false).ok());
    // The lower tree.
    Populate(*lower_vfs_);
  }

  void TearDown() override {
    vfs_.reset();
    lower_vfs_.reset();
  }

  static vfs::PathContext Ctx(vfs::Vfs& v) {
    vfs::PathContext ctx;
    ctx.root = ctx.start = v.root();
    ctx.umask = 0;
    return ctx;
  }

  static void Put(vfs::Vfs& v, const std::string& path, std::string_view data,
                  uint32_t mode = 0644) {
    auto f = v.Open(Ctx(v), path, O_CREAT | O_WRONLY | O_TRUNC, mode);
    ASSERT_TRUE(f.ok()) << path << ": " << ErrnoOf(f);
    ASSERT_TRUE(WriteStr(**f, data).ok());
  }

  void Populate(vfs::Vfs& v) {
    const auto ctx = Ctx(v);
    ASSERT_TRUE(v.Mkdir(ctx, "/etc", 0755).ok());
    Put(v, "/etc/hostname", "lowerhost\n");
    ASSERT_TRUE(v.Mkdir(ctx, "/etc/dir", 0750).ok());
    Put(v, "/etc/dir/a", "A");
    Put(v, "/etc/dir/b", "B");
    ASSERT_TRUE(v.Mkdir(ctx, "/etc/dir/sub", 0755).ok());
    Put(v, "/etc/dir/sub/deep", "DEEP");
    ASSERT_TRUE(v.Mkdir(ctx, "/etc/empty", 0755).ok());
    ASSERT_TRUE(v.Symlink(ctx, "hostname", "/etc/link").ok());
    Put(v, "/etc/owned", "owned data", 04751);
    vfs::SetAttr attr;
    attr.mask =
        vfs::SetAttr::kUid | vfs::SetAttr::kGid | vfs::SetAttr::kAtime | vfs::SetAttr::kMtime;
    attr.uid = 1234;
    attr.gid = 5678;
    attr.atime = {1000000, 5};
    attr.mtime = {2000000, 7};
    auto owned = v.Resolve(ctx, "/etc/owned", {});
    ASSERT_TRUE(owned.ok());
    ASSERT_TRUE(owned->dentry->inode()->SetStat(attr).ok());
    ASSERT_TRUE(owned->dentry->inode()->SetXattr("user.color", "blue", 0).ok());
    ASSERT_TRUE(owned->dentry->inode()->SetXattr("trusted.t", "x", 0).ok());
    ASSERT_TRUE(v.Mkdir(ctx, "/usr", 0755).ok());
    Put(v, "/usr/one", "linked data");
    ASSERT_TRUE(v.LinkAt(*v.Resolve(ctx, "/usr/one", {}), ctx, "/usr/two").ok());
    ASSERT_TRUE(v.Mkdir(ctx, "/usr/other", 0755).ok());
    ASSERT_TRUE(v.LinkAt(*v.Resolve(ctx, "/usr/one", {}), ctx, "/usr/other/three").ok());
  }

  void MountOverlay() {
    upper_fs_ = tmpfs::Tmpfs::Create(*mf_, 2);
    auto ov = OverlayFs::Create(upper_fs_, lower_fs_, lower_root_, 3);
    ASSERT_TRUE(ov.ok()) << ErrnoOf(ov);
    ov_ = *ov;
    vfs_ = std::make_unique<vfs::Vfs>();
    ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  }

  void SetUpOverlay() {
    MountOverlay();
    ASSERT_NE(vfs_, nullptr);
  }

  vfs::PathContext ctx() { return Ctx(*vfs_); }

  std::string Read(vfs::Vfs& v, const std::string& path) {
    auto f = v.Open(Ctx(v), path, O_RDONLY, 0);
    EXPECT_TRUE(f.ok()) << path << ": " << ErrnoOf(f);
    return f.ok() ? ReadAll(**f) : "<error>";
  }
  std::string Read(const std::string& path) { return Read(*vfs_, path); }

  void Write(const std::string& path, std::string_view data, uint32_t flags = O_TRUNC) {
    auto f = vfs_->Open(ctx(), path, O_CREAT | O_WRONLY | flags, 0644);
    ASSERT_TRUE(f.ok()) << path << ": " << ErrnoOf(f);
    ASSERT_TRUE(WriteStr(**f, data).ok());
  }

  std::vector<std::string> List(vfs::Vfs& v, const std::string& path) {
    auto d = v.Resolve(Ctx(v), path, {.directory = true});
    EXPECT_TRUE(d.ok()) << path << ": " << ErrnoOf(d);
    if (!d.ok()) return {};
    auto entries = d->dentry->inode()->ReadDir();
    EXPECT_TRUE(entries.ok()) << ErrnoOf(entries);
    std::vector<std::string> names;
    if (entries.ok()) {
      for (const auto& e : *entries) names.push_back(e.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::vector<std::string> List(const std::string& path) { return List(*vfs_, path); }

  linux::Stat StatOf(vfs::Vfs& v, const std::string& path) {
    auto st = v.Stat(Ctx(v), path, /*follow=*/false);
    EXPECT_TRUE(st.ok()) << path << ": " << ErrnoOf(st);
    return st.ok() ? *st : linux::Stat{};
  }
  linux::Stat StatOf(const std::string& path) { return StatOf(*vfs_, path); }
  int StatErr(const std::string& path) { return ErrnoOf(vfs_->Stat(ctx(), path, false)); }

  // The lower tree is exactly as Populate made it.
  void ExpectLowerUnchanged() {
    vfs::Vfs& l = *lower_vfs_;
    EXPECT_EQ(List(l, "/"), (std::vector<std::string>{"etc", "usr"}));
    EXPECT_EQ(List(l, "/etc"),
              (std::vector<std::string>{"dir", "empty", "hostname", "link", "owned"}));
    EXPECT_EQ(List(l, "/etc/dir"), (std::vector<std::string>{"a", "b", "sub"}));
    EXPECT_EQ(List(l, "/etc/dir/sub"), (std::vector<std::string>{"deep"}));
    EXPECT_EQ(Read(l, "/etc/hostname"), "lowerhost\n");
    EXPECT_EQ(Read(l, "/etc/dir/a"), "A");
    EXPECT_EQ(Read(l, "/usr/one"), "linked data");
    EXPECT_EQ(Read(l, "/etc/owned"), "owned data");
    const linux::Stat st = StatOf(l, "/etc/owned");
    EXPECT_EQ(st.mode, linux::kSIfreg | 04751);
    EXPECT_EQ(st.uid, 1234u);
    EXPECT_EQ(StatOf(l, "/usr/one").nlink, 3u);
  }

  std::unique_ptr<sentry::mm::MemoryFile> mf_;
  std::shared_ptr<tmpfs::Tmpfs> lower_fs_, upper_fs_;
  vfs::InodeRef lower_root_;
  std::unique_ptr<vfs::Vfs> lower_vfs_;
  std::shared_ptr<OverlayFs> ov_;
  std::unique_ptr<vfs::Vfs> vfs_;
};

TEST_F(OverlayTest, LooksUpAndReadsTheLowerLayer) {
  SetUpOverlay();
  EXPECT_EQ(Read("/etc/hostname"), "lowerhost\n");
  EXPECT_EQ(Read("/etc/dir/sub/deep"), "DEEP");
  EXPECT_EQ(Read("/etc/link"), "lowerhost\n");
  EXPECT_EQ(StatErr("/etc/nothing"), ENOENT);
  const linux::Stat st = StatOf("/etc/owned");
  EXPECT_EQ(st.dev, 3u);
  EXPECT_EQ(st.ino, StatOf(*lower_vfs_, "/etc/owned").ino);
  EXPECT_EQ(st.mode, linux::kSIfreg | 04751);
  EXPECT_EQ(st.uid, 1234u);
  auto sfs = vfs_->StatfsAt(vfs_->root());
  ASSERT_TRUE(sfs.ok());
  EXPECT_EQ(sfs->type, kOverlayMagic);
  // fstat of an open file shows the overlay's identity too.
  auto f = vfs_->Open(ctx(), "/etc/owned", O_RDONLY, 0);
  ASSERT_TRUE(f.ok());
  auto fst = (*f)->Stat();
  ASSERT_TRUE(fst.ok());
  EXPECT_EQ(fst->dev, 3u);
  EXPECT_EQ(fst->ino, st.ino);
}

TEST_F(OverlayTest, WritesCopyUpDataModeOwnerTimesAndXattrs) {
  SetUpOverlay();
  const linux::Stat before = StatOf("/etc/owned");
  // Appending copies up the data, then adds to it.
  Write("/etc/owned", " + more", O_APPEND);
  // (Before a read: relatime would move an atime older than the mtime.)
  const linux::Stat after = StatOf("/etc/owned");
  EXPECT_EQ(Read("/etc/owned"), "owned data + more");
  EXPECT_EQ(after.ino, before.ino);  // Stable across copy-up.
  EXPECT_EQ(after.dev, before.dev);
  EXPECT_EQ(after.uid, 1234u);
  EXPECT_EQ(after.gid, 5678u);
  EXPECT_EQ(after.mode & 0777, 0751u);
  EXPECT_EQ(after.atime.sec, 1000000);
  auto node = vfs_->Resolve(ctx(), "/etc/owned", {});
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(*node->dentry->inode()->GetXattr("user.color"), "blue");
  EXPECT_EQ(*node->dentry->inode()->GetXattr("trusted.t"), "x");
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, CopyUpKeepsTimesWhenOnlyAttributesChange) {
  SetUpOverlay();
  vfs::SetAttr attr;
  attr.mask = vfs::SetAttr::kMode;
  attr.mode = 0600;
  ASSERT_TRUE(vfs_->SetStat(ctx(), "/etc/owned", false, attr).ok());
  const linux::Stat st = StatOf("/etc/owned");
  EXPECT_EQ(st.mode, linux::kSIfreg | 0600);
  EXPECT_EQ(st.mtime.sec, 2000000);
  EXPECT_EQ(st.mtime.nsec, 7);
  EXPECT_EQ(st.size, 10);
  EXPECT_EQ(Read("/etc/owned"), "owned data");
  // The parent chain was copied up with its attributes.
  EXPECT_EQ(StatOf("/etc").mode, linux::kSIfdir | 0755);
  // Truncation copies up only what stays.
  ASSERT_TRUE(vfs_->Open(ctx(), "/etc/dir/sub/deep", O_WRONLY | O_TRUNC, 0).ok());
  EXPECT_EQ(Read("/etc/dir/sub/deep"), "");
  EXPECT_EQ(StatOf("/etc/dir").mode, linux::kSIfdir | 0750);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, ReadOnlyFileSeesCopyUpMadeLater) {
  SetUpOverlay();
  auto reader = vfs_->Open(ctx(), "/etc/hostname", O_RDONLY, 0);
  ASSERT_TRUE(reader.ok());
  Write("/etc/hostname", "guesthost\n");
  EXPECT_EQ(ReadAll(**reader), "guesthost\n");
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, UnlinkLeavesAWhiteoutAndRecreateWorks) {
  SetUpOverlay();
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/hostname").ok());
  EXPECT_EQ(StatErr("/etc/hostname"), ENOENT);
  EXPECT_EQ(List("/etc"), (std::vector<std::string>{"dir", "empty", "link", "owned"}));
  EXPECT_EQ(ErrnoOf(vfs_->Unlink(ctx(), "/etc/hostname")), ENOENT);
  // A dangling symlink now.
  EXPECT_EQ(ErrnoOf(vfs_->Open(ctx(), "/etc/link", O_RDONLY, 0)), ENOENT);
  Write("/etc/hostname", "new");
  EXPECT_EQ(Read("/etc/hostname"), "new");
  EXPECT_EQ(List("/etc"), (std::vector<std::string>{"dir", "empty", "hostname", "link", "owned"}));
  // A new file is not the lower one: its own inode number.
  EXPECT_NE(StatOf("/etc/hostname").ino, StatOf(*lower_vfs_, "/etc/hostname").ino);
  // Unlinking a copied-up file leaves a whiteout too.
  Write("/etc/dir/a", "changed");
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/a").ok());
  EXPECT_EQ(StatErr("/etc/dir/a"), ENOENT);
  EXPECT_EQ(List("/etc/dir"), (std::vector<std::string>{"b", "sub"}));
  // The whiteout can't be made by the guest.
  EXPECT_EQ(ErrnoOf(vfs_->Mknod(ctx(), "/etc/wh", linux::kSIfchr | 0600, 0)), EPERM);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, RmdirOfMergedDirectoryNeedsItEmpty) {
  SetUpOverlay();
  EXPECT_EQ(ErrnoOf(vfs_->Rmdir(ctx(), "/etc/dir")), ENOTEMPTY);
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/a").ok());
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/b").ok());
  EXPECT_EQ(ErrnoOf(vfs_->Rmdir(ctx(), "/etc/dir")), ENOTEMPTY);
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/sub/deep").ok());
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/etc/dir/sub").ok());
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/etc/dir").ok());
  EXPECT_EQ(StatErr("/etc/dir"), ENOENT);
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/etc/empty").ok());
  EXPECT_EQ(List("/etc"), (std::vector<std::string>{"hostname", "link", "owned"}));
  // Made again over the whiteout: opaque, none of the lower entries come back.
  ASSERT_TRUE(vfs_->Mkdir(ctx(), "/etc/dir", 0700).ok());
  EXPECT_EQ(List("/etc/dir"), std::vector<std::string>{});
  EXPECT_EQ(StatErr("/etc/dir/a"), ENOENT);
  Write("/etc/dir/new", "n");
  EXPECT_EQ(List("/etc/dir"), std::vector<std::string>{"new"});
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, OpaqueDirectoryStaysOpaqueAfterTheCacheIsDropped) {
  SetUpOverlay();
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/sub/deep").ok());
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/etc/dir/sub").ok());
  ASSERT_TRUE(vfs_->Mkdir(ctx(), "/etc/dir/sub", 0755).ok());
  // A fresh VFS over the same overlay: nothing cached, the overlay's marks alone.
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  EXPECT_EQ(List("/etc/dir/sub"), std::vector<std::string>{});
  EXPECT_EQ(StatErr("/etc/dir/sub/deep"), ENOENT);
  EXPECT_EQ(List("/etc/dir"), (std::vector<std::string>{"a", "b", "sub"}));
}

TEST_F(OverlayTest, ReadDirMergesWithoutDuplicates) {
  SetUpOverlay();
  Write("/etc/dir/a", "upper a");  // In both layers now.
  Write("/etc/dir/c", "upper only");
  ASSERT_TRUE(vfs_->Mkdir(ctx(), "/etc/dir/newdir", 0755).ok());
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/b").ok());
  auto d = vfs_->Resolve(ctx(), "/etc/dir", {});
  ASSERT_TRUE(d.ok());
  auto entries = d->dentry->inode()->ReadDir();
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> names;
  for (const auto& e : *entries) {
    names.push_back(e.name);
    // Listed inode numbers are the ones stat shows.
    EXPECT_EQ(e.ino, StatOf("/etc/dir/" + e.name).ino) << e.name;
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c", "newdir", "sub"}));
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, RenamesFilesAcrossLayers) {
  SetUpOverlay();
  const uint64_t ino = StatOf("/etc/dir/a").ino;
  ASSERT_TRUE(vfs_->Rename(ctx(), "/etc/dir/a", ctx(), "/etc/moved", 0).ok());
  EXPECT_EQ(StatErr("/etc/dir/a"), ENOENT);
  EXPECT_EQ(Read("/etc/moved"), "A");
  EXPECT_EQ(StatOf("/etc/moved").ino, ino);
  // Over a lower file, then again over a copied-up one.
  ASSERT_TRUE(vfs_->Rename(ctx(), "/etc/moved", ctx(), "/etc/hostname", 0).ok());
  EXPECT_EQ(Read("/etc/hostname"), "A");
  EXPECT_EQ(StatErr("/etc/moved"), ENOENT);
  ASSERT_TRUE(vfs_->Rename(ctx(), "/etc/dir/b", ctx(), "/etc/hostname", 0).ok());
  EXPECT_EQ(Read("/etc/hostname"), "B");
  EXPECT_EQ(List("/etc/dir"), std::vector<std::string>{"sub"});
  // Exchange of a lower file and an upper one.
  Write("/etc/fresh", "fresh");
  ASSERT_TRUE(vfs_->Rename(ctx(), "/etc/fresh", ctx(), "/etc/owned", linux::kRenameExchange).ok());
  EXPECT_EQ(Read("/etc/owned"), "fresh");
  EXPECT_EQ(Read("/etc/fresh"), "owned data");
  EXPECT_EQ(StatOf("/etc/fresh").uid, 1234u);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, RenamesDirectoriesWithLowerContents) {
  SetUpOverlay();
  const uint64_t ino = StatOf("/etc/dir").ino;
  ASSERT_TRUE(vfs_->Rename(ctx(), "/etc/dir", ctx(), "/usr/moved", 0).ok());
  EXPECT_EQ(StatErr("/etc/dir"), ENOENT);
  EXPECT_EQ(List("/usr/moved"), (std::vector<std::string>{"a", "b", "sub"}));
  EXPECT_EQ(Read("/usr/moved/sub/deep"), "DEEP");
  EXPECT_EQ(StatOf("/usr/moved").ino, ino);
  EXPECT_EQ(StatOf("/usr/moved").mode, linux::kSIfdir | 0750);
  // Again, then change things inside.
  ASSERT_TRUE(vfs_->Rename(ctx(), "/usr/moved", ctx(), "/moved2", 0).ok());
  Write("/moved2/a", "changed a");
  Write("/moved2/sub/new", "new");
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/moved2/b").ok());
  EXPECT_EQ(List("/moved2"), (std::vector<std::string>{"a", "sub"}));
  EXPECT_EQ(List("/moved2/sub"), (std::vector<std::string>{"deep", "new"}));
  EXPECT_EQ(Read("/moved2/a"), "changed a");
  // The old place can be reused: nothing of the lower directory shows there.
  ASSERT_TRUE(vfs_->Mkdir(ctx(), "/etc/dir", 0755).ok());
  EXPECT_EQ(List("/etc/dir"), std::vector<std::string>{});
  // A rename over a lower directory that looks empty.
  ASSERT_TRUE(vfs_->Rename(ctx(), "/moved2/sub", ctx(), "/etc/empty", 0).ok());
  EXPECT_EQ(List("/etc/empty"), (std::vector<std::string>{"deep", "new"}));
  // All of it again with a cold cache: the redirects are the overlay's marks.
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  EXPECT_EQ(List("/moved2"), std::vector<std::string>{"a"});
  EXPECT_EQ(List("/etc/empty"), (std::vector<std::string>{"deep", "new"}));
  EXPECT_EQ(Read("/etc/empty/deep"), "DEEP");
  EXPECT_EQ(List("/etc/dir"), std::vector<std::string>{});
  EXPECT_EQ(List("/usr"), (std::vector<std::string>{"one", "other", "two"}));
  // Rmdir of the renamed merged directory once it looks empty.
  EXPECT_EQ(ErrnoOf(vfs_->Rmdir(ctx(), "/moved2")), ENOTEMPTY);
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/moved2/a").ok());
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/moved2").ok());
  EXPECT_EQ(StatErr("/moved2"), ENOENT);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, RenamesNewDirectoryOverAWhiteout) {
  SetUpOverlay();
  ASSERT_TRUE(vfs_->Mkdir(ctx(), "/newdir", 0755).ok());
  Write("/newdir/x", "x");
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/etc/dir/sub/deep").ok());
  ASSERT_TRUE(vfs_->Rmdir(ctx(), "/etc/dir/sub").ok());
  ASSERT_TRUE(vfs_->Rename(ctx(), "/newdir", ctx(), "/etc/dir/sub", 0).ok());
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  EXPECT_EQ(List("/etc/dir/sub"), std::vector<std::string>{"x"});
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, HardLinksStayOneFileAfterCopyUp) {
  SetUpOverlay();
  EXPECT_EQ(StatOf("/usr/one").nlink, 3u);
  EXPECT_EQ(StatOf("/usr/one").ino, StatOf("/usr/two").ino);
  Write("/usr/two", "written through two");
  EXPECT_EQ(Read("/usr/one"), "written through two");
  EXPECT_EQ(Read("/usr/other/three"), "written through two");
  EXPECT_EQ(StatOf("/usr/one").nlink, 3u);
  EXPECT_EQ(StatOf("/usr/two").ino, StatOf("/usr/one").ino);
  // Renaming a name that only the lower layer had keeps it the same file.
  ASSERT_TRUE(vfs_->Rename(ctx(), "/usr/one", ctx(), "/usr/renamed", 0).ok());
  Write("/usr/renamed", "again", O_APPEND);
  EXPECT_EQ(Read("/usr/two"), "written through twoagain");
  EXPECT_EQ(StatOf("/usr/two").nlink, 3u);
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/usr/two").ok());
  EXPECT_EQ(StatOf("/usr/renamed").nlink, 2u);
  ASSERT_TRUE(vfs_->Unlink(ctx(), "/usr/other/three").ok());
  EXPECT_EQ(StatOf("/usr/renamed").nlink, 1u);
  ASSERT_TRUE(vfs_->LinkAt(*vfs_->Resolve(ctx(), "/usr/renamed", {}), ctx(), "/linked").ok());
  EXPECT_EQ(StatOf("/linked").nlink, 2u);
  EXPECT_EQ(Read("/linked"), "written through twoagain");
  // With a cold cache, the names still lead to one file.
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  EXPECT_EQ(StatOf("/linked").ino, StatOf("/usr/renamed").ino);
  EXPECT_EQ(StatOf("/linked").nlink, 2u);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, HardLinkedLowerFileSeenThroughAnUncachedName) {
  SetUpOverlay();
  Write("/usr/one", "through one");
  // A cold cache: /usr/other/three is looked up anew and finds the copy.
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  EXPECT_EQ(Read("/usr/other/three"), "through one");
  EXPECT_EQ(StatOf("/usr/other/three").nlink, 3u);
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, LinkedFileKeptPastItsDentriesCopiesUpThroughAnOldParent) {
  SetUpOverlay();
  // Held without a dentry: its first name's parent is an inode the new VFS
  // below never uses.
  vfs::InodeRef one = vfs_->Resolve(ctx(), "/usr/one", {})->dentry->inode();
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
  Write("/usr/fresh", "copies /usr up through a new inode");
  Write("/usr/two", "through two");
  EXPECT_EQ(Read("/usr/one"), "through two");
  EXPECT_EQ(Read("/usr/other/three"), "through two");
  EXPECT_EQ(StatOf("/usr/one").nlink, 3u);
  ExpectLowerUnchanged();
}

// A copied-up linked file outlives its dentries; each cold lookup makes new
// parent inodes, which must replace the old ones it names, not pile up (each
// holds a gofer fid and a host fd on the real rootfs).
TEST_F(OverlayTest, LinkedFileDoesNotKeepOldParentsAlive) {
  SetUpOverlay();
  Write("/usr/one", "copied up");
  std::weak_ptr<vfs::Inode> old_usr = vfs_->Resolve(ctx(), "/usr", {})->dentry->inode();
  for (int i = 0; i < 3; ++i) {
    vfs_ = std::make_unique<vfs::Vfs>();
    ASSERT_TRUE(vfs_->MountRoot(ov_, ov_->Root(), false).ok());
    EXPECT_EQ(Read("/usr/one"), "copied up");
  }
  EXPECT_TRUE(old_usr.expired());
  EXPECT_EQ(Read("/usr/two"), "copied up");
  ExpectLowerUnchanged();
}

// fcntl(F_SETFL) reaches the layer file that does the writing.
TEST_F(OverlayTest, StatusFlagsReachTheLayerFile) {
  SetUpOverlay();
  auto f = vfs_->Open(ctx(), "/etc/hostname", O_WRONLY, 0);
  ASSERT_TRUE(f.ok()) << ErrnoOf(f);
  ASSERT_TRUE(WriteStr(**f, "X").ok());
  (*f)->SetStatusFlags(O_APPEND);
  ASSERT_TRUE(WriteStr(**f, "+appended").ok());
  EXPECT_EQ(Read("/etc/hostname"), "Xowerhost\n+appended");
  (*f)->SetStatusFlags(0);
  ASSERT_TRUE((*f)->Seek(0, linux::kSeekSet).ok());
  ASSERT_TRUE(WriteStr(**f, "Y").ok());
  EXPECT_EQ(Read("/etc/hostname"), "Yowerhost\n+appended");
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, SymlinksDevicesAndTmpfiles) {
  SetUpOverlay();
  ASSERT_TRUE(vfs_->Symlink(ctx(), "dir/a", "/etc/newlink").ok());
  EXPECT_EQ(Read("/etc/newlink"), "A");
  ASSERT_TRUE(vfs_->Mknod(ctx(), "/etc/fifo", linux::kSIfifo | 0644, 0).ok());
  EXPECT_EQ(StatOf("/etc/fifo").mode, linux::kSIfifo | 0644);
  // Changing a lower symlink's owner copies it up as a symlink.
  vfs::SetAttr attr;
  attr.mask = vfs::SetAttr::kUid;
  attr.uid = 42;
  ASSERT_TRUE(vfs_->SetStat(ctx(), "/etc/link", false, attr).ok());
  EXPECT_EQ(StatOf("/etc/link").uid, 42u);
  EXPECT_EQ(*vfs_->Readlink(ctx(), "/etc/link"), "hostname");
  auto tmp = vfs_->Open(ctx(), "/etc", O_TMPFILE | O_RDWR, 0600);
  ASSERT_TRUE(tmp.ok()) << ErrnoOf(tmp);
  ASSERT_TRUE(WriteStr(**tmp, "tmp").ok());
  ASSERT_TRUE(vfs_->LinkAt((*tmp)->location(), ctx(), "/etc/fromtmp").ok());
  EXPECT_EQ(Read("/etc/fromtmp"), "tmp");
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, MountpointsAreMadeInTheUpperLayer) {
  SetUpOverlay();
  auto other = tmpfs::Tmpfs::Create(*mf_, 9);
  ASSERT_TRUE(vfs_->MountAt("/proc/sys", other, *other->NewRoot(0755, 0, 0), false).ok());
  EXPECT_EQ(List("/"), (std::vector<std::string>{"etc", "proc", "usr"}));
  ExpectLowerUnchanged();
}

TEST_F(OverlayTest, DeepChainsOfDirectoriesGoWithoutRecursion) {
  SetUpOverlay();
  // Each directory holds its parent: freeing the deepest frees them all.
  vfs::InodeRef dir = ov_->Root();
  for (int i = 0; i < 100000; ++i) {
    auto made = dir->Mkdir("d", vfs::NewNode{linux::kSIfdir | 0755, 0, 0, 0});
    ASSERT_TRUE(made.ok()) << i << ": " << ErrnoOf(made);
    dir = *std::move(made);
  }
  // Freed on a small stack: recursion would overflow it.
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 256 << 10), 0);
  pthread_t thread;
  auto drop = [](void* p) -> void* {
    static_cast<vfs::InodeRef*>(p)->reset();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, drop, &dir), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(dir, nullptr);
  EXPECT_EQ(List("/"), (std::vector<std::string>{"d", "etc", "usr"}));
}

TEST_F(OverlayTest, LowerErrorsPropagate) {
  auto dead = std::make_shared<DeadDir>(*lower_fs_);
  upper_fs_ = tmpfs::Tmpfs::Create(*mf_, 2);
  auto ov = OverlayFs::Create(upper_fs_, lower_fs_, dead, 3);
  ASSERT_TRUE(ov.ok());
  vfs_ = std::make_unique<vfs::Vfs>();
  ASSERT_TRUE(vfs_->MountRoot(*ov, (*ov)->Root(), false).ok());
  dead->dead = true;
  EXPECT_EQ(StatErr("/anything"), EIO);
  EXPECT_EQ(ErrnoOf(vfs_->Mkdir(ctx(), "/new", 0755)), EIO);
  auto root = vfs_->root().dentry->inode()->ReadDir();
  EXPECT_EQ(ErrnoOf(root), EIO);
}

}  // namespace
}  // namespace kekkai::fs::overlay
