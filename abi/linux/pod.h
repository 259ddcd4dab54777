// Pod: the concept of a type that may be copied to and from guest memory as bytes.
#ifndef KEKKAI_ABI_LINUX_POD_H_
#define KEKKAI_ABI_LINUX_POD_H_

#include <type_traits>

namespace kekkai::abi {

template <typename T>
concept Pod = std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>;

}  // namespace kekkai::abi

#endif  // KEKKAI_ABI_LINUX_POD_H_
