#include "gofer/message.h"

namespace kekkai::gofer {

void MessageWriter::PutString(std::string_view s) {
  Put(static_cast<uint16_t>(s.size()));
  const size_t at = buf_.size();
  buf_.resize(at + s.size());
  if (!s.empty()) std::memcpy(buf_.data() + at, s.data(), s.size());
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
