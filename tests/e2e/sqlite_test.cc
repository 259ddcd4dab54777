// End-to-end test of locks and shared mappings with a real program: Debian's
// sqlite3 makes a database in write-ahead-log mode (PRAGMA journal_mode=WAL:
// fcntl F_SETLK locks on the database and on its -shm file, which it maps
// MAP_SHARED), writes rows in a transaction, lists the -wal and -shm files while
// the database is open (the shell's fsdir()), checks integrity, and reopens the
// database. In the sandbox the database lives in the sandbox's own /tmp (tmpfs);
// the output must equal the native run's, which must equal the expected text.
//
// meson runs this program twice: e2e_sqlite_native (--gtest_filter=Native*) and
// e2e_sqlite_ptrace. The tests skip when /usr/bin/sqlite3 (Debian package
// sqlite3) is missing.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/e2e/kekkai_run.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {
namespace {

constexpr char kSqlite[] = "/usr/bin/sqlite3";

#define REQUIRE_SQLITE()                                                      \
  do {                                                                        \
    if (!IsExecutable(kSqlite)) {                                             \
      GTEST_SKIP() << kSqlite << " is missing (install the sqlite3 package)"; \
    }                                                                         \
  } while (0)

// Returns the sqlite3 script for a database `dir`/test.db. It prints only names
// relative to `dir`, so runs in different folders print the same.
std::string Script(const std::string& dir) {
  const std::string q = "'" + dir + "'";
  return "PRAGMA journal_mode=WAL;\n"
         "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);\n"
         "BEGIN;\n"
         "INSERT INTO t(name) VALUES ('alpha'), ('beta'), ('gamma');\n"
         "INSERT INTO t(name) SELECT 'row' || value FROM generate_series(1, 500);\n"
         "COMMIT;\n"
         "SELECT count(*), sum(id), max(name) FROM t;\n"
         // The -wal and -shm files exist while the database is open.
         "SELECT substr(name, length(" +
         q + ") + 2) FROM fsdir(" + q + ") WHERE name != " + q +
         " AND name LIKE '%test.db%' ORDER BY 1;\n"
         "PRAGMA integrity_check;\n"
         "UPDATE t SET name = 'BETA' WHERE id = 2;\n"
         "DELETE FROM t WHERE id > 100;\n"
         // Closes the database (checkpointing the log) and opens it again.
         ".open " +
         dir +
         "/test.db\n"
         "PRAGMA journal_mode;\n"
         "SELECT count(*), group_concat(name) FROM t WHERE id <= 4;\n"
         "PRAGMA integrity_check;\n";
}

constexpr char kExpected[] =
    "wal\n"
    "503|126756|row99\n"
    "test.db\n"
    "test.db-shm\n"
    "test.db-wal\n"
    "ok\n"
    "wal\n"
    "4|alpha,BETA,gamma,row1\n"
    "ok\n";

// Runs the script natively in a fresh folder; returns its outcome.
Outcome RunNativeSqlite() {
  std::string dir = ScratchDir() + "/sqlite_XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << dir;
    return {};
  }
  Outcome o = RunNative({kSqlite, "-bail", "-batch", dir + "/test.db"}, Script(dir));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return o;
}

TEST(NativeSqlite, WalDatabase) {
  REQUIRE_SQLITE();
  const Outcome o = RunNativeSqlite();
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kExpected) << o.Describe();
}

using Sqlite = Kekkai;

TEST_F(Sqlite, WalDatabaseInTmpMatchesNative) {
  REQUIRE_SQLITE();
  const Outcome native = RunNativeSqlite();
  ASSERT_TRUE(native.Exited(0)) << native.Describe();
  KekkaiRun run;
  run.stdin_data = Script("/tmp");
  const Outcome o = RunSandboxed({kSqlite, "-bail", "-batch", "/tmp/test.db"}, run);
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, native.out) << o.Describe();
  EXPECT_EQ(o.out, kExpected) << o.Describe();
  EXPECT_EQ(o.err, "") << o.Describe();
}

}  // namespace
}  // namespace kekkai::tests::e2e

int main(int argc, char** argv) { return kekkai::tests::e2e::E2eMain(argc, argv); }
