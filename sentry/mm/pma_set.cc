#include "sentry/mm/pma_set.h"

namespace kekkai::sentry::mm {

uint64_t PmaSet::TotalBytes() const {
  uint64_t total = 0;
  for (const auto& [start, pma] : *this) total += pma.length();
  return total;
}

}  // namespace kekkai::sentry::mm
