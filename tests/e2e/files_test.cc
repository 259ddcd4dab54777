// End-to-end tests of the sandbox's files (issue 4): the default rootfs (the
// host's / below the sandbox's overlay, the sandbox's own tmpfs at /tmp, /var/tmp, /root, /home,
// /run and /dev/shm, its own /dev and /proc), python3 scripts that build, rename,
// link, list and delete trees and tarfile round trips in /tmp and in a --volume,
// sha256sum of host binaries, --rootfs isolation against symlinks and renames
// racing a path walk, --volume (writable and :ro), --overlay=none, and the CLI's
// errors for missing host folders.
//
// meson runs this program twice: e2e_files_native (--gtest_filter=Native*) and
// e2e_files_ptrace (the rest, every `kekkai run` on $E2E_PLATFORM). The native
// half checks each script's expected output on the host (and that each attack
// really reaches the host's secret without a sandbox); the sandboxed half runs the
// same scripts under kekkai, compares with the native output, and then checks the
// host folders from outside. python3 tests skip when /usr/bin/python3 is missing.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/host_tree.h"
#include "tests/e2e/kekkai_run.h"
#include "tests/e2e/process_tree.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPython[] = "/usr/bin/python3";

#define REQUIRE_PYTHON()                                                        \
  do {                                                                          \
    if (!IsExecutable(kPython)) GTEST_SKIP() << kPython << " is not installed"; \
  } while (0)

// ---------------------------------------------------------------------------
// Host-side helpers.

// A fresh host folder (mkdtemp under `parent`), removed with everything in it
// when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& parent = "/tmp") {
    std::string templ = parent + "/kekkai-e2e-files-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp(" << templ << "): " << strerror(errno);
      return;
    }
    path_ = RealPath(templ);
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Returns a name no other test run uses, for files the sandbox must not leak.
std::string UniqueName(const std::string& what) {
  static int counter = 0;
  return "kekkai-e2e-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

bool Lexists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  return !ec;
}

bool Symlink(const std::string& target, const std::string& link) {
  if (symlink(target.c_str(), link.c_str()) == 0) return true;
  ADD_FAILURE() << "symlink(" << target << ", " << link << "): " << strerror(errno);
  return false;
}

bool CopyExecutable(const std::string& from, const std::string& to) {
  const std::string data = ReadFileOr(from, "");
  return !data.empty() && WriteFile(to, data, 0755);
}

// Returns the part of `out` from the line `header` on ("" when it has none).
std::string Section(const std::string& out, const std::string& header) {
  const size_t at = out.find(header + "\n");
  return at == std::string::npos ? "" : out.substr(at);
}

Outcome NativePython(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kPython, "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunNative(argv);
}

// `kekkai run FLAGS… -- python3 -c SCRIPT ARGS…`.
Outcome SandboxedPython(const std::vector<std::string>& flags, const std::string& script,
                        const std::vector<std::string>& args, const KekkaiRun& r = {}) {
  std::vector<std::string> argv = {"run"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"--", kPython, "-c", script});
  argv.insert(argv.end(), args.begin(), args.end());
  return RunKekkai(argv, r);
}

// Fixture of the sandboxed tests (kekkai must exist; no process left behind).
class Files : public Kekkai {};

// ---------------------------------------------------------------------------
// python3: create, rename, link, list and delete a tree.

// argv: BASE [list]. Builds BASE/tree, renames, links, reads and writes at
// offsets, provokes errors, deletes, and lists the tree (os.walk, sorted)
// after each stage, all relative to BASE so runs in different places compare
// equal. With "list" it only lists BASE/tree ("-- final").
constexpr char kTreeScript[] = R"py(
import errno, hashlib, os, shutil, stat, sys

os.umask(0o022)
base = sys.argv[1]
top = os.path.join(base, 'tree')


def path(rel):
    return os.path.join(top, rel)


def data(n, seed):
    return hashlib.shake_256(b'%d' % seed).digest(n)


def put(rel, content, mode=None):
    with open(path(rel), 'wb') as f:
        f.write(content)
    if mode is not None:
        os.chmod(path(rel), mode)


def attempt(name, f):
    try:
        f()
        print(name, 'ok')
    except OSError as e:
        print(name, errno.errorcode[e.errno])


def listing(label):
    print('--', label)
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(d, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                what = 'link ' + os.readlink(p)
            elif stat.S_ISDIR(st.st_mode):
                what = 'dir %o' % stat.S_IMODE(st.st_mode)
            else:
                with open(p, 'rb') as f:
                    digest = hashlib.sha256(f.read()).hexdigest()[:12]
                what = 'file %o %d links=%d %s' % (stat.S_IMODE(st.st_mode), st.st_size,
                                                   st.st_nlink, digest)
            print(os.path.relpath(p, top), what)


if sys.argv[2:] == ['list']:
    listing('final')
    sys.exit(0)

os.makedirs(base, exist_ok=True)
os.makedirs(path('a/b/c'))
os.makedirs(path('x/y'))
put('empty', b'')
put('a/small.txt', b'hello\n')
put('a/b/page.bin', data(4096, 1))
put('a/b/c/big.bin', data(300000, 2))
put('x/y/script.sh', b'#!/bin/sh\necho hi\n', 0o755)
put('x/private', b'private\n', 0o600)
listing('created')

# Renames: in a folder, across folders, a whole folder, over a file, over an
# empty folder.
os.rename(path('a/small.txt'), path('a/renamed.txt'))
os.rename(path('a/b/page.bin'), path('x/page.bin'))
os.rename(path('a/b'), path('a/b2'))
os.replace(path('x/private'), path('empty'))
os.mkdir(path('emptydir'))
os.rename(path('x/y'), path('emptydir'))

# Symbolic and hard links.
os.symlink('renamed.txt', path('a/link-rel'))
os.symlink('../a/b2/c', path('x/link-dir'))
os.symlink('nowhere', path('dangling'))
os.link(path('a/renamed.txt'), path('hard'))
print('read through link', open(path('a/link-rel')).read().strip())
print('list through dir link', sorted(os.listdir(path('x/link-dir'))))
print('realpath', os.path.relpath(os.path.realpath(path('x/link-dir/big.bin')),
                                  os.path.realpath(top)))
print('stat follows', stat.S_ISREG(os.stat(path('a/link-rel')).st_mode),
      'lstat does not', stat.S_ISLNK(os.lstat(path('a/link-rel')).st_mode))
print('dangling exists', os.path.exists(path('dangling')), 'lexists', os.path.lexists(path('dangling')))
print('hard link count', os.stat(path('hard')).st_nlink)
print('scandir', sorted((e.name, e.is_dir(), e.is_symlink()) for e in os.scandir(path('x'))))
listing('renamed and linked')

# Reads and writes at offsets, appends, truncation, a sparse file, an unlinked
# file still open.
with open(path('a/renamed.txt'), 'a') as f:
    f.write('appended\n')
with open(path('a/renamed.txt'), 'r+b') as f:
    f.seek(2)
    f.write(b'L')
    f.seek(0)
    print('content', f.read())
fd = os.open(path('a/renamed.txt'), os.O_RDONLY)
print('pread', os.pread(fd, 5, 6), 'lseek end', os.lseek(fd, 0, os.SEEK_END))
os.close(fd)
print('hard link sees', open(path('hard'), 'rb').read())
os.truncate(path('a/b2/c/big.bin'), 100000)
fd = os.open(path('sparse'), os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(fd, b'end', 1 << 20)
print('sparse size', os.fstat(fd).st_size, 'hole', os.pread(fd, 4, 4096))
os.close(fd)
fd = os.open(path('ghost'), os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b'boo')
os.unlink(path('ghost'))
print('unlinked but open', os.pread(fd, 3, 0), os.path.exists(path('ghost')))
os.close(fd)

# Errors.
os.symlink('loop2', path('loop1'))
os.symlink('loop1', path('loop2'))
attempt('mkdir existing', lambda: os.mkdir(path('a')))
attempt('rmdir non-empty', lambda: os.rmdir(path('a')))
attempt('rmdir file', lambda: os.rmdir(path('empty')))
attempt('unlink folder', lambda: os.unlink(path('a')))
attempt('open folder for writing', lambda: open(path('a'), 'w'))
attempt('open missing', lambda: open(path('missing')))
attempt('create exclusive existing', lambda: open(path('empty'), 'x'))
attempt('file as folder', lambda: open(path('empty/child')))
attempt('symlink loop', lambda: open(path('loop1')))
attempt('rename folder into itself', lambda: os.rename(path('a'), path('a/b2/inside')))
attempt('rename folder over file', lambda: os.rename(path('x'), path('empty')))
attempt('rename file over folder', lambda: os.rename(path('empty'), path('x')))
attempt('rename folder over non-empty', lambda: os.rename(path('x'), path('a')))
attempt('readlink of file', lambda: os.readlink(path('empty')))
attempt('symlink over file', lambda: os.symlink('t', path('empty')))
attempt('hard link to folder', lambda: os.link(path('a'), path('alink')))
attempt('rename missing', lambda: os.rename(path('missing'), path('m2')))

# Deletions: single names, a tree with a symlink to a folder in it, a whole
# throwaway tree.
os.unlink(path('loop1'))
os.unlink(path('loop2'))
os.unlink(path('a/link-rel'))
os.remove(path('hard'))
print('link count after unlink', os.stat(path('a/renamed.txt')).st_nlink)
shutil.rmtree(path('x'))
print('x exists', os.path.lexists(path('x')), 'target kept', os.path.isdir(path('a/b2/c')))
scratch = os.path.join(base, 'scratch')
for i in range(40):
    os.makedirs('%s/d%d/e%d' % (scratch, i % 5, i))
    with open('%s/d%d/e%d/f' % (scratch, i % 5, i), 'w') as f:
        f.write(str(i))
print('scratch files', sum(len(files) for _, _, files in os.walk(scratch)))
shutil.rmtree(scratch)
print('scratch exists', os.path.exists(scratch))
print('base', sorted(os.listdir(base)))
listing('final')
)py";

// What kTreeScript prints on Linux (checked natively first).
constexpr char kTreeExpected[] = R"(-- created
a dir 755
empty file 644 0 links=1 e3b0c44298fc
x dir 755
a/b dir 755
a/small.txt file 644 6 links=1 5891b5b522d5
a/b/c dir 755
a/b/page.bin file 644 4096 links=1 212b1a757f23
a/b/c/big.bin file 644 300000 links=1 04e9b3cebb57
x/private file 600 8 links=1 25bc6f78b121
x/y dir 755
x/y/script.sh file 755 18 links=1 299001868fb8
read through link hello
list through dir link ['big.bin']
realpath a/b2/c/big.bin
stat follows True lstat does not True
dangling exists False lexists True
hard link count 2
scandir [('link-dir', True, True), ('page.bin', False, False)]
-- renamed and linked
a dir 755
dangling link nowhere
empty file 600 8 links=1 25bc6f78b121
emptydir dir 755
hard file 644 6 links=2 5891b5b522d5
x dir 755
a/b2 dir 755
a/link-rel link renamed.txt
a/renamed.txt file 644 6 links=2 5891b5b522d5
a/b2/c dir 755
a/b2/c/big.bin file 644 300000 links=1 04e9b3cebb57
emptydir/script.sh file 755 18 links=1 299001868fb8
x/link-dir link ../a/b2/c
x/page.bin file 644 4096 links=1 212b1a757f23
content b'heLlo\nappended\n'
pread b'appen' lseek end 15
hard link sees b'heLlo\nappended\n'
sparse size 1048579 hole b'\x00\x00\x00\x00'
unlinked but open b'boo' False
mkdir existing EEXIST
rmdir non-empty ENOTEMPTY
rmdir file ENOTDIR
unlink folder EISDIR
open folder for writing EISDIR
open missing ENOENT
create exclusive existing EEXIST
file as folder ENOTDIR
symlink loop ELOOP
rename folder into itself EINVAL
rename folder over file ENOTDIR
rename file over folder EISDIR
rename folder over non-empty ENOTEMPTY
readlink of file EINVAL
symlink over file EEXIST
hard link to folder EPERM
rename missing ENOENT
link count after unlink 1
x exists False target kept True
scratch files 40
scratch exists False
base ['tree']
-- final
a dir 755
dangling link nowhere
empty file 600 8 links=1 25bc6f78b121
emptydir dir 755
sparse file 644 1048579 links=1 0727a9771df2
a/b2 dir 755
a/renamed.txt file 644 15 links=1 8019418f1029
a/b2/c dir 755
a/b2/c/big.bin file 644 100000 links=1 5b829bc51ec9
emptydir/script.sh file 755 18 links=1 299001868fb8
)";

