#include "gofer/message.h"

namespace kekkai::gofer {

void MessageWriter::PutString(std::string_view s) {
  Put(static_cast<uint16_t>(s.size()));
  PutBytes(s);
}

void MessageWriter::PutBytes(std::string_view s) {
  const size_t at = buf_.size();
  buf_.resize(at + s.size());
  if (!s.empty()) std::memcpy(buf_.data() + at, s.data(), s.size());
}

std::string_view MessageReader::GetRest() {
  std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), remaining());
  pos_ = bytes_.size();
  return s;
}

Result<std::string_view> MessageReader::GetString() {
  ASSIGN_OR_RETURN(const uint16_t len, Get<uint16_t>());
  if (remaining() < len) return Errno(EINVAL);
  std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
  pos_ += len;
  return s;
}

Result<void> MessageReader::ExpectEnd() const {
  if (remaining() != 0) return Errno(EINVAL);
  return Ok();
}

}  // namespace kekkai::gofer
