// MessageWriter and MessageReader: build and parse gofer messages (protocol.h):
// fixed-layout structs copied as bytes, and strings as a uint16 length + bytes.
#ifndef KEKKAI_GOFER_MESSAGE_H_
#define KEKKAI_GOFER_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "abi/linux/pod.h"
#include "base/result.h"

namespace kekkai::gofer {

// Appends to one message. Not thread-safe.
class MessageWriter {
 public:
  // Empties the message, keeping its buffer.
  void Clear() { buf_.clear(); }

  // Appends `v`'s bytes.
  template <abi::Pod T>
  void Put(const T& v) {
    const size_t at = buf_.size();
    buf_.resize(at + sizeof(T));
    std::memcpy(buf_.data() + at, &v, sizeof(T));
  }

  // Overwrites the bytes at `offset` (already written) with `v`'s: fills in a count
  // known only after what follows it. Precondition: offset + sizeof(T) <= size().
  template <abi::Pod T>
  void PutAt(size_t offset, const T& v) {
    std::memcpy(buf_.data() + offset, &v, sizeof(T));
  }

  // Appends `s` as a length-prefixed string. Precondition: s.size() <= 0xffff
  // (callers bound names and targets far below that).
  void PutString(std::string_view s);
  // Appends `s`'s bytes with no length: a message's last field, read back with
  // MessageReader::GetRest.
  void PutBytes(std::string_view s);

  size_t size() const { return buf_.size(); }
  std::span<const std::byte> bytes() const { return buf_; }

 private:
  std::vector<std::byte> buf_;
};

// Reads one received message front to back. Every read is bounds-checked; a short
// message is EINVAL. Borrows the bytes.
class MessageReader {
 public:
  explicit MessageReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

  // Returns the next sizeof(T) bytes as a T; EINVAL if fewer remain.
  template <abi::Pod T>
  Result<T> Get() {
    if (bytes_.size() - pos_ < sizeof(T)) return Errno(EINVAL);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // Returns the next length-prefixed string (a view into the message); EINVAL if
  // the message ends first.
  Result<std::string_view> GetString();

  // Returns every byte not yet read (a view into the message), and reads them.
  std::string_view GetRest();

  // Returns EINVAL unless every byte has been read: trailing bytes are malformed.
  Result<void> ExpectEnd() const;

  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::span<const std::byte> bytes_;
  size_t pos_ = 0;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_MESSAGE_H_
