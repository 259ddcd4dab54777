// Getdents against a real Serve(): paging, what is left out, and the host root.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>

#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

using GetdentsTest = GoferTest;

// Lists `dir` through every batch; fails the test on an error or a runaway listing.
std::map<std::string, Dirent> ListAll(Client& c, Fid dir, int* batches = nullptr) {
  std::map<std::string, Dirent> out;
  uint64_t cookie = 0;
  for (int i = 0; i < 10000; ++i) {
    Result<DirBatch> b = c.Getdents(dir, cookie);
    EXPECT_TRUE(b.ok()) << ErrnoName(b.error().value());
    if (!b.ok()) break;
    if (batches != nullptr) ++*batches;
    for (Dirent& d : b->entries) {
      EXPECT_EQ(out.count(d.name), 0u) << "listed twice: " << d.name;
      out[d.name] = d;
    }
    if (b->end) return out;
    cookie = b->next_cookie;
  }
  ADD_FAILURE() << "listing never ended";
  return out;
}

TEST_F(GetdentsTest, ListsTypesAndInodes) {
  WriteHostFile(dir_.Path("f"), "");
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  ASSERT_EQ(symlink("f", dir_.Path("l").c_str()), 0);
  std::map<std::string, Dirent> all = ListAll(*client_, root_.fid);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all["f"].type, DT_REG);
  EXPECT_EQ(all["d"].type, DT_DIR);
  EXPECT_EQ(all["l"].type, DT_LNK);
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("d").c_str(), &st), 0);
  EXPECT_EQ(all["d"].ino, st.st_ino);
}

TEST_F(GetdentsTest, PagesThroughMoreThanAThousandEntries) {
  // Long names make several batches of one message each.
  std::set<std::string> want;
  for (int i = 0; i < 1200; ++i) {
    std::string name = "entry_" + std::to_string(i) + "_" + std::string(150, 'n');
    WriteHostFile(dir_.Path(name), "");
    want.insert(name);
  }
  int batches = 0;
  std::map<std::string, Dirent> all = ListAll(*client_, root_.fid, &batches);
  std::set<std::string> got;
  for (auto& [name, d] : all) got.insert(name);
  EXPECT_EQ(got, want);
  EXPECT_GT(batches, 2);
  // Resuming from a cookie mid-way gives the rest.
  Result<DirBatch> first = client_->Getdents(root_.fid, 0);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->end);
  Result<DirBatch> second = client_->Getdents(root_.fid, first->next_cookie);
  ASSERT_TRUE(second.ok());
  ASSERT_FALSE(second->entries.empty());
  for (const Dirent& d : second->entries) {
    for (const Dirent& e : first->entries) EXPECT_NE(d.name, e.name);
  }
}

TEST_F(GetdentsTest, AnEmptyDirectoryEndsAtOnce) {
  Result<DirBatch> b = client_->Getdents(root_.fid, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->entries.empty());
  EXPECT_TRUE(b->end);
}

TEST_F(GetdentsTest, LeavesOutFifosAndSockets) {
  WriteHostFile(dir_.Path("f"), "");
  ASSERT_EQ(mkfifo(dir_.Path("fifo").c_str(), 0644), 0);
  ASSERT_EQ(mknod(dir_.Path("sock").c_str(), S_IFSOCK | 0644, 0), 0);
  std::map<std::string, Dirent> all = ListAll(*client_, root_.fid);
  EXPECT_EQ(all.size(), 1u);
  EXPECT_EQ(all.count("f"), 1u);
}

TEST_F(GetdentsTest, OfAFileIsEnotdir) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ErrorOf(client_->Getdents(f->fid, 0)), Errno(ENOTDIR));
}

TEST_F(GetdentsTest, TheHostRootLeavesOutProcSysAndPolicyHiddenEntries) {
  for (bool with_policy : {false, true}) {
    std::optional<Policy> policy;
    if (with_policy) policy = Policy::Create({}).value();
    std::vector<ServedTree> trees;
    trees.push_back(MakeTree("/", /*read_only=*/true, std::move(policy)));
    std::unique_ptr<Client>& host = extra_clients_.emplace_back(StartGofer(std::move(trees)));
    Result<Node> root = host->Attach(0);
    ASSERT_TRUE(root.ok());
    std::map<std::string, Dirent> all = ListAll(*host, root->fid);
    EXPECT_EQ(all.count("etc"), 1u) << with_policy;
    EXPECT_EQ(all.count("proc"), 0u) << with_policy;
    EXPECT_EQ(all.count("sys"), 0u) << with_policy;
    if (with_policy) {
      EXPECT_EQ(all.count("root"), 0u);
      EXPECT_EQ(all.count("tmp"), 0u);
      Result<Node> etc = host->Walk(root->fid, "etc");
      ASSERT_TRUE(etc.ok());
      std::map<std::string, Dirent> etc_all = ListAll(*host, etc->fid);
      EXPECT_EQ(etc_all.count("passwd"), 1u);
      EXPECT_EQ(etc_all.count("shadow"), 0u);
    }
  }
}

}  // namespace
}  // namespace kekkai::gofer::testing
