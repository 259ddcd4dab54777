// `kekkai run`: sandbox one program with the caller's stdio and propagate its status.
#ifndef KEKKAI_RUNTIME_RUN_H_
#define KEKKAI_RUNTIME_RUN_H_

#include "runtime/cli.h"

namespace kekkai::runtime {

// Runs the program and returns kekkai's exit code.
int RunCommand(const RunOptions& opts);

}  // namespace kekkai::runtime

#endif  // KEKKAI_RUNTIME_RUN_H_
