#include "runtime/cli.h"

#include <gtest/gtest.h>

namespace kekkai::runtime {
namespace {

Result<ParsedCommand> Parse(std::vector<std::string> args, std::string* err) {
  return ParseCommandLine(args, err);
}

TEST(CliTest, RunWithFlags) {
  std::string err;
  auto p = Parse({"run", "--platform=ptrace", "--strace", "-e", "A=1", "--env=B=2", "-eC=3",
                  "-w", "/tmp", "--", "prog", "-x", "y"},
                 &err);
  ASSERT_TRUE(p.ok()) << err;
  EXPECT_EQ(p->command, Command::kRun);
  EXPECT_EQ(p->run.platform, "ptrace");
  EXPECT_TRUE(p->run.platform_given);
  EXPECT_TRUE(p->run.strace);
  EXPECT_EQ(p->run.env, (std::vector<std::string>{"A=1", "B=2", "C=3"}));
  EXPECT_EQ(p->run.cwd, "/tmp");
  EXPECT_EQ(p->run.argv, (std::vector<std::string>{"prog", "-x", "y"}));
}

TEST(CliTest, ProgramFlagsAreNotOurs) {
  std::string err;
  auto p = Parse({"run", "busybox", "--strace"}, &err);
  ASSERT_TRUE(p.ok()) << err;
  EXPECT_FALSE(p->run.strace);
  EXPECT_EQ(p->run.argv, (std::vector<std::string>{"busybox", "--strace"}));
}

TEST(CliTest, Errors) {
  std::string err;
  EXPECT_FALSE(Parse({"run", "--bogus", "x"}, &err).ok());
  EXPECT_EQ(err, "unknown flag --bogus (see 'kekkai help')");
  EXPECT_FALSE(Parse({"run", "--platform=kvm9", "x"}, &err).ok());
  EXPECT_FALSE(Parse({"run"}, &err).ok());
  EXPECT_FALSE(Parse({"run", "-w", "rel", "x"}, &err).ok());
  EXPECT_FALSE(Parse({"run", "-e"}, &err).ok());
  EXPECT_FALSE(Parse({"frobnicate"}, &err).ok());
  EXPECT_FALSE(Parse({"--nope"}, &err).ok());
  EXPECT_FALSE(Parse({}, &err).ok());
  EXPECT_EQ(err.find('\n'), std::string::npos);
}

TEST(CliTest, HelpAndVersion) {
  std::string err;
  EXPECT_EQ(Parse({"help"}, &err)->command, Command::kHelp);
  EXPECT_EQ(Parse({"--help"}, &err)->command, Command::kHelp);
  EXPECT_EQ(Parse({"--version"}, &err)->command, Command::kVersion);
}

}  // namespace
}  // namespace kekkai::runtime
