// End-to-end tests of the default rootfs's overlay (issue 5): python3 (Debian's)
// writes, overwrites, appends, chmods, chowns, renames (files, and directories
// full of lower files) and deletes under /etc, /usr/local and /tmp, and checks
// what it sees; then the host's /etc and /usr/local are compared byte for byte
// (contents, modes, owners, times, listings) with how they were before. A guest
// also deletes and renames host files it did not make (/etc/hostname,
// /etc/passwd, a /usr/share/doc folder) and the host keeps them.
//
// meson runs this program twice: e2e_overlay_native (--gtest_filter=Native*: the
// script on the host, against a fixture it may change) and e2e_overlay_ptrace.
// The tests skip when /usr/bin/python3 is missing.
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/host_tree.h"
#include "tests/e2e/kekkai_run.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

#define REQUIRE_PYTHON()                                                        \
  do {                                                                          \
    if (!IsExecutable(kPython)) GTEST_SKIP() << kPython << " is not installed"; \
  } while (0)

// The host fixture the script works on: /etc/NAME and /usr/local/NAME, made
// before and removed after each test.
class Fixture {
 public:
  Fixture() : name_("kekkai-e2e-overlay-" + std::to_string(getpid())) {
    Remove();
    std::filesystem::create_directories(etc() + "/tree/sub");
    std::filesystem::create_directories(usr());
    ok_ = WriteFile(etc() + "/conf", "host conf\n", 0644) &&
          WriteFile(etc() + "/log", "log line\n", 0644) &&
          WriteFile(etc() + "/script", "#!/bin/sh\n", 0755) &&
          WriteFile(etc() + "/tree/a", "a\n", 0644) &&
          WriteFile(etc() + "/tree/sub/leaf", "leaf\n", 0644) &&
          WriteFile(usr() + "/hard1", "hard\n", 0644) &&
          link((usr() + "/hard1").c_str(), (usr() + "/hard2").c_str()) == 0;
  }
  ~Fixture() { Remove(); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::string etc() const { return "/etc/" + name_; }
  std::string usr() const { return "/usr/local/" + name_; }

 private:
  void Remove() {
    std::error_code ec;
    std::filesystem::remove_all(etc(), ec);
    std::filesystem::remove_all(usr(), ec);
  }

  const std::string name_;
  bool ok_ = false;
};

// argv: NAME. Works on the fixture (see Fixture) and on /tmp/NAME.
constexpr char kScript[] = R"py(
import os, sys
n = sys.argv[1]
E, U, T = '/etc/' + n, '/usr/local/' + n, '/tmp/' + n
def show(label, path):
    print(label, sorted(os.listdir(path)))
# Overwrite, append, chmod, chown, create in a lower folder.
with open(E + '/conf', 'w') as f: f.write('guest conf\n')
with open(E + '/log', 'a') as f: f.write('guest line\n')
os.chmod(E + '/script', 0o700)
os.chown(E + '/log', 1, 2)
with open(E + '/new', 'x') as f: f.write('new\n')
print('conf', open(E + '/conf').read().strip())
print('log', open(E + '/log').read().splitlines())
print('script mode', oct(os.stat(E + '/script').st_mode & 0o7777))
print('log owner', os.stat(E + '/log').st_uid, os.stat(E + '/log').st_gid)
show('etc', E)
# Renames: a file; a folder full of files to another folder, then again.
os.rename(E + '/conf', E + '/conf.renamed')
print('renamed', open(E + '/conf.renamed').read().strip(), os.path.exists(E + '/conf'))
os.rename(E + '/tree', U + '/tree-moved')
os.rename(U + '/tree-moved', U + '/tree-again')
print('moved tree', sorted(os.listdir(U + '/tree-again')), sorted(os.listdir(U + '/tree-again/sub')))
print('moved read', open(U + '/tree-again/sub/leaf').read().strip())
with open(U + '/tree-again/sub/leaf', 'a') as f: f.write('+guest\n')
print('moved leaf', open(U + '/tree-again/sub/leaf').read().splitlines())
print('old tree', os.path.exists(E + '/tree'), os.path.exists(U + '/tree-moved'))
# Hard links stay one file.
with open(U + '/hard1', 'a') as f: f.write('via hard1\n')
s1, s2 = os.stat(U + '/hard1'), os.stat(U + '/hard2')
print('hard2', open(U + '/hard2').read().splitlines(), s2.st_nlink, s1.st_ino == s2.st_ino)
# Deletes: files, then the moved folder bottom-up.
os.unlink(E + '/log')
os.unlink(U + '/hard2')
print('hard1 nlink', os.stat(U + '/hard1').st_nlink)
for root, dirs, files in os.walk(U + '/tree-again', topdown=False):
    for f in files: os.unlink(os.path.join(root, f))
    for d in dirs: os.rmdir(os.path.join(root, d))
os.rmdir(U + '/tree-again')
show('usr after delete', U)
print('log gone', os.path.exists(E + '/log'))
# Names made again after a delete.
with open(E + '/log', 'w') as f: f.write('recreated\n')
print('recreated', open(E + '/log').read().strip())
os.mkdir(E + '/tree')
show('tree again', E + '/tree')
show('etc final', E)
# /tmp: the sandbox's own tmpfs.
os.mkdir(T)
with open(T + '/a', 'w') as f: f.write('tmp a\n')
os.rename(T + '/a', T + '/b')
os.mkdir(T + '/d')
os.rename(T + '/d', T + '/e')
show('tmp', T)
print('tmp b', open(T + '/b').read().strip())
os.unlink(T + '/b')
os.rmdir(T + '/e')
os.rmdir(T)
print('tmp gone', os.path.exists(T))
)py";