TEST(NativeFiles, TreeScript) {
  REQUIRE_PYTHON();
  TempDir host;
  const Outcome o = NativePython(kTreeScript, {host / "work"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kTreeExpected) << o.Describe();
  // The "list" mode reads back what the full run left.
  const Outcome list = NativePython(kTreeScript, {host / "work", "list"});
  ASSERT_TRUE(list.Exited(0)) << list.Describe();
  EXPECT_EQ(list.out, Section(kTreeExpected, "-- final")) << list.Describe();
}

TEST_F(Files, TreeScriptInTmp) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({}, kTreeScript, {"/tmp/work"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kTreeExpected) << o.Describe();
  // Every /tmp a sandbox sees is its own: the tree is not on the host.
  EXPECT_FALSE(Lexists("/tmp/work/tree/a/renamed.txt"));
}

TEST_F(Files, TreeScriptInVarTmpAndDevShm) {
  REQUIRE_PYTHON();
  for (const std::string dir : {"/var/tmp", "/dev/shm"}) {
    const std::string name = UniqueName("tree");
    const Outcome o = SandboxedPython({}, kTreeScript, {dir + "/" + name});
    EXPECT_TRUE(o.Exited(0)) << dir << "\n" << o.Describe();
    EXPECT_EQ(o.out, kTreeExpected) << dir << "\n" << o.Describe();
    EXPECT_FALSE(Lexists(dir + "/" + name)) << "the sandbox's " << dir << " reached the host";
  }
}

TEST_F(Files, TreeScriptInVolume) {
  REQUIRE_PYTHON();
  TempDir vol;
  const Outcome native_ref = [] {
    TempDir host;
    return NativePython(kTreeScript, {host / "work"});
  }();
  ASSERT_TRUE(native_ref.Exited(0)) << "natively: " << native_ref.Describe();

  const Outcome o = SandboxedPython({"--volume", vol.path() + ":/data"}, kTreeScript, {"/data"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, native_ref.out) << o.Describe();

  // The host folder holds what the guest left, as the guest listed it.
  const Outcome host_list = NativePython(kTreeScript, {vol.path(), "list"});
  ASSERT_TRUE(host_list.Exited(0)) << host_list.Describe();
  EXPECT_EQ(host_list.out, Section(kTreeExpected, "-- final")) << host_list.Describe();
  EXPECT_EQ(ReadFileOr(vol / "tree/a/renamed.txt"), "heLlo\nappended\n");
  EXPECT_EQ(ReadFileOr(vol / "tree/empty"), "private\n");
  EXPECT_EQ(ReadFileOr(vol / "tree/emptydir/script.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(ReadLink(vol / "tree/dangling"), "nowhere");
  struct stat st = {};
  ASSERT_EQ(stat((vol / "tree/a/b2/c/big.bin").c_str(), &st), 0) << strerror(errno);
  EXPECT_EQ(st.st_size, 100000);
  ASSERT_EQ(stat((vol / "tree/emptydir/script.sh").c_str(), &st), 0) << strerror(errno);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(stat((vol / "tree/sparse").c_str(), &st), 0) << strerror(errno);
  EXPECT_EQ(st.st_size, (1 << 20) + 3);
  // Deletions happened on the host.
  for (const char* gone : {"scratch", "tree/x", "tree/hard", "tree/loop1", "tree/loop2",
                           "tree/a/link-rel", "tree/a/small.txt", "tree/a/b", "tree/ghost"}) {
    EXPECT_FALSE(Lexists(vol / gone)) << gone << " is still on the host";
  }
  DIR* d = opendir(vol.path().c_str());
  ASSERT_NE(d, nullptr);
  std::set<std::string> top;
  while (dirent* e = readdir(d)) top.insert(e->d_name);
  closedir(d);
  EXPECT_EQ(top, (std::set<std::string>{".", "..", "tree"}));
}

// argv: PATH: maps PATH shared and checks that the map and read/write see the
// same bytes.
constexpr char kSharedMapScript[] = R"py(
import mmap, os, sys
with open(sys.argv[1], 'w+b') as f:
    f.truncate(8192)
    m = mmap.mmap(f.fileno(), 8192)
    m[4096:4101] = b'mmap!'
    print('read sees map', os.pread(f.fileno(), 5, 4096))
    os.pwrite(f.fileno(), b'write', 100)
    print('map sees write', m[100:105])
    m.close()
)py";

constexpr char kSharedMapExpected[] = "read sees map b'mmap!'\nmap sees write b'write'\n";

TEST(NativeFiles, SharedMapScript) {
  REQUIRE_PYTHON();
  TempDir host;
  const Outcome o = NativePython(kSharedMapScript, {host / "mapped"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kSharedMapExpected) << o.Describe();
}

// A MAP_SHARED map of a tmpfs file is the file's own memory.
TEST_F(Files, SharedMapOfTmpfsFile) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({}, kSharedMapScript, {"/tmp/mapped"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kSharedMapExpected) << o.Describe();
}

// A read-only shared map of a volume file shows the file.
TEST_F(Files, ReadOnlySharedMapOfVolumeFile) {
  REQUIRE_PYTHON();
  TempDir vol;
  std::string data(8192, 'v');
  data.replace(4096, 5, "mmap!");
  ASSERT_TRUE(WriteFile(vol / "mapped", data, 0644));
  const Outcome o = SandboxedPython(
      {"-v", vol.path() + ":/data"},
      "import mmap, sys\n"
      "with open(sys.argv[1], 'rb') as f:\n"
      "    m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)\n"
      "    print(len(m), m[4096:4101].decode(), m[0:1].decode())\n",
      {"/data/mapped"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "8192 mmap! v\n") << o.Describe();
}

// argv: FILE HOW. Maps FILE (12 KiB of 'a') MAP_SHARED and writes through the
// mapping and with pwrite(2), checks each sees the other, msyncs the first page,
// writes once more through the mapping, and lets the data reach the file by
// HOW: "close" (munmap and close), "exit" (neither: the process just ends) or
// "private" (a MAP_PRIVATE mapping, whose writes never reach the file).
constexpr char kWritableMapScript[] = R"py(
import mmap, os, sys
path, how = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDWR)
flags = mmap.MAP_PRIVATE if how == 'private' else mmap.MAP_SHARED
m = mmap.mmap(fd, 0, flags, mmap.PROT_READ | mmap.PROT_WRITE)
m[100:106] = b'mapped'
os.pwrite(fd, b'written', 5000)
print('read sees map', os.pread(fd, 6, 100))
print('map sees write', m[5000:5007])
m.flush(0, 4096)
m[9000:9004] = b'late'
m[12286:12288] = b'zz'
print('size', os.fstat(fd).st_size)
if how == 'exit':
    sys.stdout.flush()
    os._exit(0)
m.close()
os.close(fd)
)py";

// What the file holds afterwards, as HOW leaves it.
std::string WritableMapResult(const std::string& how) {
  std::string data(12288, 'a');
  data.replace(5000, 7, "written");
  if (how == "private") return data;
  data.replace(100, 6, "mapped");
  data.replace(9000, 4, "late");
  data.replace(12286, 2, "zz");
  return data;
}

// A private map's page the script never wrote still shows the file's change.
std::string WritableMapOutput(const std::string& how) {
  return std::string("read sees map ") + (how == "private" ? "b'aaaaaa'" : "b'mapped'") +
         "\nmap sees write b'written'\nsize 12288\n";
}

TEST(NativeFiles, WritableSharedMapScript) {
  REQUIRE_PYTHON();
  for (const std::string how : {"close", "exit", "private"}) {
    TempDir host;
    ASSERT_TRUE(WriteFile(host / "mapped", std::string(12288, 'a'), 0644));
    const Outcome o = NativePython(kWritableMapScript, {host / "mapped", how});
    ASSERT_TRUE(o.Exited(0)) << how << o.Describe();
    EXPECT_EQ(o.out, WritableMapOutput(how)) << how << o.Describe();
    EXPECT_TRUE(ReadFileOr(host / "mapped") == WritableMapResult(how)) << how;
  }
}

// A writable MAP_SHARED map of a volume file is coherent with read(2) and
// write(2) in the sandbox, and what it wrote reaches the host file — after
// msync, munmap and close, or when the sandbox ends — without changing its size.
TEST_F(Files, WritableSharedMapOfVolumeFileReachesTheHost) {
  REQUIRE_PYTHON();
  for (const std::string how : {"close", "exit", "private"}) {
    TempDir vol;
    ASSERT_TRUE(WriteFile(vol / "mapped", std::string(12288, 'a'), 0644));
    const Outcome o =
        SandboxedPython({"-v", vol.path() + ":/data"}, kWritableMapScript, {"/data/mapped", how});
    EXPECT_TRUE(o.Exited(0)) << how << o.Describe();
    EXPECT_EQ(o.out, WritableMapOutput(how)) << how << o.Describe();
    const std::string got = ReadFileOr(vol / "mapped");
    EXPECT_EQ(got.size(), 12288u) << how;
    EXPECT_TRUE(got == WritableMapResult(how)) << how << ": the host file differs";
  }
}

// The same with --overlay=none and a file of the rootfs (the caller's folder,
// shown writable then).
TEST_F(Files, WritableSharedMapWithOverlayNoneReachesTheHost) {
  REQUIRE_PYTHON();
  TempDir dir(ScratchDir());
  ASSERT_TRUE(WriteFile(dir / "mapped", std::string(12288, 'a'), 0644));
  const Outcome o =
      SandboxedPython({"--overlay=none"}, kWritableMapScript, {dir / "mapped", "close"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, WritableMapOutput("close")) << o.Describe();
  EXPECT_TRUE(ReadFileOr(dir / "mapped") == WritableMapResult("close"));
}

// A :ro volume gives no writable description, so no writable shared map; a
// read-only one still works, and nothing reaches the host.
TEST_F(Files, ReadOnlyVolumeRefusesWritableSharedMaps) {
  REQUIRE_PYTHON();
  TempDir vol;
  ASSERT_TRUE(WriteFile(vol / "mapped", std::string(8192, 'r'), 0644));
  const Outcome o = SandboxedPython(
      {"-v", vol.path() + ":/data:ro"},
      "import errno, mmap, os\n"
      "try:\n"
      "    os.open('/data/mapped', os.O_RDWR)\n"
      "except OSError as e:\n"
      "    print('open', errno.errorcode[e.errno])\n"
      "fd = os.open('/data/mapped', os.O_RDONLY)\n"
      "try:\n"
      "    mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)\n"
      "except OSError as e:\n"
      "    print('mmap', errno.errorcode[e.errno])\n"
      "m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)\n"
      "p = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)\n"
      "p[0:7] = b'private'\n"
      "print(m[0:2], p[0:8])\n",
      {});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "open EROFS\nmmap EACCES\nb'rr' b'privater'\n") << o.Describe();
  EXPECT_TRUE(ReadFileOr(vol / "mapped") == std::string(8192, 'r'));
}

// ---------------------------------------------------------------------------
// tarfile round trips.

// argv: SRC ARCHIVE DST [SRC ARCHIVE DST…], or "digest DIR". For each triple:
// builds SRC/pkg, tars it (gzip), extracts into DST and compares the two trees
// (filecmp.dircmp and a digest of names, modes, contents and link targets).
constexpr char kTarScript[] = R"py(
import filecmp, hashlib, os, stat, sys, tarfile

os.umask(0o022)


def data(n, seed):
    return hashlib.shake_256(b'%d' % seed).digest(n)


def digest(top):
    # Names, types, modes, sizes, contents and link targets; not times or owners.
    h = hashlib.sha256()
    count = 0
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(d, name)
            st = os.lstat(p)
            size = 0 if stat.S_ISDIR(st.st_mode) else st.st_size  # folder sizes are the fs's
            h.update(('%s %o %d\n' % (os.path.relpath(p, top), st.st_mode, size)).encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(p, 'rb') as f:
                    h.update(f.read())
            count += 1
    return '%d entries %s' % (count, h.hexdigest()[:16])


if sys.argv[1] == 'digest':
    print('digest', digest(sys.argv[2]))
    sys.exit(0)


def make_tree(src):
    os.makedirs(src + '/pkg/lib/sub')
    os.makedirs(src + '/pkg/empty-dir')
    os.makedirs(src + '/pkg/many')
    files = {'pkg/README': b'read me\n', 'pkg/lib/blob.bin': data(1 << 20, 3),
             'pkg/lib/sub/zero': b'', 'pkg/tool': b'#!/bin/sh\necho tool\n'}
    for i in range(60):
        files['pkg/many/f%03d' % i] = (b'%d\n' % i) * i
    for rel, content in files.items():
        with open(os.path.join(src, rel), 'wb') as f:
            f.write(content)
    os.chmod(src + '/pkg/tool', 0o755)
    os.chmod(src + '/pkg/lib/sub', 0o700)
    os.symlink('sub/zero', src + '/pkg/lib/link')
    os.symlink('../README', src + '/pkg/lib/up-link')
    os.link(src + '/pkg/README', src + '/pkg/lib/hard')


def kind(m):
    return ('dir' if m.isdir() else 'symlink' if m.issym() else 'hardlink' if m.islnk()
            else 'file' if m.isfile() else 'other')


def diffs(dc):
    out = ['%s: only in source: %s' % (dc.left, n) for n in dc.left_only]
    out += ['%s: only in copy: %s' % (dc.right, n) for n in dc.right_only]
    out += ['%s: differs: %s' % (dc.left, n) for n in dc.diff_files + dc.funny_files]
    for sub in dc.subdirs.values():
        out += diffs(sub)
    return out


args = sys.argv[1:]
for i in range(0, len(args), 3):
    src, archive, dst = args[i:i + 3]
    print('-- round trip', i // 3 + 1)
    make_tree(src)
    with tarfile.open(archive, 'w:gz') as t:
        t.add(src + '/pkg', arcname='pkg')
    with tarfile.open(archive, 'r:gz') as t:
        members = sorted(t.getmembers(), key=lambda m: m.name)
        print('members', len(members))
        for m in members:
            if not m.name.startswith('pkg/many/'):
                print(' ', m.name, kind(m), '%o' % m.mode, m.size,
                      *([m.linkname] if m.linkname else []))
        if hasattr(tarfile, 'fully_trusted_filter'):
            t.extractall(dst, filter='fully_trusted')
        else:
            t.extractall(dst)
    print('dircmp', diffs(filecmp.dircmp(src + '/pkg', dst + '/pkg')) or 'same')
    print('digest source', digest(src + '/pkg'))
    print('digest copy', digest(dst + '/pkg'))
    print('hard link count', os.stat(dst + '/pkg/lib/hard').st_nlink)
    print('mtime kept', int(os.stat(dst + '/pkg/README').st_mtime) ==
          int(os.stat(src + '/pkg/README').st_mtime))
    with open(dst + '/pkg/lib/blob.bin', 'rb') as f:
        print('blob intact', f.read() == data(1 << 20, 3))
)py";

constexpr char kTarDigest[] = "71 entries 12f3bf66a1b73d31";

// What kTarScript prints for round trip `n` on Linux.
std::string TarExpected(int n) {
  return "-- round trip " + std::to_string(n) + R"(
members 72
  pkg dir 755 0
  pkg/README file 644 8
  pkg/empty-dir dir 755 0
  pkg/lib dir 755 0
  pkg/lib/blob.bin file 644 1048576
  pkg/lib/hard hardlink 644 0 pkg/README
  pkg/lib/link symlink 777 0 sub/zero
  pkg/lib/sub dir 700 0
  pkg/lib/sub/zero file 644 0
  pkg/lib/up-link symlink 777 0 ../README
  pkg/many dir 755 0
  pkg/tool file 755 20
dircmp same
digest source )" +
         kTarDigest + R"(
digest copy )" +
         kTarDigest + R"(
hard link count 2
mtime kept True
blob intact True
)";
}

TEST(NativeFiles, TarRoundTrip) {
  REQUIRE_PYTHON();
  TempDir host;
  const Outcome o = NativePython(kTarScript, {host / "src", host / "a.tgz", host / "dst",
                                              host / "src2", host / "b.tgz", host / "dst2"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, TarExpected(1) + TarExpected(2)) << o.Describe();
  const Outcome d = NativePython(kTarScript, {"digest", host / "dst/pkg"});
  EXPECT_EQ(d.out, std::string("digest ") + kTarDigest + "\n") << d.Describe();
}

TEST_F(Files, TarRoundTripInTmp) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({}, kTarScript, {"/tmp/src", "/tmp/a.tgz", "/tmp/dst"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, TarExpected(1)) << o.Describe();
}

// Source in /tmp, archive and copy in the volume; then source in the volume,
// archive and copy in /tmp. The host then reads what reached the volume.
TEST_F(Files, TarRoundTripAcrossTmpAndVolume) {
  REQUIRE_PYTHON();
  TempDir vol;
  const Outcome o = SandboxedPython(
      {"-v", vol.path() + ":/data"}, kTarScript,
      {"/tmp/src", "/data/a.tgz", "/data/dst", "/data/src2", "/tmp/b.tgz", "/tmp/dst2"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, TarExpected(1) + TarExpected(2)) << o.Describe();

  for (const char* tree : {"dst/pkg", "src2/pkg"}) {
    const Outcome d = NativePython(kTarScript, {"digest", vol / tree});
    EXPECT_EQ(d.out, std::string("digest ") + kTarDigest + "\n") << tree << "\n" << d.Describe();
  }
  // The archive the guest wrote is a good gzip tarball for the host's tar.
  if (IsExecutable("/usr/bin/tar")) {
    const Outcome t = RunNative({"/usr/bin/tar", "-tzf", vol / "a.tgz"});
    EXPECT_TRUE(t.Exited(0)) << t.Describe();
    EXPECT_EQ(SplitLines(t.out).size(), 72u) << t.Describe();
    EXPECT_THAT(t.out, HasSubstr("pkg/lib/blob.bin\n")) << t.Describe();
  }
  EXPECT_FALSE(Lexists(vol / "b.tgz"));
  EXPECT_FALSE(Lexists(vol / "src"));
}

// ---------------------------------------------------------------------------
// sha256sum of host binaries and of a big file in a volume.

TEST_F(Files, Sha256sumOfHostBinaries) {
  const std::string sha = "/usr/bin/sha256sum";
  if (!IsExecutable(sha)) GTEST_SKIP() << sha << " is not installed";
  std::vector<std::string> argv = {sha, "/bin/ls", "/bin/sh", "/usr/bin/sha256sum"};
  if (IsExecutable(kPython)) {
    argv.push_back(kPython);
    argv.push_back(RealPath(kPython));
  }
  const Outcome native = RunNative(argv);
  ASSERT_TRUE(native.Exited(0)) << "natively: " << native.Describe();
  ASSERT_EQ(SplitLines(native.out).size(), argv.size() - 1) << native.Describe();
  const Outcome o = RunSandboxed(argv);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, native.out) << o.Describe();
}

TEST_F(Files, Sha256sumOfBigFileInVolume) {
  const std::string sha = "/usr/bin/sha256sum";
  if (!IsExecutable(sha)) GTEST_SKIP() << sha << " is not installed";
  TempDir vol;
  std::string data(8 << 20, '\0');
  {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    urandom.read(data.data(), static_cast<std::streamsize>(data.size()));
  }
  ASSERT_TRUE(WriteFile(vol / "big.bin", data, 0644));
  const Outcome native = RunNative({sha, vol / "big.bin"});
  ASSERT_TRUE(native.Exited(0)) << native.Describe();
  const std::string want = native.out.substr(0, 64) + "  /data/big.bin\n";
  for (const std::string flag : {":/data", ":/data:ro"}) {
    const Outcome o = RunKekkai({"run", "-v", vol.path() + flag, "--", sha, "/data/big.bin"});
    EXPECT_TRUE(o.Exited(0)) << flag << "\n" << o.Describe();
    EXPECT_EQ(o.out, want) << flag << "\n" << o.Describe();
  }
}

// ---------------------------------------------------------------------------
// The default rootfs.

// argv: NAME DIR…: in each DIR, lists it, writes NAME, moves it into NAME.d and
// reads it back, and lists it again.
constexpr char kPrivateDirsScript[] = R"py(
import os, stat, sys
name = sys.argv[1]
for d in sys.argv[2:]:
    before = sorted(os.listdir(d))
    p = os.path.join(d, name)
    with open(p, 'w') as f:
        f.write('inside ' + d)
    os.mkdir(p + '.d')
    os.rename(p, p + '.d/moved')
    ok = open(p + '.d/moved').read() == 'inside ' + d
    print(d, '%o' % stat.S_IMODE(os.stat(d).st_mode), before, ok, sorted(os.listdir(d)))
)py";

TEST(NativeFiles, PrivateDirsScript) {
  REQUIRE_PYTHON();
  TempDir host;
  ASSERT_EQ(chmod(host.path().c_str(), 01777), 0);
  const Outcome o = NativePython(kPrivateDirsScript, {"n", host.path()});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, host.path() + " 1777 [] True ['n.d']\n") << o.Describe();
}

