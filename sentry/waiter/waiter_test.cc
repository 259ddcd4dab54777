#include "sentry/waiter/waiter.h"

#include <gtest/gtest.h>

namespace kekkai::sentry::waiter {
namespace {

struct CountingWaiter : Waiter {
  int count = 0;
  uint32_t last = 0;
  void Notify(uint32_t events) override {
    ++count;
    last = events;
  }
};

TEST(WaiterTest, NotifiesMatchingMasksOnly) {
  Queue q;
  CountingWaiter in_w, out_w;
  Entry in_e{&in_w, kEventIn}, out_e{&out_w, kEventOut};
  q.EventRegister(&in_e);
  q.EventRegister(&out_e);
  q.Notify(kEventIn);
  EXPECT_EQ(in_w.count, 1);
  EXPECT_EQ(out_w.count, 0);
  EXPECT_EQ(q.Events(), kEventIn | kEventOut);
  q.EventUnregister(&in_e);
  q.Notify(kEventIn | kEventOut);
  EXPECT_EQ(in_w.count, 1);
  EXPECT_EQ(out_w.count, 1);
  EXPECT_EQ(out_w.last, kEventIn | kEventOut);
  q.EventUnregister(&out_e);
  q.EventUnregister(&out_e);  // Twice is harmless.
  EXPECT_EQ(q.Events(), 0u);
}

}  // namespace
}  // namespace kekkai::sentry::waiter
