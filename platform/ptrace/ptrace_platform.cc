#include "platform/ptrace/ptrace_platform.h"

#include "platform/ptrace/ptrace_address_space.h"
#include "platform/ptrace/ptrace_context.h"
#include "platform/ptrace/stub_factory.h"

namespace kekkai::platform::ptrace {
namespace {

class PtracePlatform final : public Platform {
 public:
  explicit PtracePlatform(std::shared_ptr<PtraceShared> shared) : shared_(std::move(shared)) {}

  std::string_view name() const override { return "ptrace"; }

  Result<std::unique_ptr<AddressSpace>> NewAddressSpace() override {
    ASSIGN_OR_RETURN(std::unique_ptr<PtraceAddressSpace> as, PtraceAddressSpace::Create(shared_));
    return std::unique_ptr<AddressSpace>(std::move(as));
  }

  Result<std::unique_ptr<Context>> NewContext() override {
    return std::unique_ptr<Context>(std::make_unique<PtraceContext>());
  }

 private:
  const std::shared_ptr<PtraceShared> shared_;
};

}  // namespace

Result<std::unique_ptr<Platform>> NewPtracePlatform(int memfd) {
  auto shared = std::make_shared<PtraceShared>();
  ASSIGN_OR_RETURN(shared->factory, StubFactory::Start(memfd));
  return std::unique_ptr<Platform>(std::make_unique<PtracePlatform>(std::move(shared)));
}

}  // namespace kekkai::platform::ptrace