// /tmp, /var/tmp, /root, /home, /run and /dev/shm are the sandbox's own tmpfs:
// empty (the host's files there are not shown), writable, and nothing written
// there reaches the host.
// A guest may nest directories as deep as it likes (one level at a time, with
// chdir): making, caching and freeing the tree must not exhaust the sentry's stack.
TEST_F(Files, DeeplyNestedDirectoriesDoNotHurtTheSentry) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({},
                                    "import os\n"
                                    "os.chdir('/tmp')\n"
                                    "for i in range(100000):\n"
                                    "    os.mkdir('d'); os.chdir('d')\n"
                                    "print('deep', len(os.listdir('.')))\n",
                                    {});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "deep 0\n") << o.Describe();
}

// Removed directories left behind one open fd form a chain only that fd holds:
// closing it frees them all without exhausting the sentry's stack. And
// open(O_CREAT) through /proc/self/fd/N reopens the (deleted) file, as Linux.
TEST_F(Files, RemovedDirectoryChainsAndMagicLinksBehave) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({},
                                    "import os\n"
                                    "os.chdir('/tmp'); os.mkdir('top'); os.chdir('top')\n"
                                    "for i in range(20000): os.mkdir('d'); os.chdir('d')\n"
                                    "fd = os.open('.', os.O_RDONLY)\n"
                                    "for i in range(20000): os.chdir('..'); os.rmdir('d')\n"
                                    "os.close(fd)\n"
                                    "fd = os.open('/tmp/t', os.O_CREAT | os.O_RDWR, 0o600)\n"
                                    "os.write(fd, b'data'); os.unlink('/tmp/t')\n"
                                    "fd2 = os.open('/proc/self/fd/%d' % fd, os.O_CREAT | os.O_RDWR)\n"
                                    "print(os.pread(fd2, 4, 0).decode(), os.listdir('/tmp/top'))\n",
                                    {});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "data []\n") << o.Describe();
}

