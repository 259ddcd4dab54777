// Result<T>: a value or an Errno, with std::expected-like accessors, and the
// RETURN_IF_ERROR / ASSIGN_OR_RETURN helpers that propagate errors.
#ifndef KEKKAI_BASE_RESULT_H_
#define KEKKAI_BASE_RESULT_H_

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/errno.h"

namespace kekkai {

// Holds either a T or an Errno. Accessing the wrong alternative aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  // Implicit from a value or an error so `return value;` and `return Errno(EBADF);` both work.
  Result(const T& v) : v_(std::in_place_index<0>, v) {}  // NOLINT
  Result(T&& v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT
  template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, Errno> &&
             !std::is_same_v<std::remove_cvref_t<U>, Result>)
  Result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT
  Result(Errno e) : v_(std::in_place_index<1>, e) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }

  T& value() & { Check(); return std::get<0>(v_); }
  const T& value() const& { Check(); return std::get<0>(v_); }
  T&& value() && { Check(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  template <typename U>
  T value_or(U&& def) const& { return has_value() ? std::get<0>(v_) : T(std::forward<U>(def)); }

  // Returns the error; aborts if this holds a value.
  Errno error() const {
    if (v_.index() != 1) std::abort();
    return std::get<1>(v_);
  }

 private:
  void Check() const {
    if (v_.index() != 0) std::abort();
  }
  std::variant<T, Errno> v_;
};

// Result<void>: success or an Errno.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Errno e) : err_(e.value()) {}  // NOLINT
  bool has_value() const { return err_ == 0; }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (err_ != 0) std::abort();
  }
  Errno error() const {
    if (err_ == 0) std::abort();
    return Errno(err_);
  }

 private:
  int err_ = 0;
};

// Returns a successful Result<void>.
inline Result<void> Ok() { return Result<void>(); }

namespace internal {
inline Errno ToErrno(const Errno& e) { return e; }
template <typename T>
Errno ToErrno(const Result<T>& r) { return r.error(); }
}  // namespace internal

}  // namespace kekkai

#define KEKKAI_CONCAT_INNER(a, b) a##b
#define KEKKAI_CONCAT(a, b) KEKKAI_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result) from the enclosing function.
#define RETURN_IF_ERROR(expr)                                 \
  do {                                                        \
    auto&& kekkai_r_ = (expr);                                \
    if (!kekkai_r_.has_value()) return kekkai_r_.error();     \
  } while (0)

// Evaluates `expr` (a Result<T>); returns its error, or moves its value into `decl`.
#define ASSIGN_OR_RETURN(decl, expr) \
  ASSIGN_OR_RETURN_IMPL(KEKKAI_CONCAT(kekkai_result_, __LINE__), decl, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, decl, expr)    \
  auto tmp = (expr);                              \
  if (!tmp.has_value()) return tmp.error();       \
  decl = std::move(tmp).value()

#endif  // KEKKAI_BASE_RESULT_H_
