#include "sentry/kernel/signal_queue.h"

#include <gtest/gtest.h>

namespace kekkai::sentry::kernel {
namespace {

using namespace abi::linux;

SigInfo Info(int sig, int32_t pid = 0) {
  SigInfo i{};
  i.signo = sig;
  i.set_pid(pid);
  return i;
}

TEST(SignalQueueTest, StandardSignalsCoalesceRealtimeQueue) {
  SignalQueue q;
  EXPECT_TRUE(q.Enqueue(Info(kSigUsr1, 1)));
  EXPECT_FALSE(q.Enqueue(Info(kSigUsr1, 2)));
  EXPECT_TRUE(q.Enqueue(Info(kSigRtmin + 1, 3)));
  EXPECT_TRUE(q.Enqueue(Info(kSigRtmin + 1, 4)));
  EXPECT_EQ(q.Dequeue(0)->pid(), 1);
  EXPECT_EQ(q.Dequeue(0)->pid(), 3);
  EXPECT_EQ(q.set(), SigMask(kSigRtmin + 1));
  EXPECT_EQ(q.Dequeue(0)->pid(), 4);
  EXPECT_FALSE(q.Dequeue(0).has_value());
}

TEST(SignalQueueTest, LowestUnblockedFirst) {
  SignalQueue q;
  q.Enqueue(Info(kSigTerm));
  q.Enqueue(Info(kSigInt));
  EXPECT_EQ(q.Dequeue(SigMask(kSigInt))->signo, kSigTerm);
  EXPECT_FALSE(q.Dequeue(SigMask(kSigInt)).has_value());
  EXPECT_EQ(q.Dequeue(0)->signo, kSigInt);
}

TEST(SignalQueueTest, RejectsBadNumbers) {
  SignalQueue q;
  EXPECT_FALSE(q.Enqueue(Info(0)));
  EXPECT_FALSE(q.Enqueue(Info(65)));
  q.Enqueue(Info(kSigHup));
  q.Discard(kSigHup);
  EXPECT_EQ(q.set(), 0u);
}

}  // namespace
}  // namespace kekkai::sentry::kernel
