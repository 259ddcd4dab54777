// /sys's tree, and the generated files kernfs gives it (read at offsets, lseek,
// pread, writes refused), without a kernel.
#include "fs/sys/sys_fs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "abi/linux/types.h"
#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::sys {
namespace {

using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;

// Returns the inode at `path` (components separated by '/') under `root`.
Result<vfs::InodeRef> Walk(const SysFs& sys, const std::vector<std::string>& path) {
  vfs::InodeRef cur = sys.root;
  for (const std::string& name : path) {
    ASSIGN_OR_RETURN(cur, cur->Lookup(name));
  }
  return cur;
}

// Reads up to `len` bytes of `file` at its offset (or `offset`).
std::string ReadSome(vfs::FileDescription& file, size_t len,
                     std::optional<uint64_t> offset = std::nullopt) {
  VectorMemory mem(len);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), len}});
  Result<size_t> n = file.Read(io, offset);
  if (!n.ok()) return "(errno " + std::to_string(n.error().value()) + ")";
  return std::string(reinterpret_cast<const char*>(mem.bytes().data()), *n);
}

TEST(SysFsTest, CpuRangesFollowTheCpuCount) {
  for (int n : {1, 2, 12}) {
    SysFs sys = NewSysFs({.device = 7, .num_cpus = n});
    const std::string want = n == 1 ? "0\n" : "0-" + std::to_string(n - 1) + "\n";
    for (const char* name : {"online", "possible", "present"}) {
      SCOPED_TRACE(std::string(name) + " n=" + std::to_string(n));
      Result<vfs::InodeRef> node = Walk(sys, {"devices", "system", "cpu", name});
      ASSERT_TRUE(node.ok());
      Result<abi::linux::Stat> st = (*node)->Stat();
      ASSERT_TRUE(st.ok());
      EXPECT_EQ(st->mode, abi::linux::kSIfreg | 0444);
      EXPECT_EQ(st->size, 0);
      EXPECT_EQ(st->dev, 7u);
      Result<vfs::FileRef> f = (*node)->Open(0);
      ASSERT_TRUE(f.ok());
      EXPECT_EQ(ReadSome(**f, 64), want);
    }
    EXPECT_TRUE(Walk(sys, {"devices", "system", "cpu", "cpu" + std::to_string(n - 1)}).ok());
    EXPECT_FALSE(Walk(sys, {"devices", "system", "cpu", "cpu" + std::to_string(n)}).ok());
  }
}

TEST(SysFsTest, CgroupIsAnEmptyDirectory) {
  SysFs sys = NewSysFs({.device = 7, .num_cpus = 4});
  Result<vfs::InodeRef> cg = Walk(sys, {"fs", "cgroup"});
  ASSERT_TRUE(cg.ok());
  ASSERT_TRUE((*cg)->is_dir());
  Result<std::vector<vfs::DirEntry>> entries = (*cg)->ReadDir();
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

TEST(SysFsTest, GeneratedFilesReadAtOffsetsAndSeek) {
  SysFs sys = NewSysFs({.device = 7, .num_cpus = 16});
  Result<vfs::InodeRef> node = Walk(sys, {"devices", "system", "cpu", "online"});
  ASSERT_TRUE(node.ok());
  Result<vfs::FileRef> f = (*node)->Open(0);
  ASSERT_TRUE(f.ok());
  vfs::FileDescription& file = **f;
  EXPECT_EQ(ReadSome(file, 2), "0-");
  EXPECT_EQ(ReadSome(file, 64), "15\n");
  EXPECT_EQ(ReadSome(file, 64), "");
  // pread doesn't move the offset; offsets past the end read nothing.
  EXPECT_EQ(ReadSome(file, 1, 3), "5");
  EXPECT_EQ(ReadSome(file, 8, 1u << 30), "");
  EXPECT_EQ(ReadSome(file, 8, UINT64_MAX), "");
  // seq_lseek: SEEK_SET and SEEK_CUR only, never negative.
  EXPECT_EQ(file.Seek(1, abi::linux::kSeekSet).value_or(99), 1u);
  EXPECT_EQ(ReadSome(file, 64), "-15\n");
  EXPECT_FALSE(file.Seek(0, abi::linux::kSeekEnd).ok());
  EXPECT_FALSE(file.Seek(-6, abi::linux::kSeekCur).ok());
  EXPECT_EQ(file.Seek(0, abi::linux::kSeekSet).value_or(99), 0u);
  EXPECT_EQ(ReadSome(file, 64), "0-15\n");
  // A bad buffer is EFAULT.
  ASSERT_TRUE(file.Seek(0, abi::linux::kSeekSet).ok());
  VectorMemory mem(8);
  IoSequence bad(mem, {{GuestAddr(0xdead0000), 8}});
  Result<size_t> r = file.Read(bad, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno(EFAULT));
}

TEST(SysFsTest, WritesAreRefused) {
  SysFs sys = NewSysFs({.device = 7, .num_cpus = 2});
  Result<vfs::InodeRef> node = Walk(sys, {"devices", "system", "cpu", "online"});
  ASSERT_TRUE(node.ok());
  Result<vfs::FileRef> f = (*node)->Open(/*O_RDWR=*/2);
  ASSERT_TRUE(f.ok());
  VectorMemory mem(4);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), 4}});
  Result<size_t> r = (*f)->Write(io, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno(EINVAL));
  EXPECT_EQ(ReadSome(**f, 64), "0-1\n");
}

}  // namespace
}  // namespace kekkai::fs::sys
