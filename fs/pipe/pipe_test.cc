#include "fs/pipe/pipe.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::pipe {
namespace {

using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;
namespace linux = abi::linux;

constexpr GuestAddr kBuf{VectorMemory::kBase};

// Writes `n` bytes of `c` through `f`.
Result<size_t> WriteN(vfs::FileDescription& f, size_t n, char c = 'x') {
  VectorMemory mem(n, std::byte(c));
  IoSequence seq(mem, {GuestRange{kBuf, n}});
  return f.Write(seq, std::nullopt);
}

// Reads up to `n` bytes from `f` into `out`.
Result<size_t> ReadN(vfs::FileDescription& f, size_t n, std::string* out = nullptr) {
  VectorMemory mem(n);
  IoSequence seq(mem, {GuestRange{kBuf, n}});
  Result<size_t> r = f.Read(seq, std::nullopt);
  if (r.ok() && out) out->assign(reinterpret_cast<const char*>(mem.bytes().data()), *r);
  return r;
}

TEST(PipeTest, DataFlowsInOrderAcrossSlots) {
  auto p = std::make_shared<Pipe>(false, 0, 0);
  auto [r, w] = OpenPipe(p, 0, 0);
  ASSERT_TRUE(p->SetCapacity(8192).ok());
  ASSERT_EQ(*WriteN(*w, 3000, 'a'), 3000u);
  ASSERT_EQ(*ReadN(*r, 2000), 2000u);
  // Doesn't fit behind the first page's data: takes the second slot.
  ASSERT_EQ(*WriteN(*w, 3000, 'b'), 3000u);
  // Both slots are in use, but a small write still fits behind the newest data.
  EXPECT_EQ(WriteN(*w, 4000).error(), Errno(EAGAIN));
  ASSERT_EQ(*WriteN(*w, 1000, 'c'), 1000u);
  std::string got;
  ASSERT_EQ(*ReadN(*r, 8192, &got), 5000u);
  EXPECT_EQ(got, std::string(1000, 'a') + std::string(3000, 'b') + std::string(1000, 'c'));
  EXPECT_EQ(ReadN(*r, 10).error(), Errno(EAGAIN));
}

TEST(PipeTest, WritesFillPageSlotsAsLinux) {
  auto p = std::make_shared<Pipe>(false, 0, 0);
  auto [r, w] = OpenPipe(p, 0, 0);
  ASSERT_EQ(*WriteN(*w, kDefaultCapacity - 100), kDefaultCapacity - 100);
  // Every slot is used: 200 bytes don't fit in the last one's 100 free bytes.
  EXPECT_EQ(WriteN(*w, 200).error(), Errno(EAGAIN));
  EXPECT_EQ(*WriteN(*w, 100), 100u);  // These do.
  EXPECT_EQ(WriteN(*w, 1).error(), Errno(EAGAIN));
  EXPECT_EQ(p->queued(), kDefaultCapacity);
  // Reading part of a page frees no slot.
  ASSERT_EQ(*ReadN(*r, 100), 100u);
  EXPECT_EQ(WriteN(*w, 1).error(), Errno(EAGAIN));
  // A whole page does; then a big write takes what fits, a page.
  ASSERT_EQ(*ReadN(*r, 4096 - 100), 4096u - 100);
  EXPECT_EQ(*WriteN(*w, 10000), 4096u);
  EXPECT_EQ(p->SetCapacity(4096).error(), Errno(EBUSY));
}

TEST(PipeTest, EndOfFileAndBrokenPipe) {
  auto p = std::make_shared<Pipe>(false, 0, 0);
  auto [r, w] = OpenPipe(p, 0, 0);
  ASSERT_EQ(*WriteN(*w, 5), 5u);
  w.reset();
  EXPECT_EQ(*ReadN(*r, 10), 5u);
  EXPECT_EQ(*ReadN(*r, 10), 0u);
  auto [r2, w2] = OpenPipe(std::make_shared<Pipe>(false, 0, 0), 0, 0);
  r2.reset();
  EXPECT_EQ(WriteN(*w2, 1).error(), Errno(EPIPE));
  EXPECT_EQ(*WriteN(*w2, 0), 0u);
}

TEST(PipeTest, SetCapacityRounds) {
  Pipe p(false, 0, 0);
  EXPECT_EQ(*p.SetCapacity(1), 4096u);
  EXPECT_EQ(*p.SetCapacity(5000), 8192u);
  EXPECT_EQ(p.SetCapacity(kMaxCapacity + 1).error(), Errno(EINVAL));
  EXPECT_EQ(p.capacity(), 8192u);
}

TEST(PipeTest, FifoOpensFollowFifo7) {
  auto p = std::make_shared<Pipe>(true, 0, 0);
  EXPECT_EQ(OpenFifo(p, linux::kOWronly | linux::kONonblock).error(), Errno(ENXIO));
  EXPECT_EQ(OpenFifo(p, 3).error(), Errno(EINVAL));
  auto reader = OpenFifo(p, linux::kORdonly);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->OpenPending());  // No writer yet.
  auto writer = OpenFifo(p, linux::kOWronly | linux::kONonblock);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->OpenPending());
  EXPECT_FALSE((*reader)->OpenPending());
  auto rdwr = OpenFifo(p, linux::kORdwr);
  ASSERT_TRUE(rdwr.ok());
  EXPECT_FALSE((*rdwr)->OpenPending());
  EXPECT_EQ(p->readers(), 2);
  EXPECT_EQ(p->writers(), 2);
  reader->reset();
  rdwr->reset();
  EXPECT_EQ(p->readers(), 0);
  // A blocking writer now waits for a reader, and a reader that opens ends the wait.
  auto w2 = OpenFifo(p, linux::kOWronly);
  ASSERT_TRUE(w2.ok());
  EXPECT_TRUE((*w2)->OpenPending());
  auto r2 = OpenFifo(p, linux::kORdonly | linux::kONonblock);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE((*w2)->OpenPending());
}

TEST(PipeTest, FionreadAndNames) {
  auto p = std::make_shared<Pipe>(false, 5, 6);
  auto [r, w] = OpenPipe(p, linux::kONonblock, 0);
  EXPECT_TRUE(r->nonblocking());
  EXPECT_FALSE(w->nonblocking());
  ASSERT_EQ(*WriteN(*w, 42), 42u);
  VectorMemory mem(4);
  ASSERT_TRUE(r->Ioctl(mem, linux::kFionread, VectorMemory::kBase).ok());
  int32_t n;
  std::memcpy(&n, mem.bytes().data(), 4);
  EXPECT_EQ(n, 42);
  EXPECT_EQ(r->Ioctl(mem, linux::kFionread, 0).error(), Errno(EFAULT));
  EXPECT_EQ(r->Name(), "pipe:[" + std::to_string(p->ino()) + "]");
  auto st = r->Stat();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, linux::kSIfifo | 0600);
  EXPECT_EQ(st->uid, 5u);
  EXPECT_EQ(st->ino, p->ino());
}

}  // namespace
}  // namespace kekkai::fs::pipe