TEST_F(Files, PrivateTmpfsDirsAreEmptyWritableAndStayInside) {
  REQUIRE_PYTHON();
  const std::string name = UniqueName("private");
  const std::vector<std::string> dirs = {"/tmp", "/var/tmp", "/root", "/home", "/run", "/dev/shm"};
  // Host files in the host's own folders of the same names: the guest must not see them.
  std::vector<std::string> host_files;
  for (const std::string d : {"/tmp", "/var/tmp", "/dev/shm"}) {
    if (WriteFile(d + "/" + name + ".host", "host's own\n", 0644))
      host_files.push_back(d + "/" + name + ".host");
  }
  KekkaiRun r;
  r.cwd = "/";  // No part of the private trees is the caller's folder.
  std::vector<std::string> args = {name};
  args.insert(args.end(), dirs.begin(), dirs.end());
  const Outcome o = SandboxedPython({}, kPrivateDirsScript, args, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  const std::map<std::string, std::string> modes = {{"/tmp", "1777"}, {"/var/tmp", "1777"},
                                                    {"/root", "700"}, {"/home", "755"},
                                                    {"/run", "755"},  {"/dev/shm", "1777"}};
  std::string want;
  for (const std::string& d : dirs) want += d + " " + modes.at(d) + " [] True ['" + name + ".d']\n";
  EXPECT_EQ(o.out, want) << o.Describe();
  for (const std::string& d : dirs) {
    for (const std::string suffix : {"", ".d", ".d/moved"}) {
      EXPECT_FALSE(Lexists(d + "/" + name + suffix))
          << d << "/" << name << suffix << " reached the host";
    }
  }
  for (const std::string& f : host_files) {
    EXPECT_EQ(ReadFileOr(f), "host's own\n") << f;
    unlink(f.c_str());
  }
}

// argv: DIR NAME: tries every kind of write in the host folder DIR (which holds
// `precious`, `sub/` and `sub/emptydir/`) and in the host's /, /etc, /usr and
// /bin, printing the errno; then reads DIR back.
constexpr char kReadOnlyScript[] = R"py(
import errno, os, sys
p, name = sys.argv[1], sys.argv[2]
def attempt(what, f):
    try:
        f()
        print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
attempt('create', lambda: open(p + '/new', 'x'))
attempt('write', lambda: open(p + '/precious', 'w'))
attempt('append', lambda: open(p + '/precious', 'a'))
attempt('open rdwr', lambda: os.open(p + '/precious', os.O_RDWR))
attempt('truncate', lambda: os.truncate(p + '/precious', 0))
attempt('unlink', lambda: os.unlink(p + '/precious'))
attempt('rename', lambda: os.rename(p + '/precious', p + '/moved'))
attempt('rename folder', lambda: os.rename(p + '/sub', p + '/sub2'))
attempt('mkdir', lambda: os.mkdir(p + '/newdir'))
attempt('rmdir', lambda: os.rmdir(p + '/sub/emptydir'))
attempt('symlink', lambda: os.symlink('precious', p + '/newlink'))
attempt('link', lambda: os.link(p + '/precious', p + '/hard'))
attempt('chmod', lambda: os.chmod(p + '/precious', 0o600))
attempt('chown', lambda: os.chown(p + '/precious', 1, 1))
attempt('utime', lambda: os.utime(p + '/precious', (0, 0)))
attempt('mkfifo', lambda: os.mkfifo(p + '/fifo'))
attempt('root create', lambda: open('/' + name, 'w'))
attempt('etc create', lambda: open('/etc/' + name, 'w'))
attempt('etc rename', lambda: os.rename('/etc/hostname', '/etc/' + name))
attempt('usr mkdir', lambda: os.mkdir('/usr/' + name))
attempt('bin write', lambda: open('/bin/ls', 'r+b'))
attempt('bin unlink', lambda: os.unlink('/bin/ls'))
print('read', open(p + '/precious').read().strip())
print('listing', sorted(os.listdir(p)))
)py";

// argv: DIR NAME: makes every kind of write in the host folder DIR (which holds
// `precious`, `w`, `a`, `rw`, `t`, `u`, `r` and `sub/emptydir/`), each on its own
// file, and in the host's /, /etc, /usr and /bin, printing the errno; then reads
// back what it changed.
constexpr char kOverlayWritesScript[] = R"py(
import errno, os, sys
p, name = sys.argv[1], sys.argv[2]
def attempt(what, f):
    try:
        f()
        print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
def write(path, mode, data):
    with open(path, mode) as f:
        f.write(data)
attempt('create', lambda: write(p + '/new', 'x', 'new'))
attempt('write', lambda: write(p + '/w', 'w', 'written'))
attempt('append', lambda: write(p + '/a', 'a', '+appended'))
attempt('open rdwr', lambda: os.close(os.open(p + '/rw', os.O_RDWR)))
attempt('truncate', lambda: os.truncate(p + '/t', 2))
attempt('unlink', lambda: os.unlink(p + '/u'))
attempt('rename', lambda: os.rename(p + '/r', p + '/moved'))
attempt('rename folder', lambda: os.rename(p + '/sub', p + '/sub2'))
attempt('mkdir', lambda: os.mkdir(p + '/newdir'))
attempt('rmdir', lambda: os.rmdir(p + '/sub2/emptydir'))
attempt('symlink', lambda: os.symlink('precious', p + '/newlink'))
attempt('link', lambda: os.link(p + '/precious', p + '/hard'))
attempt('chmod', lambda: os.chmod(p + '/precious', 0o600))
attempt('chown', lambda: os.chown(p + '/precious', 1, 1))
attempt('utime', lambda: os.utime(p + '/precious', (0, 0)))
attempt('mkfifo', lambda: os.mkfifo(p + '/fifo'))
attempt('root create', lambda: write('/' + name, 'w', 'x'))
attempt('etc create', lambda: write('/etc/' + name, 'w', 'x'))
attempt('etc rename', lambda: os.rename('/etc/hostname', '/etc/' + name + '.h'))
attempt('usr mkdir', lambda: os.mkdir('/usr/' + name))
attempt('bin write', lambda: write('/bin/ls', 'r+b', b'X'))
attempt('bin unlink', lambda: os.unlink('/bin/ls'))
st = os.stat(p + '/precious')
print('read', open(p + '/precious').read().strip(), oct(st.st_mode & 0o777), st.st_uid,
      int(st.st_mtime), st.st_nlink)
