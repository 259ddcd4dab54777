// Serve: the gofer's request loop over its socket to the sentry.
#ifndef KEKKAI_GOFER_SERVER_H_
#define KEKKAI_GOFER_SERVER_H_

#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "gofer/served_tree.h"

namespace kekkai::gofer {

// Answers requests on `sock` (a SOCK_SEQPACKET socket; the sentry holds the other
// end) against `trees` (tree i is what Attach(i) names) until the peer closes it,
// then returns Ok. Returns an error only when the socket itself fails. Sets the
// process umask to 0 (the sentry sends exact modes): call it in the gofer process.
// Single-threaded; async-signal-unsafe.
Result<void> Serve(FileDescriptor sock, std::vector<ServedTree> trees);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_SERVER_H_
