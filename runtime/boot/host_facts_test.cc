// TrimCpuinfo: the host's /proc/cpuinfo cut to the CPUs the sandbox shows and
// numbered from 0; ReadHostFacts on this machine.
#include "runtime/boot/host_facts.h"

#include <gtest/gtest.h>

#include <string>

namespace kekkai::runtime::boot {
namespace {

constexpr char kHost[] =
    "processor\t: 0\nmodel name\t: A\n\n"
    "processor\t: 2\nmodel name\t: B\n\n"
    "processor\t: 5\nmodel name\t: C\n\n";

TEST(HostFactsTest, TrimKeepsTheFirstCpusRenumbered) {
  int n = 2;
  EXPECT_EQ(TrimCpuinfo(kHost, &n),
            "processor\t: 0\nmodel name\t: A\n\nprocessor\t: 1\nmodel name\t: B\n\n");
  EXPECT_EQ(n, 2);
}

TEST(HostFactsTest, TrimNeverShowsMoreCpusThanTheTextHas) {
  int n = 8;
  const std::string out = TrimCpuinfo(kHost, &n);
  EXPECT_EQ(n, 3);
  EXPECT_NE(out.find("processor\t: 2\nmodel name\t: C\n"), std::string::npos) << out;
}

TEST(HostFactsTest, TrimMakesUpACpuForEmptyText) {
  int n = 4;
  const std::string out = TrimCpuinfo("", &n);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(out.rfind("processor\t: 0\n", 0), 0u) << out;
}

TEST(HostFactsTest, ReadsThisHost) {
  const sentry::kernel::HostFacts h = ReadHostFacts();
  EXPECT_GT(h.mem_total_bytes, 0u);
  EXPECT_GE(h.num_cpus, 1);
  EXPECT_FALSE(h.release.empty());
  EXPECT_EQ(h.boot_id.size(), 36u);
  EXPECT_NE(h.boot_id, ReadHostFacts().boot_id) << "a fresh boot_id per sandbox";
  EXPECT_GT(h.boot_realtime_ns, 0);
}

}  // namespace
}  // namespace kekkai::runtime::boot