print('contents', repr(open(p + '/w').read()), repr(open(p + '/a').read()),
      repr(open(p + '/t').read()), repr(open(p + '/moved').read()))
print('listing', sorted(os.listdir(p)))
print('sub2', sorted(os.listdir(p + '/sub2')))
print('etc', os.path.exists('/etc/hostname'), os.path.exists('/etc/' + name + '.h'))
)py";

// The default rootfs takes every write in the sandbox's overlay, and the host is
// byte-for-byte unchanged.
TEST_F(Files, DefaultRootfsTakesWritesInTheOverlayAndHostIsUnchanged) {
  REQUIRE_PYTHON();
  // Beside this binary, in the build folder (the host's /tmp is not shown).
  TempDir probe(SelfDir());
  ASSERT_TRUE(WriteFile(probe / "precious", "host data\n", 0644));
  for (const std::string f : {"w", "a", "rw", "t", "u", "r"}) {
    ASSERT_TRUE(WriteFile(probe / f, "host " + f + "\n", 0644));
  }
  ASSERT_TRUE(MakeDirs(probe / "sub/emptydir"));
  const std::string name = UniqueName("ro");
  const std::map<std::string, std::string> before = Snapshot(probe.path());
  const std::map<std::string, std::string> etc_before = Snapshot("/etc");
  const std::string ls_before = ReadFileOr("/bin/ls");
  // The probe is the caller's folder: shown (writable in the sandbox) even where
  // the default rootfs would hide it (a build folder under /home).
  KekkaiRun r;
  r.cwd = probe.path();
  const Outcome o = SandboxedPython({}, kOverlayWritesScript, {probe.path(), name}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "create ok\nwrite ok\nappend ok\nopen rdwr ok\ntruncate ok\nunlink ok\nrename ok\n"
            "rename folder ok\nmkdir ok\nrmdir ok\nsymlink ok\nlink ok\nchmod ok\nchown ok\n"
            "utime ok\nmkfifo ok\nroot create ok\netc create ok\netc rename ok\nusr mkdir ok\n"
            "bin write ok\nbin unlink ok\nread host data 0o600 1 0 2\n"
            "contents 'written' 'host a\\n+appended' 'ho' 'host r\\n'\n"
            "listing ['a', 'fifo', 'hard', 'moved', 'new', 'newdir', 'newlink', 'precious', "
            "'rw', 'sub2', 't', 'w']\nsub2 []\netc False True\n")
      << o.Describe();
  EXPECT_EQ(Snapshot(probe.path()), before);
  EXPECT_EQ(Snapshot("/etc"), etc_before);
  EXPECT_TRUE(ReadFileOr("/bin/ls") == ls_before) << "/bin/ls changed";
  for (const std::string& p : {"/" + name, "/etc/" + name, "/usr/" + name}) {
    EXPECT_FALSE(Lexists(p)) << p << " was created on the host";
  }
}

// argv: NAME: prints the guest's cwd, what it holds and reads, and what a write
// there gets; then whether a sibling of the cwd on the host can be seen.
constexpr char kCwdScript[] = R"py(
import errno, os, sys
print('cwd', os.getcwd())
print('listing', sorted(os.listdir('.')))
print('read', open('mine.txt').read().strip())
for what, f in [('create', lambda: open('new.txt', 'x')),
                ('write', lambda: open('mine.txt', 'w')),
                ('mkdir', lambda: os.mkdir('newdir'))]:
    try:
        f()
        print(what, 'ok')
    except OSError as e:
        print(what, errno.errorcode[e.errno])
if len(sys.argv) > 1:
    try:
        print('sibling', open(sys.argv[1]).read().strip())
    except OSError as e:
        print('sibling', errno.errorcode[e.errno])
    parent = os.path.dirname(os.getcwd())
    print('parent lists', sorted(os.listdir(parent)))
)py";

// The caller's folder (the meson build folder when run by meson test) is the
// guest's cwd, writable in the sandbox only.
TEST_F(Files, CallersCwdIsWritableInTheSandboxOnly) {
  REQUIRE_PYTHON();
  TempDir cwd(SelfDir());
  ASSERT_TRUE(WriteFile(cwd / "mine.txt", "my own file\n", 0644));
  const std::map<std::string, std::string> before = Snapshot(cwd.path());
  KekkaiRun r;
  r.cwd = cwd.path();
  const Outcome o = SandboxedPython({}, kCwdScript, {}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "cwd " + cwd.path() +
                       "\nlisting ['mine.txt']\nread my own file\ncreate ok\nwrite ok\n"
                       "mkdir ok\n")
      << o.Describe();
  EXPECT_EQ(Snapshot(cwd.path()), before);

  // And this process's own cwd, as meson gives it.
  const std::string own = RealPath(".");
  const Outcome p =
      SandboxedPython({}, "import os; print(os.getcwd()); print(len(os.listdir('.')) > 0)", {});
  EXPECT_TRUE(p.Exited(0)) << p.Describe();
  EXPECT_EQ(p.out, own + "\nTrue\n") << p.Describe();
}

// A caller's folder inside a tree the sandbox hides (here the host's /tmp) is
// still shown (writable in the sandbox only, through an overlay of its own), and
// alone: its siblings stay hidden.
TEST_F(Files, CallersCwdInsideHiddenTreeIsShownAlone) {
  REQUIRE_PYTHON();
  TempDir cwd("/tmp");
  TempDir sibling("/tmp");
  ASSERT_TRUE(WriteFile(cwd / "mine.txt", "my own file\n", 0644));
  ASSERT_TRUE(WriteFile(sibling / "secret.txt", "sibling's secret\n", 0644));
  const std::map<std::string, std::string> before = Snapshot(cwd.path());
  KekkaiRun r;
  r.cwd = cwd.path();
  const Outcome o = SandboxedPython({}, kCwdScript, {sibling / "secret.txt"}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  const std::string base = cwd.path().substr(cwd.path().rfind('/') + 1);
  EXPECT_EQ(o.out, "cwd " + cwd.path() +
                       "\nlisting ['mine.txt']\nread my own file\ncreate ok\nwrite ok\n"
                       "mkdir ok\nsibling ENOENT\nparent lists ['" +
                       base + "']\n")
      << o.Describe();
  EXPECT_EQ(Snapshot(cwd.path()), before);
}

// argv: PATH…: prints which of the paths exist.
constexpr char kHostViewScript[] = R"py(
import os, sys
print('visible', [p for p in sys.argv[1:] if os.path.lexists(p)])
)py";

// Returns paths that only the host's /proc, /sys and /dev have: this process,
// the kernel's memory, the host's block devices and its device nodes beyond the
// ones a sandbox's /dev has.
std::vector<std::string> HostOnlyPaths() {
  std::vector<std::string> out = {"/proc/" + std::to_string(getpid()),
                                  "/proc/" + std::to_string(getpid()) + "/environ", "/proc/kcore"};
  const std::set<std::string> sandbox_may_have = {
      "null", "zero", "full",  "random", "urandom", "tty",     "ptmx",   "pts",
      "shm",  "fd",   "stdin", "stdout", "stderr",  "console", "mqueue", "core"};
  for (const std::string dir : {"/dev", "/sys/block"}) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n == "." || n == "..") continue;
      if (dir == "/dev" && sandbox_may_have.count(n) != 0) continue;
      names.push_back(dir + "/" + n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    out.insert(out.end(), names.begin(), names.end());
  }
  // Only what this host has (no /proc/kcore in some VMs).
  out.erase(
      std::remove_if(out.begin(), out.end(), [](const std::string& p) { return !Lexists(p); }),
      out.end());
  return out;
}

std::string PyList(const std::vector<std::string>& items) {
  std::string s = "[";
  for (const std::string& i : items) s += (s.size() > 1 ? ", '" : "'") + i + "'";
  return s + "]";
}

TEST(NativeFiles, HostViewScriptSeesTheHost) {
  REQUIRE_PYTHON();
  const std::vector<std::string> paths = HostOnlyPaths();
  ASSERT_GT(paths.size(), 4u) << "the host has no device nodes of its own?";
  const Outcome o = NativePython(kHostViewScript, paths);
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "visible " + PyList(paths) + "\n") << o.Describe();
}

TEST_F(Files, HostProcSysAndDevAreNotShown) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({}, kHostViewScript, HostOnlyPaths());
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "visible []\n") << o.Describe();
}

// Prints the device nodes of /dev and how each behaves.
constexpr char kDevicesScript[] = R"py(
import errno, os, stat
for n in ['null', 'zero', 'full', 'random', 'urandom', 'tty']:
    st = os.stat('/dev/' + n)
    print(n, 'char' if stat.S_ISCHR(st.st_mode) else 'not-char', os.major(st.st_rdev),
          os.minor(st.st_rdev), '%o' % stat.S_IMODE(st.st_mode))
with open('/dev/null', 'r+b', buffering=0) as f:
    print('null', f.read(), f.write(b'x' * 100000))
with open('/dev/zero', 'r+b', buffering=0) as f:
    print('zero', f.read(70000) == bytes(70000), f.write(b'x' * 10))
with open('/dev/full', 'r+b', buffering=0) as f:
    print('full read', f.read(10) == bytes(10))
    try:
        f.write(b'x')
        print('full write ok')
    except OSError as e:
        print('full write', errno.errorcode[e.errno])
with open('/dev/urandom', 'rb', buffering=0) as f:
    a, b = f.read(32), f.read(32)
    print('urandom', len(a), len(b), a != b)
with open('/dev/random', 'rb', buffering=0) as f:
    print('random', len(f.read(16)))
print('proc self', os.readlink('/proc/self').isdigit(), os.path.realpath('/proc/self/exe'))
)py";

