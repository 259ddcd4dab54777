#include "sentry/kernel/scheduler.h"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace kekkai::sentry::kernel {
namespace {

TEST(SchedulerTest, FiberRunsToCompletionAndCallsOnDone) {
  Scheduler s;
  std::promise<void> done;
  int ran = 0;
  Fiber f([&] { ++ran; }, [&] { done.set_value(); });
  s.Start(&f);
  done.get_future().wait();
  EXPECT_EQ(ran, 1);
}

TEST(SchedulerTest, ParkWaitsForWakeFromAnotherThread) {
  Scheduler s;
  std::promise<void> done;
  std::atomic<int> stage{0};
  std::thread::id first_thread, second_thread;
  Fiber* fp = nullptr;
  Fiber f(
      [&] {
        first_thread = std::this_thread::get_id();
        stage = 1;
        fp->Park();
        second_thread = std::this_thread::get_id();
        stage = 2;
      },
      [&] { done.set_value(); });
  fp = &f;
  s.Start(&f);
  while (stage.load() != 1) std::this_thread::yield();
  // Still parked: nothing woke it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(stage.load(), 1);
  f.Wake();
  done.get_future().wait();
  EXPECT_EQ(stage.load(), 2);
  // A fiber never migrates between host threads.
  EXPECT_EQ(first_thread, second_thread);
}

TEST(SchedulerTest, WakeBeforeParkIsNotLost) {
  Scheduler s;
  std::promise<void> done;
  Fiber* fp = nullptr;
  Fiber f(
      [&] {
        fp->Wake();
        fp->Park();  // Returns at once: the wake came first.
      },
      [&] { done.set_value(); });
  fp = &f;
  s.Start(&f);
  EXPECT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(SchedulerTest, BusyWorkersAreNotShared) {
  Scheduler s;
  std::promise<void> d1, d2;
  std::thread::id t1, t2;
  Fiber* f1p = nullptr;
  Fiber f1([&] { t1 = std::this_thread::get_id(); f1p->Park(); }, [&] { d1.set_value(); });
  f1p = &f1;
  Fiber f2([&] { t2 = std::this_thread::get_id(); }, [&] { d2.set_value(); });
  s.Start(&f1);
  s.Start(&f2);
  d2.get_future().wait();
  f1.Wake();
  d1.get_future().wait();
  EXPECT_NE(t1, t2);
}

}  // namespace
}  // namespace kekkai::sentry::kernel
