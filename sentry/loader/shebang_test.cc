#include <string>

#include <gtest/gtest.h>

#include "sentry/loader/exec.h"

namespace kekkai::sentry::loader {
namespace {

Result<std::optional<Shebang>> Parse(const std::string& s) {
  return ParseShebang(std::as_bytes(std::span(s.data(), s.size())));
}

TEST(ShebangTest, NotAScript) {
  EXPECT_FALSE(Parse("\x7f" "ELF")->has_value());
  EXPECT_FALSE(Parse("#")->has_value());
  EXPECT_FALSE(Parse("")->has_value());
}

TEST(ShebangTest, InterpreterAndOneArgument) {
  auto s = **Parse("#!/bin/sh\necho hi\n");
  EXPECT_EQ(s.interpreter, "/bin/sh");
  EXPECT_FALSE(s.arg.has_value());
  s = **Parse("#! \t/usr/bin/env  python3 -u  \t\nrest");
  EXPECT_EQ(s.interpreter, "/usr/bin/env");
  // Everything after the name is one argument, inner spaces kept, ends trimmed.
  EXPECT_EQ(s.arg, "python3 -u");
}

TEST(ShebangTest, Errors) {
  EXPECT_EQ(Parse("#!\n").error(), Errno(ENOEXEC));
  EXPECT_EQ(Parse("#!   \t\n").error(), Errno(ENOEXEC));
  // No newline within 256 bytes and the name runs to the end: may be truncated.
  EXPECT_EQ(Parse("#!/" + std::string(300, 'a')).error(), Errno(ENOEXEC));
}

TEST(ShebangTest, LongArgumentIsCutNotRefused) {
  auto s = **Parse("#!/bin/sh " + std::string(300, 'x'));
  EXPECT_EQ(s.interpreter, "/bin/sh");
  ASSERT_TRUE(s.arg.has_value());
  EXPECT_EQ(s.arg->size(), kShebangMax - 2 - 8);
}

}  // namespace
}  // namespace kekkai::sentry::loader
