// Test helpers for the gofer: a scratch directory, a gofer serving it from a forked
// child (Serve() in-process), and the GoferTest fixture that talks to it with a
// Client.
#ifndef KEKKAI_GOFER_SERVER_TEST_FIXTURE_H_
#define KEKKAI_GOFER_SERVER_TEST_FIXTURE_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "gofer/client.h"
#include "gofer/policy.h"
#include "gofer/served_tree.h"

namespace kekkai::gofer::testing {

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

// A fresh directory under /tmp, removed with everything in it when destroyed.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // Returns path() + "/" + rel.
  std::string Path(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `content` to the host file `path` (created 0644 or truncated).
void WriteHostFile(const std::string& path, const std::string& content);
// Returns the content of the host file `path`.
std::string ReadHostFile(const std::string& path);
// Returns everything readable from `fd` from offset 0.
std::string ReadAll(int fd);

// Returns a tree serving host directory `path`.
ServedTree MakeTree(const std::string& path, bool read_only,
                    std::optional<Policy> policy = std::nullopt);

// A gofer serving in a forked child. The child exits 0 once Serve() returns Ok.
struct ServerChild {
  pid_t pid = -1;
  FileDescriptor sock;  // the sentry's end
};
ServerChild ForkServer(std::vector<ServedTree> trees);

// Drives every op once through `c` against a gofer serving `host_dir` read-write
// as tree 0, checking results: proves a confined gofer can still serve.
void ExerciseEveryOp(Client& c, const std::string& host_dir);

// Waits for `pid` and returns its wait status; -1 if it did not exit within
// `timeout_ms` (it is then killed).
int WaitWithTimeout(pid_t pid, int timeout_ms);

// Serves a ScratchDir (read-write, no policy) from a forked Serve(); `client_` talks
// to it and `root_` is its Attach(0). TearDown checks every gofer exited cleanly.
class GoferTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts another gofer serving `trees` and returns a client for it.
  std::unique_ptr<Client> StartGofer(std::vector<ServedTree> trees);
  // Walks `rel` ("a/b/c") from `root_` one component at a time.
  Result<Node> WalkPath(const std::string& rel);

  ScratchDir dir_;
  std::unique_ptr<Client> client_;
  Node root_;
  // Clients of further gofers; closed, with client_, before TearDown waits.
  std::vector<std::unique_ptr<Client>> extra_clients_;
  // Every gofer started; a test that ends one itself removes it.
  std::vector<pid_t> pids_;
};

}  // namespace kekkai::gofer::testing

#endif  // KEKKAI_GOFER_SERVER_TEST_FIXTURE_H_
