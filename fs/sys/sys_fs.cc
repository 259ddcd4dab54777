#include "fs/sys/sys_fs.h"

#include <algorithm>
#include <string>

namespace kekkai::fs::sys {

namespace {

constexpr int64_t kSysfsMagic = 0x62656572;
// Linux's NR_CPUS on x86-64 distributions: CPU numbers stay below it.
constexpr int kMaxCpus = 8192;

}  // namespace

SysFs NewSysFs(const SysOptions& opts) {
  auto fs = std::make_shared<kernfs::KernFs>("sysfs", kSysfsMagic, opts.device);
  auto root = std::make_shared<kernfs::Directory>(*fs, 0555);
  const int n = std::clamp(opts.num_cpus, 1, kMaxCpus);
  const std::string range = n == 1 ? "0\n" : "0-" + std::to_string(n - 1) + "\n";
  const auto text = [&fs](std::string s) {
    return std::make_shared<kernfs::DataFile>(*fs, 0444,
                                              [s]() -> Result<std::string> { return s; });
  };

  auto cpu = std::make_shared<kernfs::Directory>(*fs, 0755);
  cpu->Add("online", text(range));
  cpu->Add("possible", text(range));
  cpu->Add("present", text(range));
  cpu->Add("offline", text("\n"));
  cpu->Add("kernel_max", text(std::to_string(kMaxCpus - 1) + "\n"));
  for (int i = 0; i < n; ++i) {
    cpu->Add("cpu" + std::to_string(i), std::make_shared<kernfs::Directory>(*fs, 0755));
  }
  auto system = std::make_shared<kernfs::Directory>(*fs, 0755);
  system->Add("cpu", cpu);
  auto devices = std::make_shared<kernfs::Directory>(*fs, 0755);
  devices->Add("system", system);
  root->Add("devices", devices);

  auto fsdir = std::make_shared<kernfs::Directory>(*fs, 0755);
  fsdir->Add("cgroup", std::make_shared<kernfs::Directory>(*fs, 0755));
  root->Add("fs", fsdir);
  return {std::move(fs), std::move(root)};
}

}  // namespace kekkai::fs::sys
