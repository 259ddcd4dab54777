// The wire format: message reading and writing, name checks, open flags.
#include "gofer/protocol.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "gofer/message.h"
#include "gofer/open_flags.h"

namespace kekkai::gofer {
namespace {

template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

TEST(MessageTest, RoundTripsStructsAndStrings) {
  MessageWriter w;
  w.Put(RequestHeader{static_cast<uint32_t>(Op::kRename), 0});
  w.Put(RenameRequest{1, 2, 3, 0});
  w.PutString("old");
  w.PutString("");
  EXPECT_EQ(w.size(), 8u + 16u + 2u + 3u + 2u);
  MessageReader r(w.bytes());
  EXPECT_EQ(r.Get<RequestHeader>()->op, static_cast<uint32_t>(Op::kRename));
  Result<RenameRequest> req = r.Get<RenameRequest>();
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->new_dir, 2u);
  EXPECT_EQ(r.GetString().value_or("x"), "old");
  EXPECT_EQ(r.GetString().value_or("x"), "");
  EXPECT_TRUE(r.ExpectEnd().ok());
  EXPECT_EQ(ErrorOf(r.Get<uint8_t>()), Errno(EINVAL));
}

TEST(MessageTest, ShortAndTrailingBytesAreEinval) {
  MessageWriter w;
  w.Put(uint16_t{10});
  w.Put(uint32_t{0});
  MessageReader r(w.bytes());
  EXPECT_EQ(ErrorOf(r.GetString()), Errno(EINVAL));
  MessageReader r2(w.bytes());
  EXPECT_EQ(ErrorOf(r2.Get<NodeReply>()), Errno(EINVAL));
  EXPECT_TRUE(r2.Get<uint16_t>().ok());
  EXPECT_EQ(ErrorOf(r2.ExpectEnd()), Errno(EINVAL));
}

TEST(MessageTest, PutAtOverwrites) {
  MessageWriter w;
  w.Put(uint32_t{0});
  w.Put(uint32_t{7});
  w.PutAt(0, uint32_t{9});
  MessageReader r(w.bytes());
  EXPECT_EQ(r.Get<uint32_t>().value_or(0), 9u);
  EXPECT_EQ(r.Get<uint32_t>().value_or(0), 7u);
}

TEST(ProtocolTest, ValidatesNames) {
  EXPECT_TRUE(ValidateName("a").ok());
  EXPECT_TRUE(ValidateName("...").ok());
  EXPECT_TRUE(ValidateName(std::string(255, 'x')).ok());
  EXPECT_EQ(ErrorOf(ValidateName(std::string(256, 'x'))), Errno(ENAMETOOLONG));
  for (std::string_view bad :
       {std::string_view(""), std::string_view("."), std::string_view(".."),
        std::string_view("a/b"), std::string_view("/"), std::string_view("a\0b", 3)}) {
    EXPECT_EQ(ErrorOf(ValidateName(bad)), Errno(EINVAL)) << bad;
  }
  EXPECT_TRUE(ValidateSymlinkTarget("../../..").ok());
  EXPECT_EQ(ErrorOf(ValidateSymlinkTarget("")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(ValidateSymlinkTarget(std::string(4096, 'x'))), Errno(ENAMETOOLONG));
}

TEST(ProtocolTest, FdCounts) {
  EXPECT_EQ(ReplyFdCount(Op::kCreate), 2u);
  EXPECT_EQ(ReplyFdCount(Op::kWalk), 1u);
  EXPECT_EQ(ReplyFdCount(Op::kOpen), 1u);
  EXPECT_EQ(ReplyFdCount(Op::kGetdents), 0u);
  EXPECT_STREQ(OpName(Op::kSetStat), "SetStat");
  EXPECT_STREQ(OpName(static_cast<Op>(999)), "?");
}

TEST(OpenFlagsTest, StripsWhatTheGoferSetsItself) {
  EXPECT_EQ(
      SanitizeOpenFlags(O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW).value_or(-1),
      O_RDWR);
  EXPECT_EQ(SanitizeOpenFlags(O_RDONLY | O_PATH).value_or(-1), O_RDONLY);
  // O_TMPFILE loses its own bit; O_DIRECTORY stays.
  EXPECT_EQ(SanitizeOpenFlags(O_TMPFILE | O_RDWR).value_or(-1), O_DIRECTORY | O_RDWR);
  // The kernel's O_LARGEFILE (glibc's is 0 on x86-64).
  EXPECT_EQ(SanitizeOpenFlags(0100000).value_or(-1), 0100000);
  EXPECT_EQ(
      SanitizeOpenFlags(O_WRONLY | O_SYNC | O_DIRECT | O_NOATIME | O_APPEND | O_TRUNC | O_NONBLOCK)
          .value_or(-1),
      O_WRONLY | O_SYNC | O_DIRECT | O_NOATIME | O_APPEND | O_TRUNC | O_NONBLOCK);
}

TEST(OpenFlagsTest, RefusesUnknownBitsAndAccessModeThree) {
  EXPECT_EQ(ErrorOf(SanitizeOpenFlags(O_ASYNC)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(SanitizeOpenFlags(3)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(SanitizeOpenFlags(1u << 30)), Errno(EINVAL));
}

TEST(OpenFlagsTest, WriteOpens) {
  EXPECT_FALSE(IsWriteOpen(O_RDONLY));
  EXPECT_TRUE(IsWriteOpen(O_WRONLY));
  EXPECT_TRUE(IsWriteOpen(O_RDWR));
  EXPECT_TRUE(IsWriteOpen(O_RDONLY | O_TRUNC));
}

}  // namespace
}  // namespace kekkai::gofer