std::string DevicesExpected() {
  return "null char 1 3 666\nzero char 1 5 666\nfull char 1 7 666\nrandom char 1 8 666\n"
         "urandom char 1 9 666\ntty char 5 0 666\nnull b'' 100000\nzero True 10\n"
         "full read True\nfull write ENOSPC\nurandom 32 32 True\nrandom 16\nproc self True " +
         RealPath(kPython) + "\n";
}

TEST(NativeFiles, Devices) {
  REQUIRE_PYTHON();
  const Outcome o = NativePython(kDevicesScript, {});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, DevicesExpected()) << o.Describe();
}

TEST_F(Files, DevicesAreTheSandboxsOwn) {
  REQUIRE_PYTHON();
  const Outcome o = SandboxedPython({}, kDevicesScript, {});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, DevicesExpected()) << o.Describe();
  // /proc/self is the guest itself, pid 1 of its own pid namespace.
  const Outcome p = SandboxedPython({}, "import os; print(os.readlink('/proc/self'))", {});
  EXPECT_TRUE(p.Exited(0)) << p.Describe();
  EXPECT_EQ(p.out, "1\n") << p.Describe();
  // The sandbox's /dev holds the devices, and a file made there stays inside.
  const std::string name = UniqueName("dev");
  const Outcome l = SandboxedPython(
      {},
      "import os, sys\nnames = set(os.listdir('/dev'))\n"
      "print(sorted(names & {'null', 'zero', 'full', 'random', 'urandom', 'tty'}))\n"
      "try:\n    open('/dev/' + sys.argv[1], 'w').write('x')\nexcept OSError:\n    pass\n",
      {name});
  EXPECT_TRUE(l.Exited(0)) << l.Describe();
  EXPECT_EQ(l.out, "['full', 'null', 'random', 'tty', 'urandom', 'zero']\n") << l.Describe();
  EXPECT_FALSE(Lexists("/dev/" + name)) << "a file the guest made in /dev reached the host";
}

// ---------------------------------------------------------------------------
// --rootfs isolation: symlinks in DIR that point outside it.

// A host rootfs folder with the path_probe guest as /bin/path_probe, symlinks
// that lead out of it (absolute, and by ../ chains), and a secret outside it,
// with decoys inside DIR at the secret's path.
class EscapeLayout {
 public:
  EscapeLayout() {
    const std::string s = secret_.path();
    ok_ = MakeDirs(rootfs_ / "bin") &&
          CopyExecutable(Guest("path_probe"), rootfs_ / "bin/path_probe") &&
          WriteFile(secret_ / "secret.txt", "HOST SECRET\n", 0644) &&
          WriteFile(secret_ / "only-on-host", "HOST ONLY\n", 0644) &&
          MakeDirs(rootfs_.path() + s) &&
          WriteFile(rootfs_.path() + s + "/secret.txt", "decoy\n", 0644) &&
          MakeDirs(rootfs_ / "etc") &&
          WriteFile(rootfs_ / "etc/hostname", "decoy hostname\n", 0644) &&
          MakeDirs(rootfs_ / "deep/a/b") && Symlink(s + "/secret.txt", rootfs_ / "abs-secret") &&
          Symlink(s, rootfs_ / "abs-dir") &&
          Symlink("../../../../../../../../.." + s + "/secret.txt",
                  rootfs_ / "deep/a/b/rel-secret") &&
          Symlink("../../../../../../etc/os-release", rootfs_ / "deep/a/b/rel-os-release") &&
          Symlink("/etc/os-release", rootfs_ / "abs-os-release") &&
          Symlink("/etc/hostname", rootfs_ / "abs-hostname") &&
          Symlink("../../../..", rootfs_ / "dotdot") &&
          Symlink("deep/a/b/rel-secret", rootfs_ / "chain") &&
          Symlink("loop2", rootfs_ / "loop1") && Symlink("loop1", rootfs_ / "loop2");
  }

  bool ok() const { return ok_; }
  const std::string& rootfs() const { return rootfs_.path(); }
  const std::string& secret_dir() const { return secret_.path(); }

  // The path_probe commands, and what they print inside DIR (as in a chroot).
  std::vector<std::string> Commands() const {
    const std::string s = secret_.path();
    return {"cat",
            "/abs-secret",
            "cat",
            "/abs-dir/secret.txt",
            "cat",
            "/abs-dir/only-on-host",
            "ls",
            "/abs-dir",
            "cat",
            "/deep/a/b/rel-secret",
            "cat",
            "/chain",
            "cat",
            "/deep/a/b/rel-os-release",
            "cat",
            "/abs-os-release",
            "cat",
            "/abs-hostname",
            "cat",
            "/../../.." + s + "/secret.txt",
            "cat",
            "/dotdot" + s + "/secret.txt",
            "cat",
            "/loop1",
            "cd",
            "/",
            "cd",
            "..",
            "cd",
            "../../..",
            "pwd",
            "ls",
            ".",
            "ls",
            "/",
            "ls",
            "/dotdot",
            "ls",
            "/deep/a/b/../../../../.."};
  }
  std::string Expected() const {
    const std::string s = secret_.path();
    return "cat /abs-secret: decoy\\n\n"
           "cat /abs-dir/secret.txt: decoy\\n\n"
           "cat /abs-dir/only-on-host: ENOENT\n"
           "ls /abs-dir: secret.txt\n"
           "cat /deep/a/b/rel-secret: decoy\\n\n"
           "cat /chain: decoy\\n\n"
           "cat /deep/a/b/rel-os-release: ENOENT\n"
           "cat /abs-os-release: ENOENT\n"
           "cat /abs-hostname: decoy hostname\\n\n"
           "cat /../../.." +
           s +
           "/secret.txt: decoy\\n\n"
           "cat /dotdot" +
           s +
           "/secret.txt: decoy\\n\n"
           "cat /loop1: ELOOP\n"
           "cd /: ok\ncd ..: ok\ncd ../../..: ok\npwd: /\n";
  }

 private:
  TempDir rootfs_;
  // Outside the host's /tmp: the sandbox mounts its own tmpfs at DIR/tmp, which
  // would hide the decoys.
  TempDir secret_{SelfDir()};
  bool ok_ = false;
};

// Checks path_probe's output for EscapeLayout: the fixed lines, and that /, .
// after `cd ..` from /, and every ../ chain out of / list the same root.
void CheckEscapeOutput(const EscapeLayout& layout, const Outcome& o) {
  EXPECT_THAT(o.out, StartsWith(layout.Expected())) << o.Describe();
  EXPECT_THAT(o.out, Not(HasSubstr("HOST"))) << o.Describe();
  std::map<std::string, std::string> ls;
  for (const std::string& line : SplitLines(o.out)) {
    const size_t colon = line.find(':');
    if (line.rfind("ls ", 0) == 0 && colon != std::string::npos) {
      ls[line.substr(3, colon - 3)] = line.substr(colon + 1);
    }
  }
  ASSERT_EQ(ls.count("/"), 1u) << o.Describe();
  EXPECT_THAT(ls["/"], HasSubstr(" abs-secret ")) << o.Describe();
  for (const char* same : {".", "/dotdot", "/deep/a/b/../../../../.."}) {
    EXPECT_EQ(ls[same], ls["/"]) << same << "\n" << o.Describe();
  }
}

