#include "sentry/kernel/real_timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kekkai::sentry::kernel {
namespace {

using std::chrono::milliseconds;

// Counts expiries; waits for a number of them with a generous bound.
class Counter {
 public:
  void Fire() {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

TEST(RealTimerTest, OneShotFiresOnceAndDisarms) {
  Counter c;
  RealTimer t([&] { c.Fire(); });
  EXPECT_EQ(t.Get().value, Clock::duration::zero());
  RealTimer::Setting old = t.Set({milliseconds(5), {}});
  EXPECT_EQ(old.value, Clock::duration::zero());
  ASSERT_TRUE(c.WaitFor(1));
  EXPECT_EQ(t.Get().value, Clock::duration::zero());
}

TEST(RealTimerTest, PeriodicFiresAgainUntilDisarmed) {
  Counter c;
  RealTimer t([&] { c.Fire(); });
  t.Set({milliseconds(1), milliseconds(1)});
  ASSERT_TRUE(c.WaitFor(3));
  RealTimer::Setting old = t.Set({});
  EXPECT_EQ(old.interval, milliseconds(1));
  EXPECT_GT(old.value, Clock::duration::zero());
  EXPECT_EQ(t.Get().interval, Clock::duration::zero());
}

TEST(RealTimerTest, ReportsTimeLeftAndReplacesTheSetting) {
  Counter c;
  RealTimer t([&] { c.Fire(); });
  t.Set({std::chrono::seconds(100), std::chrono::seconds(7)});
  RealTimer::Setting s = t.Get();
  EXPECT_GT(s.value, std::chrono::seconds(99));
  EXPECT_LE(s.value, std::chrono::seconds(100));
  EXPECT_EQ(s.interval, std::chrono::seconds(7));
  RealTimer::Setting old = t.Set({milliseconds(1), {}});
  EXPECT_EQ(old.interval, std::chrono::seconds(7));
  ASSERT_TRUE(c.WaitFor(1));
  EXPECT_EQ(c.count(), 1);
}

}  // namespace
}  // namespace kekkai::sentry::kernel
