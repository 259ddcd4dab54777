#include "fs/vfs/lock.h"

#include <gtest/gtest.h>

namespace kekkai::fs::vfs {
namespace {

int a_, b_, c_;
const void* const kA = &a_;
const void* const kB = &b_;
const void* const kC = &c_;

RecordLock Req(const void* owner, int64_t start, int64_t end) {
  RecordLock r;
  r.owner = owner;
  r.start = start;
  r.end = end;
  r.pid = 7;
  return r;
}

TEST(FileLocksTest, FlockSharedExclusiveAndConversion) {
  FileLocks l;
  ASSERT_TRUE(l.Flock(kA, false).ok());
  ASSERT_TRUE(l.Flock(kB, false).ok());
  EXPECT_EQ(l.Flock(kC, true).error(), Errno(EAGAIN));
  // A failed conversion loses the old lock, as on Linux.
  EXPECT_EQ(l.Flock(kA, true).error(), Errno(EAGAIN));
  EXPECT_EQ(l.Flock(kB, true).ok(), true);
  EXPECT_EQ(l.Flock(kA, false).error(), Errno(EAGAIN));
  l.FlockUnlock(kB);
  EXPECT_TRUE(l.Flock(kA, true).ok());
  l.ReleaseDescription(kA);
  EXPECT_TRUE(l.Flock(kC, true).ok());
}

TEST(FileLocksTest, SameOwnerMergesAndSplits) {
  FileLocks l;
  ASSERT_TRUE(l.SetRecord(Req(kA, 0, 9), kLockWrite, nullptr).ok());
  ASSERT_TRUE(l.SetRecord(Req(kA, 10, 19), kLockWrite, nullptr).ok());
  ASSERT_EQ(l.RecordLocks().size(), 1u);  // Adjacent: merged.
  EXPECT_EQ(l.RecordLocks()[0].end, 19);
  ASSERT_TRUE(l.SetRecord(Req(kA, 5, 14), kLockRead, nullptr).ok());
  auto locks = l.RecordLocks();
  ASSERT_EQ(locks.size(), 3u);  // Split, in order: write [0,4], read [5,14], write [15,19].
  EXPECT_EQ(locks[0].end, 4);
  EXPECT_EQ(locks[0].type, kLockWrite);
  EXPECT_EQ(locks[1].start, 5);
  EXPECT_EQ(locks[1].type, kLockRead);
  EXPECT_EQ(locks[2].start, 15);
  EXPECT_EQ(locks[2].type, kLockWrite);
  ASSERT_TRUE(l.SetRecord(Req(kA, 0, kLockOffsetMax), kLockUnlock, nullptr).ok());
  EXPECT_TRUE(l.RecordLocks().empty());
}

TEST(FileLocksTest, OwnersKeepTheirPlace) {
  FileLocks l;
  ASSERT_TRUE(l.SetRecord(Req(kA, 50, 59), kLockRead, nullptr).ok());
  ASSERT_TRUE(l.SetRecord(Req(kB, 0, 9), kLockRead, nullptr).ok());
  ASSERT_TRUE(l.SetRecord(Req(kA, 10, 19), kLockRead, nullptr).ok());
  auto locks = l.RecordLocks();
  ASSERT_EQ(locks.size(), 3u);
  EXPECT_EQ(locks[0].owner, kA);
  EXPECT_EQ(locks[0].start, 10);
  EXPECT_EQ(locks[1].owner, kA);
  EXPECT_EQ(locks[1].start, 50);
  EXPECT_EQ(locks[2].owner, kB);
  // The first conflict in that order is reported.
  auto conflict = l.TestRecord(kC, kLockWrite, 0, 100);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->start, 10);
}

TEST(FileLocksTest, ConflictsAndTest) {
  FileLocks l;
  ASSERT_TRUE(l.SetRecord(Req(kA, 0, 9), kLockRead, nullptr).ok());
  EXPECT_TRUE(l.SetRecord(Req(kB, 5, 14), kLockRead, nullptr).ok());
  const void* blocker = nullptr;
  EXPECT_EQ(l.SetRecord(Req(kC, 9, 9), kLockWrite, &blocker).error(), Errno(EAGAIN));
  EXPECT_TRUE(blocker == kA || blocker == kB);
  auto conflict = l.TestRecord(kC, kLockWrite, 12, 20);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->owner, kB);
  EXPECT_EQ(conflict->start, 5);
  EXPECT_FALSE(l.TestRecord(kC, kLockRead, 0, 100).has_value());
  EXPECT_FALSE(l.TestRecord(kA, kLockWrite, 0, 4).has_value());
  l.ReleaseRecords(kA);
  l.ReleaseRecords(kB);
  EXPECT_TRUE(l.SetRecord(Req(kC, 0, kLockOffsetMax), kLockWrite, nullptr).ok());
}

TEST(FileLocksTest, TooManyLocksIsEnolck) {
  constexpr size_t kMax = 64;
  FileLocks l(kMax);
  for (size_t i = 0; i < kMax; ++i) {
    const int64_t at = static_cast<int64_t>(2 * i);
    ASSERT_TRUE(l.SetRecord(Req(kA, at, at), kLockRead, nullptr).ok());
  }
  EXPECT_EQ(l.SetRecord(Req(kA, 1000000, 1000000), kLockRead, nullptr).error(), Errno(ENOLCK));
  // Merging never needs more.
  EXPECT_TRUE(l.SetRecord(Req(kA, 1, 1), kLockRead, nullptr).ok());
}

TEST(PosixLockWaitsTest, FindsCycles) {
  PosixLockWaits& w = PosixLockWaits::Get();
  ASSERT_TRUE(w.Begin(kA, kB).ok());
  ASSERT_TRUE(w.Begin(kB, kC).ok());
  EXPECT_EQ(w.Begin(kC, kA).error(), Errno(EDEADLK));
  w.End(kB);
  EXPECT_TRUE(w.Begin(kC, kA).ok());
  w.End(kA);
  w.End(kC);
}

}  // namespace
}  // namespace kekkai::fs::vfs