// Without a sandbox the layout's links do reach the host's secret: the attack
// is real.
TEST(NativeFiles, RootfsSymlinksReachTheHostWithoutSandbox) {
  EscapeLayout layout;
  ASSERT_TRUE(layout.ok());
  ASSERT_TRUE(IsExecutable(Guest("path_probe")))
      << "guests not built: $GUESTS='" << GuestsDir() << "'";
  const std::string r = layout.rootfs();
  const Outcome o = RunNative({Guest("path_probe"), "cat", r + "/abs-secret", "cat",
                               r + "/deep/a/b/rel-secret", "cat", r + "/abs-dir/only-on-host"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "cat " + r + "/abs-secret: HOST SECRET\\n\ncat " + r +
                       "/deep/a/b/rel-secret: HOST SECRET\\n\ncat " + r +
                       "/abs-dir/only-on-host: HOST ONLY\\n\n")
      << o.Describe();
}

// In a chroot (unshare -r --root) Linux keeps the walk inside DIR: the expected
// output of the sandboxed test is Linux's.
TEST(NativeFiles, RootfsSymlinksStayInsideAChroot) {
  if (!IsExecutable("/usr/bin/unshare")) GTEST_SKIP() << "/usr/bin/unshare is not installed";
  EscapeLayout layout;
  ASSERT_TRUE(layout.ok());
  std::vector<std::string> argv = {"/usr/bin/unshare", "-r", "--root=" + layout.rootfs(),
                                   "/bin/path_probe"};
  const std::vector<std::string> cmds = layout.Commands();
  argv.insert(argv.end(), cmds.begin(), cmds.end());
  const Outcome o = RunNative(argv);
  if (o.Exited(1) && o.out.empty()) GTEST_SKIP() << "no user namespaces here: " << o.err;
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  CheckEscapeOutput(layout, o);
}

TEST_F(Files, RootfsSymlinksCannotLeaveTheRootfs) {
  EscapeLayout layout;
  ASSERT_TRUE(layout.ok());
  const std::map<std::string, std::string> before = Snapshot(layout.rootfs());
  std::vector<std::string> args = {"run", "--rootfs", layout.rootfs(), "--", "/bin/path_probe"};
  const std::vector<std::string> cmds = layout.Commands();
  args.insert(args.end(), cmds.begin(), cmds.end());
  // Paths only the sandbox has (its /proc), checked for leaks only.
  const std::string s = layout.secret_dir();
  args.insert(args.end(),
              {"cat", "/proc/self/root/../.." + s + "/secret.txt", "cat",
               "/proc/self/cwd/../../.." + s + "/only-on-host", "ls", "/proc/self/root/.."});
  const Outcome o = RunKekkai(args);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  CheckEscapeOutput(layout, o);
  EXPECT_THAT(o.out, HasSubstr("cat /proc/self/cwd/../../.." + s + "/only-on-host: ENOENT\n"))
      << o.Describe();
  EXPECT_EQ(Snapshot(layout.rootfs()), before);
}

// The same links, reached through a --volume of the default rootfs: a volume's
// symlinks resolve in the sandbox, never on the host.
TEST_F(Files, VolumeSymlinksResolveInsideTheSandbox) {
  TempDir vol;
  TempDir secret;
  ASSERT_TRUE(WriteFile(secret / "secret.txt", "HOST SECRET\n", 0644));
  ASSERT_TRUE(Symlink(secret / "secret.txt", vol / "abs-secret"));
  ASSERT_TRUE(Symlink("../../../../../../.." + secret.path() + "/secret.txt", vol / "rel-secret"));
  ASSERT_TRUE(Symlink("..", vol / "up"));
  const Outcome o = RunKekkai({"run", "-v", vol.path() + ":/data", "--", Guest("path_probe"), "cat",
                               "/data/abs-secret", "cat", "/data/rel-secret", "cat",
                               "/data/up/data/up/data/abs-secret", "ls", "/data/up/data"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  // The host's /tmp (where the secret is) is not shown by the default rootfs.
  EXPECT_EQ(
      o.out,
      "cat /data/abs-secret: ENOENT\ncat /data/rel-secret: ENOENT\n"
      "cat /data/up/data/up/data/abs-secret: ENOENT\nls /data/up/data: abs-secret rel-secret up\n")
      << o.Describe();
}

// ---------------------------------------------------------------------------
// --rootfs isolation: renames racing the guest's path walks.

// A --rootfs DIR (EscapeLayout: decoys inside DIR at the secret's path and a
// decoy /etc/passwd) plus a volume V whose d/file and e/passwd the host swaps,
// again and again, with symlinks to the secret's folder (absolute and by ../
// chain) and to /etc.
class RenameRace {
 public:
  RenameRace() {
    ok_ = layout_.ok() && MakeDirs(vol_ / "d") && WriteFile(vol_ / "d/file", "good\n", 0644) &&
          MakeDirs(vol_ / "e") && WriteFile(vol_ / "e/passwd", "good passwd\n", 0644) &&
          WriteFile(layout_.secret_dir() + "/file", "HOST SECRET\n", 0644) &&
          WriteFile(layout_.rootfs() + layout_.secret_dir() + "/file", "decoy\n", 0644) &&
          WriteFile(layout_.rootfs() + "/etc/passwd", "decoy passwd\n", 0644) &&
          Symlink(layout_.secret_dir(), vol_ / "lnk-abs") &&
          Symlink("../../../../../../../.." + layout_.secret_dir(), vol_ / "lnk-rel") &&
          Symlink("/etc", vol_ / "lnk-etc");
  }
  ~RenameRace() { Stop(); }

  bool ok() const { return ok_; }
  const EscapeLayout& layout() const { return layout_; }
  const TempDir& vol() const { return vol_; }

  // Starts swapping on a thread of this process.
  void Start() {
    thread_ = std::thread([this] {
      const std::string d = vol_ / "d", e = vol_ / "e";
      const std::string abs = vol_ / "lnk-abs", rel = vol_ / "lnk-rel", etc = vol_ / "lnk-etc";
      while (!stop_.load(std::memory_order_relaxed)) {
        for (const auto& [a, b] : {std::pair{&d, &abs}, std::pair{&d, &rel}, std::pair{&e, &etc}}) {
          // Each pair twice: swapped, then back.
          for (int i = 0; i < 2; i++) {
            if (renameat2(AT_FDCWD, a->c_str(), AT_FDCWD, b->c_str(), RENAME_EXCHANGE) == 0) {
              swaps_.fetch_add(1, std::memory_order_relaxed);
            }
          }
        }
      }
    });
  }
  // Stops swapping; returns how many swaps were made.
  long Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return swaps_.load();
  }

 private:
  EscapeLayout layout_;
  TempDir vol_;
  bool ok_ = false;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<long> swaps_{0};
};

// Parses path_probe's race output: outcome -> count, per raced path.
std::map<std::string, std::map<std::string, long>> RaceOutcomes(const std::string& out) {
  std::map<std::string, std::map<std::string, long>> res;
  std::string current;
  for (const std::string& line : SplitLines(out)) {
    if (line.rfind("race ", 0) == 0) {
      current = line.substr(5, line.find(':') - 5);
      res[current];
    } else if (line.rfind("  ", 0) == 0 && !current.empty()) {
      const size_t sp = line.rfind(' ');
      res[current][line.substr(2, sp - 2)] = strtol(line.c_str() + sp + 1, nullptr, 10);
    }
  }
  return res;
}

std::string FirstLine(const std::string& path) {
  const std::string s = ReadFileOr(path, "");
  return s.substr(0, s.find('\n'));
}

// Without a sandbox the same race reads the secret and the host's /etc/passwd:
// the attack works.
TEST(NativeFiles, RenameRaceReachesTheHostWithoutSandbox) {
  ASSERT_TRUE(IsExecutable(Guest("path_probe")))
      << "guests not built: $GUESTS='" << GuestsDir() << "'";
  RenameRace race;
  ASSERT_TRUE(race.ok());
  race.Start();
  const Outcome o = RunNative({Guest("path_probe"), "race", race.vol() / "d/file", "400", "race",
                               race.vol() / "e/passwd", "400"});
  EXPECT_GT(race.Stop(), 0);
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  auto outcomes = RaceOutcomes(o.out);
  EXPECT_GT(outcomes[race.vol() / "d/file"]["HOST SECRET\\n"], 0) << o.Describe();
  EXPECT_GT(outcomes[race.vol() / "d/file"]["good\\n"], 0) << o.Describe();
  bool saw_passwd = false;
  for (const auto& [what, n] : outcomes[race.vol() / "e/passwd"]) {
    if (what.rfind("root:", 0) == 0) saw_passwd = true;
  }
  EXPECT_TRUE(saw_passwd) << o.Describe();
}

// The sandbox may cache what a walk found (a guest then keeps seeing one side of
// the swap), so the race is run in many short sandboxes: each one's first walks
// race the host's renames.
TEST_F(Files, RenameRaceCannotReachTheHost) {
  RenameRace race;
  ASSERT_TRUE(race.ok());
  const std::string host_passwd = FirstLine("/etc/passwd");
  ASSERT_FALSE(host_passwd.empty());
  // Every outcome is one a walk confined to the sandbox can give.
  const std::set<std::string> allowed = {"good\\n", "good passwd\\n", "decoy\\n", "decoy passwd\\n",
                                         "ENOENT",  "ENOTDIR",        "ELOOP",    "ESTALE"};
  std::map<std::string, std::map<std::string, long>> total;
  int runs = 0;
  race.Start();
  const auto deadline = Clock::now() + std::chrono::milliseconds(2500);
  while (runs < 10 || (runs < 40 && Clock::now() < deadline)) {
    const Outcome o = RunKekkai({"run", "--rootfs", race.layout().rootfs(), "-v",
                                 race.vol().path() + ":/data", "--", "/bin/path_probe", "race",
                                 "/data/d/file", "20", "race", "/data/e/passwd", "20"});
    runs++;
    ASSERT_TRUE(o.Exited(0)) << "run " << runs << "\n" << o.Describe();
    EXPECT_THAT(o.out, Not(HasSubstr("HOST SECRET"))) << o.Describe();
    EXPECT_THAT(o.out, Not(HasSubstr(host_passwd.substr(0, 12)))) << o.Describe();
    const auto outcomes = RaceOutcomes(o.out);
    ASSERT_EQ(outcomes.size(), 2u) << o.Describe();
    for (const auto& [path, counts] : outcomes) {
      for (const auto& [what, n] : counts) {
        EXPECT_EQ(allowed.count(what), 1u)
            << path << ": unexpected outcome \"" << what << "\" x" << n << "\n"
            << o.Describe();
        total[path][what] += n;
      }
    }
  }
  const long swaps = race.Stop();
  std::ostringstream summary;
  for (const auto& [path, counts] : total) {
    summary << path << ":";
    for (const auto& [what, n] : counts) summary << " [" << what << "] x" << n;
    summary << "\n";
  }
  EXPECT_GT(swaps, 100) << "the host barely raced";
  // Both sides of the swaps were walked: the race really met the walks.
  EXPECT_GT(total["/data/d/file"]["good\\n"], 0) << runs << " runs\n" << summary.str();
  EXPECT_GT(total["/data/e/passwd"]["good passwd\\n"], 0) << runs << " runs\n" << summary.str();
  long swapped_side = 0;
  for (const auto& [path, counts] : total) {
    for (const auto& [what, n] : counts) {
      if (what.rfind("good", 0) != 0) swapped_side += n;
    }
  }
  EXPECT_GT(swapped_side, 0) << runs << " runs\n" << summary.str();
  RecordProperty("race_summary", summary.str());
}

// ---------------------------------------------------------------------------
// --volume and --overlay=none.

TEST_F(Files, VolumeWritesReachTheHostFolder) {
  TempDir vol;
  ASSERT_TRUE(WriteFile(vol / "old.txt", "delete me\n", 0644));
  ASSERT_TRUE(WriteFile(vol / "keep.txt", "host wrote this\n", 0644));
  ASSERT_TRUE(MakeDirs(vol / "olddir"));
  const Outcome o =
      RunKekkai({"run", "--volume=" + vol.path() + ":/mnt/vol", "--", Guest("path_probe"), "cat",
                 "/mnt/vol/keep.txt", "write", "/mnt/vol/new.txt", "from the guest", "mkdir",
                 "/mnt/vol/newdir", "write", "/mnt/vol/newdir/inner", "inner", "write",
                 "/mnt/vol/keep.txt", "overwritten", "ls", "/mnt/vol"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "cat /mnt/vol/keep.txt: host wrote this\\n\nwrite /mnt/vol/new.txt: ok\n"
            "mkdir /mnt/vol/newdir: ok\nwrite /mnt/vol/newdir/inner: ok\n"
            "write /mnt/vol/keep.txt: ok\nls /mnt/vol: keep.txt new.txt newdir old.txt olddir\n")
      << o.Describe();
  EXPECT_EQ(ReadFileOr(vol / "new.txt"), "from the guest");
  EXPECT_EQ(ReadFileOr(vol / "newdir/inner"), "inner");
  EXPECT_EQ(ReadFileOr(vol / "keep.txt"), "overwritten");
  struct stat st = {};
  EXPECT_EQ(stat((vol / "newdir").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  // Deleting and renaming (python: the guest has no rm of its own).
  if (IsExecutable(kPython)) {
    const Outcome p = SandboxedPython(
        {"-v", vol.path() + ":/mnt/vol"},
        "import os\nos.unlink('/mnt/vol/old.txt')\nos.rmdir('/mnt/vol/olddir')\n"
        "os.rename('/mnt/vol/new.txt', '/mnt/vol/newdir/moved.txt')\n"
        "print(sorted(os.listdir('/mnt/vol')), sorted(os.listdir('/mnt/vol/newdir')))\n",
        {});
    EXPECT_TRUE(p.Exited(0)) << p.Describe();
    EXPECT_EQ(p.out, "['keep.txt', 'newdir'] ['inner', 'moved.txt']\n") << p.Describe();
    EXPECT_FALSE(Lexists(vol / "old.txt"));
    EXPECT_FALSE(Lexists(vol / "olddir"));
    EXPECT_FALSE(Lexists(vol / "new.txt"));
    EXPECT_EQ(ReadFileOr(vol / "newdir/moved.txt"), "from the guest");
  }
}

// Extended attributes through the gofer: user.* read and written on a volume,
// trusted.* refused (Docker's capability set has no CAP_SYS_ADMIN), and a :ro
// volume refusing changes with EROFS.
TEST_F(Files, VolumeXattrsReachTheHost) {
  REQUIRE_PYTHON();
  TempDir vol;
  ASSERT_TRUE(WriteFile(vol / "f", "x", 0644));
  ASSERT_EQ(setxattr((vol / "f").c_str(), "user.host", "from host", 9, 0), 0) << strerror(errno);
  const std::string script =
      "import errno, os\n"
      "f = '/mnt/vol/f'\n"
      "print(os.getxattr(f, 'user.host'))\n"
      "os.setxattr(f, 'user.guest', b'from guest')\n"
      "os.setxattr('/mnt/vol', 'user.dir', b'd')\n"
      "print(sorted(n for n in os.listxattr(f) if n.startswith('user.')))\n"
      "os.removexattr(f, 'user.host')\n"
      "try:\n"
      "  os.setxattr(f, 'trusted.t', b'x')\n"
      "except OSError as e:\n"
      "  print('trusted', errno.errorcode[e.errno])\n"
      "try:\n"
      "  os.setxattr('/mnt/ro/f', 'user.x', b'x')\n"
      "except OSError as e:\n"
      "  print('ro', errno.errorcode[e.errno])\n"
      "print(os.getxattr('/mnt/ro/f', 'user.guest'))\n";
  const Outcome o = SandboxedPython(
      {"-v", vol.path() + ":/mnt/vol", "-v", vol.path() + ":/mnt/ro:ro"}, script, {});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "b'from host'\n['user.guest', 'user.host']\ntrusted EPERM\nro EROFS\n"
            "b'from guest'\n")
      << o.Describe();
  char buf[64];
  const ssize_t n = getxattr((vol / "f").c_str(), "user.guest", buf, sizeof(buf));
  EXPECT_EQ(n > 0 ? std::string(buf, n) : "", "from guest");
  EXPECT_LT(getxattr((vol / "f").c_str(), "user.host", buf, sizeof(buf)), 0);
  EXPECT_LT(getxattr((vol / "f").c_str(), "trusted.t", buf, sizeof(buf)), 0);
  EXPECT_EQ(getxattr(vol.path().c_str(), "user.dir", buf, sizeof(buf)), 1);
}

TEST_F(Files, ReadOnlyVolumeGivesErofsAndHostIsUnchanged) {
  REQUIRE_PYTHON();
  TempDir vol;
  ASSERT_TRUE(WriteFile(vol / "precious", "host data\n", 0644));
  ASSERT_TRUE(MakeDirs(vol / "sub/emptydir"));
  const std::map<std::string, std::string> before = Snapshot(vol.path());
  const std::string name = UniqueName("rovol");
  const Outcome o =
      SandboxedPython({"-v", vol.path() + ":/data:ro"}, kReadOnlyScript, {"/data", name});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  // The first lines are the volume's; the rest is the default rootfs, whose
  // overlay takes the writes.
  EXPECT_EQ(o.out,
            "create EROFS\nwrite EROFS\nappend EROFS\nopen rdwr EROFS\ntruncate EROFS\n"
            "unlink EROFS\nrename EROFS\nrename folder EROFS\nmkdir EROFS\nrmdir EROFS\n"
            "symlink EROFS\nlink EROFS\nchmod EROFS\nchown EROFS\nutime EROFS\nmkfifo EROFS\n"
            "root create ok\netc create ok\netc rename ok\nusr mkdir ok\n"
            "bin write ok\nbin unlink ok\nread host data\nlisting ['precious', 'sub']\n")
      << o.Describe();
  EXPECT_EQ(Snapshot(vol.path()), before);
}

// A volume's missing mount point is made inside the sandbox, never on the host.
TEST_F(Files, MissingMountPointIsMadeInsideTheSandboxOnly) {
  TempDir vol;
  ASSERT_TRUE(WriteFile(vol / "hello.txt", "hi\n", 0644));
  const std::string top = "/" + UniqueName("mnt");
  const Outcome o =
      RunKekkai({"run", "-v", vol.path() + ":" + top + "/deep/data", "--", Guest("path_probe"),
                 "cat", top + "/deep/data/hello.txt", "ls", top, "ls", top + "/deep"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "cat " + top + "/deep/data/hello.txt: hi\\n\nls " + top + ": deep\nls " + top +
                       "/deep: data\n")
      << o.Describe();
  EXPECT_FALSE(Lexists(top)) << top << " was made on the host";

  // With --rootfs DIR: not in DIR either.
  EscapeLayout layout;
  ASSERT_TRUE(layout.ok());
  const std::map<std::string, std::string> before = Snapshot(layout.rootfs());
  const Outcome r =
      RunKekkai({"run", "--rootfs", layout.rootfs(), "-v", vol.path() + ":/newdir/sub", "--",
                 "/bin/path_probe", "cat", "/newdir/sub/hello.txt", "ls", "/newdir"});
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
  EXPECT_EQ(r.out, "cat /newdir/sub/hello.txt: hi\\n\nls /newdir: sub\n") << r.Describe();
  EXPECT_EQ(Snapshot(layout.rootfs()), before);
  EXPECT_FALSE(Lexists(layout.rootfs() + "/newdir"));
}

// --rootfs DIR takes writes in the sandbox's overlay, DIR unchanged, unless
// --overlay=none; with it, writes reach DIR.
TEST_F(Files, OverlayNoneWritesReachTheRootfs) {
  EscapeLayout layout;
  ASSERT_TRUE(layout.ok());
  const std::string r = layout.rootfs();
  ASSERT_TRUE(WriteFile(r + "/existing.txt", "before\n", 0644));
  const std::vector<std::string> cmds = {
      "/bin/path_probe", "write", "/written.txt", "new file",     "mkdir",
      "/made",           "write", "/made/inner",  "inner",        "write",
      "/existing.txt",   "after", "cat",          "/existing.txt"};
  const std::map<std::string, std::string> before = Snapshot(r);
  std::vector<std::string> args = {"run", "--rootfs", r, "--"};
  args.insert(args.end(), cmds.begin(), cmds.end());
  const Outcome ro = RunKekkai(args);
  EXPECT_TRUE(ro.Exited(0)) << ro.Describe();
  EXPECT_EQ(ro.out,
            "write /written.txt: ok\nmkdir /made: ok\nwrite /made/inner: ok\n"
            "write /existing.txt: ok\ncat /existing.txt: after\n")
      << ro.Describe();
  EXPECT_EQ(Snapshot(r), before);

  args = {"run", "--rootfs", r, "--overlay=none", "--"};
  args.insert(args.end(), cmds.begin(), cmds.end());
  const Outcome rw = RunKekkai(args);
  EXPECT_TRUE(rw.Exited(0)) << rw.Describe();
  EXPECT_EQ(rw.out,
            "write /written.txt: ok\nmkdir /made: ok\nwrite /made/inner: ok\n"
            "write /existing.txt: ok\ncat /existing.txt: after\n")
      << rw.Describe();
  EXPECT_EQ(ReadFileOr(r + "/written.txt"), "new file");
  EXPECT_EQ(ReadFileOr(r + "/made/inner"), "inner");
  EXPECT_EQ(ReadFileOr(r + "/existing.txt"), "after");
  // The symlinks still resolve inside DIR, even writable.
  const Outcome esc =
      RunKekkai({"run", "--rootfs", r, "--overlay=none", "--", "/bin/path_probe", "cat",
                 "/abs-secret", "write", "/abs-dir/secret.txt", "overwrite"});
  EXPECT_TRUE(esc.Exited(0)) << esc.Describe();
  EXPECT_EQ(esc.out, "cat /abs-secret: decoy\\n\nwrite /abs-dir/secret.txt: ok\n")
      << esc.Describe();
  EXPECT_EQ(ReadFileOr(layout.secret_dir() + "/secret.txt"), "HOST SECRET\n");
  EXPECT_EQ(ReadFileOr(r + layout.secret_dir() + "/secret.txt"), "overwrite");
}

// ---------------------------------------------------------------------------
// The command line.

class FilesCli : public Kekkai {};

TEST_F(FilesCli, MissingHostFoldersAreKekkaisErrors) {
  TempDir dir;
  ASSERT_TRUE(WriteFile(dir / "file", "not a folder\n", 0644));
  const std::string top = "/" + UniqueName("cli");
  const std::vector<std::vector<std::string>> cases = {
      {"--rootfs", "/nonexistent-e2e-rootfs"},
      {"--rootfs", dir / "file"},
      {"--rootfs=relative/dir"},
      {"--volume", "/nonexistent-e2e-volume:" + top},
      {"-v", "/nonexistent-e2e-volume:" + top + ":ro"},
      {"-v", dir / "file:" + top},
      {"-v", "relative:" + top},
      {"-v", dir.path() + ":relative"},
      {"-v", dir.path()},
      {"--overlay=bogus"},
  };
  for (const std::vector<std::string>& flags : cases) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--", Guest("hello")});
    const Outcome o = RunKekkai(args);
    SCOPED_TRACE(::testing::PrintToString(flags));
    ExpectKekkaiError(o);
    const std::vector<ProcessInfo> left = ReapUntilNoChildren(kTeardownTimeout);
    EXPECT_TRUE(left.empty()) << "left behind: " << Describe(left);
  }
  EXPECT_FALSE(Lexists(top));
}

}  // namespace
}  // namespace kekkai::tests::e2e

int main(int argc, char** argv) { return kekkai::tests::e2e::E2eMain(argc, argv); }