constexpr char kWant[] =
    "conf guest conf\n"
    "log ['log line', 'guest line']\n"
    "script mode 0o700\n"
    "log owner 1 2\n"
    "etc ['conf', 'log', 'new', 'script', 'tree']\n"
    "renamed guest conf False\n"
    "moved tree ['a', 'sub'] ['leaf']\n"
    "moved read leaf\n"
    "moved leaf ['leaf', '+guest']\n"
    "old tree False False\n"
    "hard2 ['hard', 'via hard1'] 2 True\n"
    "hard1 nlink 1\n"
    "usr after delete ['hard1']\n"
    "log gone False\n"
    "recreated recreated\n"
    "tree again []\n"
    "etc final ['conf.renamed', 'log', 'new', 'script', 'tree']\n"
    "tmp ['b', 'e']\n"
    "tmp b tmp a\n"
    "tmp gone False\n";

TEST(NativeOverlay, ScriptOnTheHost) {
  REQUIRE_PYTHON();
  Fixture fx;
  ASSERT_TRUE(fx.ok());
  const Outcome o = RunNative({kPython, "-c", kScript, fx.name()});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kWant) << o.Describe();
}

class Overlay : public Kekkai {};

TEST_F(Overlay, PythonChangesEtcUsrLocalAndTmpAndTheHostIsUnchanged) {
  REQUIRE_PYTHON();
  Fixture fx;
  ASSERT_TRUE(fx.ok());
  const auto etc = Snapshot("/etc");
  const auto usr = Snapshot("/usr/local");
  KekkaiRun r;
  r.cwd = "/";
  const Outcome o = RunKekkai({"run", "--", kPython, "-c", kScript, fx.name()}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kWant) << o.Describe();
  EXPECT_EQ(Diff(etc, Snapshot("/etc")), "");
  EXPECT_EQ(Diff(usr, Snapshot("/usr/local")), "");
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + fx.name()));
}

// argv: DOC (a /usr/share/doc folder of plain files and symlinks).
constexpr char kHostFilesScript[] = R"py(
import os, sys
hn = open('/etc/hostname').read()
os.rename('/etc/hostname', '/etc/hostname.old')
with open('/etc/hostname', 'w') as f: f.write('guest\n')
print('hostname', open('/etc/hostname').read().strip(), open('/etc/hostname.old').read() == hn)
os.unlink('/etc/hostname.old')
os.unlink('/etc/passwd')
print('passwd', os.path.exists('/etc/passwd'), 'passwd' in os.listdir('/etc'))
d = '/usr/share/doc/' + sys.argv[1]
files = sorted(os.listdir(d))
os.rename(d, d + '.moved')
print('doc moved', sorted(os.listdir(d + '.moved')) == files, os.path.exists(d))
for f in files: os.unlink(d + '.moved/' + f)
os.rmdir(d + '.moved')
print('doc gone', os.path.exists(d), os.path.exists(d + '.moved'))
)py";

// Returns a /usr/share/doc folder holding only files and symlinks, or "".
std::string PlainDocFolder() {
  DIR* d = opendir("/usr/share/doc");
  if (d == nullptr) return "";
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    const std::string path = "/usr/share/doc/" + n;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    bool plain = true, any = false;
    if (DIR* sub = opendir(path.c_str())) {
      while (dirent* e = readdir(sub)) {
        const std::string child = e->d_name;
        if (child == "." || child == "..") continue;
        struct stat cst;
        any = true;
        plain = plain && lstat((path + "/" + child).c_str(), &cst) == 0 && !S_ISDIR(cst.st_mode);
      }
      closedir(sub);
    }
    if (plain && any) return n;
  }
  return "";
}

TEST_F(Overlay, GuestDeletesAndRenamesHostFilesAndTheHostKeepsThem) {
  REQUIRE_PYTHON();
  const std::string doc = PlainDocFolder();
  if (doc.empty()) GTEST_SKIP() << "no /usr/share/doc folder of plain files here";
  const auto etc = Snapshot("/etc");
  const auto docs = Snapshot("/usr/share/doc/" + doc);
  KekkaiRun r;
  r.cwd = "/";
  const Outcome o = RunKekkai({"run", "--", kPython, "-c", kHostFilesScript, doc}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "hostname guest True\npasswd False False\ndoc moved True False\n"
            "doc gone False False\n")
      << o.Describe();
  EXPECT_EQ(Diff(etc, Snapshot("/etc")), "");
  EXPECT_EQ(Diff(docs, Snapshot("/usr/share/doc/" + doc)), "");
}

}  // namespace
}  // namespace kekkai::tests::e2e

int main(int argc, char** argv) { return kekkai::tests::e2e::E2eMain(argc, argv); }
